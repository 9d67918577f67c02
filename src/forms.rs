//! Pre-chat, post-chat and ticket forms: checking the visitor's answers against the
//! server's form and turning them into the `filled_form` event's fields.
//!
//! Pure and tested natively; the `FormView` component renders the fields.

use std::collections::{BTreeMap, BTreeSet};

use protocol::{Form, FormField};
use serde_json::{json, Value};

/// What the visitor gave for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Typed text (name, email, phone, question, textarea, subject).
    Text(String),
    /// One choice, by option id (radio, select, group_chooser).
    One(String),
    /// Several choices, by option id (checkbox).
    Many(BTreeSet<String>),
}

/// Why a field's answer is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Required and empty.
    Required,
    /// Not an e-mail address.
    Email,
    /// Not a phone number.
    Phone,
}

/// A form whose answers passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    /// `fields` of the `filled_form` event, one per answered field.
    pub fields: Vec<Value>,
    /// The group a `group_chooser` answer routes the chat to.
    pub group_id: Option<u32>,
    /// The visitor's name, from a `name` field.
    pub name: Option<String>,
    /// The visitor's e-mail, from an `email` field.
    pub email: Option<String>,
    /// The visitor's phone, from a `phone` field.
    pub phone: Option<String>,
}

/// Whether a field takes no answer (static text).
pub fn is_static(field: &FormField) -> bool {
    field.kind == "header"
}

