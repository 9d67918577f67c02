//! A server form (pre-chat, post-chat, ticket) as accessible HTML controls.
//!
//! Each field has a visible label; required ones are marked and `aria-required`; on a
//! failed submit every bad field says why (`aria-invalid`, `aria-describedby`) and focus
//! goes to the first of them. Answers are checked by [`crate::forms::check`].

use std::collections::{BTreeMap, BTreeSet};

use leptos::html;
use leptos::prelude::*;
use protocol::{Form, FormField};

use crate::forms::{self, Answer, Filled, Problem};
use crate::i18n::Locale;

/// Renders `form`; `on_submit` gets the checked answers.
#[component]
pub fn FormView(
    /// The form.
    form: Form,
    /// Prefix of element ids, unique per form on screen.
    #[prop(into)]
    id_prefix: String,
    /// Submit button label.
    #[prop(into)]
    submit_label: String,
    /// Called with the answers once they pass.
    on_submit: Callback<Filled>,
    /// When given, a skip button calls it.
    #[prop(optional)]
    on_skip: Option<Callback<()>>,
    /// Disables the submit button (while sending).
    #[prop(into, optional)]
    busy: Signal<bool>,
) -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let answers = RwSignal::new(BTreeMap::<String, Answer>::new());
    let problems = RwSignal::new(BTreeMap::<String, Problem>::new());
    let form_ref = NodeRef::<html::Form>::new();
    let checked_form = form.clone();
    let prefix = id_prefix.clone();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match forms::check(&checked_form, &answers.get_untracked()) {
            Ok(filled) => {
                problems.set(BTreeMap::new());
                on_submit.run(filled);
            }
            Err(found) => {
                let first = found.first().map(|(id, _)| id.clone());
                problems.set(found.into_iter().collect());
                // Focus the first bad field once its message is in the DOM.
                if let (Some(first), Some(form)) = (first, form_ref.get_untracked()) {
                    let selector = format!("[data-field-id=\"{}\"]", css_escape(&first));
                    request_animation_frame(move || {
                        if let Ok(Some(element)) = form.query_selector(&selector) {
                            if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
                                let _ = element.focus();
                            }
                        }
                    });
                }
            }
        }
    };

    let fields = form
        .fields
        .into_iter()
        .map(|field| view! { <Field field answers problems prefix=prefix.clone() /> })
        .collect_view();

    view! {
        <form class="cw-form" novalidate=true node_ref=form_ref on:submit=submit data-testid=format!("{id_prefix}-form")>
            {fields}
            <div class="cw-form__actions">
                {on_skip.map(|skip| view! {
                    <button type="button" class="cw-button cw-button--quiet" data-testid=format!("{id_prefix}-skip")
                        on:click=move |_| skip.run(())>
                        {locale.text.skip}
                    </button>
                })}
                <button type="submit" class="cw-button" disabled=move || busy.get() data-testid=format!("{id_prefix}-submit")>
                    {submit_label}
                </button>
            </div>
        </form>
    }
}

/// Escapes a value for a CSS attribute selector in double quotes.
fn css_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