/// Checks every answer; on success builds the `filled_form` fields, else lists each
/// field's problem in form order.
pub fn check(form: &Form, answers: &BTreeMap<String, Answer>) -> Result<Filled, Vec<(String, Problem)>> {
    let mut problems = Vec::new();
    let mut filled = Filled { fields: Vec::new(), group_id: None, name: None, email: None, phone: None };
    for field in form.fields.iter().filter(|field| !is_static(field)) {
        let required = field.required == Some(true);
        let options = field.options.as_deref().unwrap_or_default();
        let option = |id: &str| options.iter().find(|option| option.id == id);
        let base = json!({ "type": field.kind, "id": field.id, "label": field.label });
        let entry = match answers.get(&field.id) {
            Some(Answer::Text(text)) if !text.trim().is_empty() => {
                let text = text.trim();
                let problem = match field.kind.as_str() {
                    "email" if !is_email(text) => Some(Problem::Email),
                    "phone" if !is_phone(text) => Some(Problem::Phone),
                    _ => None,
                };
                if let Some(problem) = problem {
                    problems.push((field.id.clone(), problem));
                    continue;
                }
                match field.kind.as_str() {
                    "name" => filled.name = Some(text.to_owned()),
                    "email" => filled.email = Some(text.to_owned()),
                    "phone" => filled.phone = Some(text.to_owned()),
                    _ => {}
                }
                Some(with(base, "answer", json!(text)))
            }
            Some(Answer::One(id)) => option(id).map(|option| {
                let mut answer = json!({ "id": option.id, "label": option.label });
                if field.kind == "group_chooser" {
                    answer["group_id"] = json!(option.group_id);
                    filled.group_id = option.group_id;
                }
                with(base, "answer", answer)
            }),
            Some(Answer::Many(ids)) => {
                // In the form's order, whatever order they were ticked in.
                let chosen: Vec<Value> = options
                    .iter()
                    .filter(|option| ids.contains(&option.id))
                    .map(|option| json!({ "id": option.id, "label": option.label }))
                    .collect();
                (!chosen.is_empty()).then(|| with(base, "answers", Value::Array(chosen)))
            }
            _ => None,
        };
        match entry {
            Some(entry) => filled.fields.push(entry),
            None if required => problems.push((field.id.clone(), Problem::Required)),
            None => {}
        }
    }
    if problems.is_empty() { Ok(filled) } else { Err(problems) }
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

/// `local@domain.tld`, no spaces, one `@`.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// Digits with the usual separators (`+`, spaces, `-`, `.`, parentheses), 6 to 20 digits.
pub fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
        && text.trim_start().find('+').is_none_or(|at| at == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        serde_json::from_value(json!({ "id": "pre", "fields": [
            { "id": "h", "type": "header", "label": "Welcome" },
            { "id": "n", "type": "name", "label": "Name", "required": true },
            { "id": "e", "type": "email", "label": "E-mail", "required": true },
            { "id": "p", "type": "phone", "label": "Phone" },
            { "id": "q", "type": "question", "label": "Question" },
            { "id": "t", "type": "textarea", "label": "Details" },
            { "id": "r", "type": "radio", "label": "Topic", "required": true,
              "options": [{ "id": "a", "label": "Order" }, { "id": "b", "label": "Other" }] },
            { "id": "s", "type": "select", "label": "Size", "options": [{ "id": "m", "label": "M" }] },
            { "id": "c", "type": "checkbox", "label": "News",
              "options": [{ "id": "x", "label": "Sales" }, { "id": "y", "label": "Trips" }] },
            { "id": "g", "type": "group_chooser", "label": "Team",
              "options": [{ "id": "sales", "label": "Sales", "group_id": 1 }] }
        ] }))
        .unwrap()
    }

    fn text(value: &str) -> Answer {
        Answer::Text(value.to_owned())
    }

    #[test]
    fn answers_become_filled_form_fields_in_the_wire_shapes() {
        let answers = BTreeMap::from([
            ("n".to_owned(), text(" Dana ")),
            ("e".to_owned(), text("dana@example.com")),
            ("p".to_owned(), text("+421 900 123 456")),
            ("r".to_owned(), Answer::One("b".to_owned())),
            ("c".to_owned(), Answer::Many(BTreeSet::from(["y".to_owned(), "x".to_owned()]))),
            ("g".to_owned(), Answer::One("sales".to_owned())),
            ("q".to_owned(), text("   ")),
        ]);
        let filled = check(&form(), &answers).unwrap();
        assert_eq!(filled.name.as_deref(), Some("Dana"));
        assert_eq!(filled.email.as_deref(), Some("dana@example.com"));
        assert_eq!(filled.phone.as_deref(), Some("+421 900 123 456"));
        assert_eq!(filled.group_id, Some(1));
        assert_eq!(
            filled.fields,
            vec![
                json!({ "type": "name", "id": "n", "label": "Name", "answer": "Dana" }),
                json!({ "type": "email", "id": "e", "label": "E-mail", "answer": "dana@example.com" }),
                json!({ "type": "phone", "id": "p", "label": "Phone", "answer": "+421 900 123 456" }),
                json!({ "type": "radio", "id": "r", "label": "Topic", "answer": { "id": "b", "label": "Other" } }),
                json!({ "type": "checkbox", "id": "c", "label": "News",
                        "answers": [{ "id": "x", "label": "Sales" }, { "id": "y", "label": "Trips" }] }),
                json!({ "type": "group_chooser", "id": "g", "label": "Team",
                        "answer": { "id": "sales", "label": "Sales", "group_id": 1 } }),
            ]
        );
    }

    #[test]
    fn each_bad_field_is_named_in_form_order() {
        let answers = BTreeMap::from([
            ("e".to_owned(), text("not-an-address")),
            ("p".to_owned(), text("call me")),
            ("r".to_owned(), Answer::One("no-such-option".to_owned())),
        ]);
        assert_eq!(
            check(&form(), &answers).unwrap_err(),
            vec![
                ("n".to_owned(), Problem::Required),
                ("e".to_owned(), Problem::Email),
                ("p".to_owned(), Problem::Phone),
                ("r".to_owned(), Problem::Required),
            ]
        );
    }

    #[test]
    fn addresses_and_numbers() {
        for good in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(is_email(good), "{good}");
        }
        for bad in ["a@b", "@b.co", "a b@c.co", "a@@b.co", "a@b..co", "a@.co"] {
            assert!(!is_email(bad), "{bad}");
        }
        for good in ["+48 600 700 800", "(0)30-1234567", "900.123.456"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["12345", "600 700 800 x1", "60+0700800", "+1234567890123456789012"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