#[component]
fn Field(
    field: FormField,
    answers: RwSignal<BTreeMap<String, Answer>>,
    problems: RwSignal<BTreeMap<String, Problem>>,
    prefix: String,
) -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    if forms::is_static(&field) {
        return view! { <p class="cw-form__header">{field.label}</p> }.into_any();
    }
    let id = field.id.clone();
    let dom_id = format!("{prefix}-{}", field.id);
    let error_id = format!("{dom_id}-error");
    let required = field.required == Some(true);
    let problem = {
        let id = id.clone();
        Memo::new(move |_| problems.with(|problems| problems.get(&id).copied()))
    };
    let message = move || {
        problem.get().map(|problem| match problem {
            Problem::Required => locale.text.field_required,
            Problem::Email => locale.text.field_email,
            Problem::Phone => locale.text.field_phone,
        })
    };
    let invalid = move || problem.get().is_some().to_string();
    let set_answer = {
        let id = id.clone();
        move |answer: Option<Answer>| {
            answers.update(|answers| match answer {
                Some(answer) => {
                    answers.insert(id.clone(), answer);
                }
                None => {
                    answers.remove(&id);
                }
            });
            problems.update(|problems| {
                problems.remove(&id);
            });
        }
    };
    let label = view! {
        <span class="cw-form__label">
            {field.label.clone()}
            {required.then(|| view! { <span class="cw-form__required" aria-hidden="true">" *"</span> })}
        </span>
    };
    let error = view! {
        <p id=error_id.clone() class="cw-form__error" data-testid=format!("{dom_id}-error")>{message}</p>
    };
    let options = field.options.clone().unwrap_or_default();
    let kind = field.kind.clone();

    let control = match kind.as_str() {
        "radio" | "group_chooser" | "checkbox" => {
            let multiple = kind == "checkbox";
            let choices = options
                .into_iter()
                .enumerate()
                .map(|(index, option)| {
                    let option_id = option.id.clone();
                    let set_answer = set_answer.clone();
                    let field_id = id.clone();
                    let on_change = move |ev: leptos::ev::Event| {
                        let checked = event_target_checked(&ev);
                        if multiple {
                            let mut chosen = answers.with_untracked(|answers| match answers.get(&field_id) {
                                Some(Answer::Many(chosen)) => chosen.clone(),
                                _ => BTreeSet::new(),
                            });
                            if checked {
                                chosen.insert(option_id.clone());
                            } else {
                                chosen.remove(&option_id);
                            }
                            set_answer((!chosen.is_empty()).then_some(Answer::Many(chosen)));
                        } else if checked {
                            set_answer(Some(Answer::One(option_id.clone())));
                        }
                    };
                    view! {
                        <label class="cw-form__choice">
                            <input
                                type=if multiple { "checkbox" } else { "radio" }
                                name=dom_id.clone()
                                value=option.id.clone()
                                data-field-id=(index == 0).then(|| id.clone())
                                on:change=on_change
                            />
                            <span>{option.label}</span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset
                    class="cw-form__field cw-form__group"
                    aria-invalid=invalid
                    aria-describedby=error_id.clone()
                    data-testid=format!("{dom_id}")
                    data-type=kind.clone()
                >
                    <legend>{label}</legend>
                    {choices}
                    {error}
                </fieldset>
            }
            .into_any()
        }
        "select" => {
            let on_change = move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                set_answer((!value.is_empty()).then_some(Answer::One(value)));
            };
            let choices = options
                .into_iter()
                .map(|option| view! { <option value=option.id>{option.label}</option> })
                .collect_view();
            view! {
                <div class="cw-form__field" data-type="select">
                    <label for=dom_id.clone()>{label}</label>
                    <select
                        id=dom_id.clone()
                        data-field-id=id.clone()
                        data-testid=dom_id.clone()
                        aria-required=required.to_string()
                        aria-invalid=invalid
                        aria-describedby=error_id.clone()
                        on:change=on_change
                    >
                        <option value="">"—"</option>
                        {choices}
                    </select>
                    {error}
                </div>
            }
            .into_any()
        }
        _ => {
            let (input_type, autocomplete) = match kind.as_str() {
                "email" => ("email", "email"),
                "phone" => ("tel", "tel"),
                "name" => ("text", "name"),
                _ => ("text", "off"),
            };
            let on_input = move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                set_answer((!value.is_empty()).then_some(Answer::Text(value)));
            };
            let control = if kind == "textarea" {
                view! {
                    <textarea
                        id=dom_id.clone()
                        rows="3"
                        data-field-id=id.clone()
                        data-testid=dom_id.clone()
                        aria-required=required.to_string()
                        aria-invalid=invalid
                        aria-describedby=error_id.clone()
                        on:input=on_input
                    ></textarea>
                }
                .into_any()
            } else {
                view! {
                    <input
                        id=dom_id.clone()
                        type=input_type
                        autocomplete=autocomplete
                        data-field-id=id.clone()
                        data-testid=dom_id.clone()
                        aria-required=required.to_string()
                        aria-invalid=invalid
                        aria-describedby=error_id.clone()
                        on:input=on_input
                    />
                }
                .into_any()
            };
            view! {
                <div class="cw-form__field" data-type=kind.clone()>
                    <label for=dom_id.clone()>{label}</label>
                    {control}
                    {error}
                </div>
            }
            .into_any()
        }
    };
    control
}
