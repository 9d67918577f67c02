//! The customer as a person: their data, session fields, current page, read receipts and
//! what they are typing (sneak peeks for agents).

use std::collections::BTreeMap;

use protocol::{
    Customer, CustomerPageUpdated, CustomerUpdated, ErrorPayload, ErrorType, EventsMarkedAsSeen, IncomingSneakPeek, Page,
    Push, SneakPeek, Statistics, UpdateCustomer, UserType,
};
use serde_json::{json, Value};

use crate::actor::Actor;
use crate::errors::{group_not_found, not_found, validation, ApiResult};
use crate::{ids, App};

/// Session fields a customer may have.
pub const MAX_SESSION_FIELDS: usize = 100;
/// Longest name, e-mail or URL accepted, in bytes.
const MAX_FIELD_BYTES: usize = 2048;

type SessionFields = Vec<BTreeMap<String, String>>;

impl App {
    /// The customer with statistics (`get_customer`, and the login response).
    pub(crate) fn customer_view(&self, customer_id: &str) -> ApiResult<Customer> {
        let row = self.db.customer(customer_id)?.ok_or_else(|| not_found("customer"))?;
        let (chats_count, threads_count) = self.db.customer_counts(customer_id)?;
        let (greetings_shown_count, greetings_accepted_count) = self.db.greeting_counts(customer_id)?;
        Ok(Customer {
            id: row.id,
            kind: UserType::Customer,
            name: row.name,
            email: row.email,
            avatar: row.avatar,
            session_fields: row.session_fields,
            statistics: Statistics {
                chats_count,
                threads_count,
                visits_count: row.visits,
                page_views_count: row.page_views,
                greetings_shown_count,
                greetings_accepted_count,
            },
        })
    }

    /// `update_customer`: name, e-mail, avatar, and session fields merged by key.
    pub(crate) fn update_customer(&self, actor: &Actor<'_>, update: UpdateCustomer) -> ApiResult<()> {
        let customer_id = actor.customer_id()?;
        if update.name.is_none() && update.email.is_none() && update.avatar.is_none() && update.session_fields.is_none() {
            return Err(validation("give at least one of name, email, avatar, session_fields"));
        }
        check_customer(update.name.as_deref(), update.email.as_deref(), update.avatar.as_deref())?;
        let fields = match &update.session_fields {
            Some(new_fields) => {
                let stored = self.db.customer(customer_id)?.ok_or_else(|| not_found("customer"))?.session_fields;
                Some(merge_session_fields(stored, new_fields)?)
            }
            None => None,
        };
        self.db.update_customer(
            customer_id,
            update.name.as_deref(),
            update.email.as_deref(),
            update.avatar.as_deref(),
            fields.as_deref(),
        )?;
        let mut changed = json!({ "id": customer_id });
        if let Some(name) = update.name {
            changed["name"] = json!(name);
        }
        if let Some(email) = update.email {
            changed["email"] = json!(email);
        }
        if let Some(avatar) = update.avatar {
            changed["avatar"] = json!(avatar);
        }
        if let Some(fields) = fields {
            changed["session_fields"] = json!(fields);
        }
        self.announce_customer(actor, customer_id, changed);
        Ok(())
    }

    /// `set_customer_session_fields`: replaces them all.
    pub(crate) fn set_session_fields(&self, actor: &Actor<'_>, fields: SessionFields) -> ApiResult<()> {
        let customer_id = actor.customer_id()?;
        let fields = merge_session_fields(Vec::new(), &fields)?;
        self.db.update_customer(customer_id, None, None, None, Some(&fields))?;
        self.announce_customer(actor, customer_id, json!({ "id": customer_id, "session_fields": fields }));
        Ok(())
    }

    fn announce_customer(&self, actor: &Actor<'_>, customer_id: &str, changed: Value) {
        let push = Push::CustomerUpdated(CustomerUpdated { customer: changed });
        self.hub.push_to_chat(actor.license_id, customer_id, &push);
    }

    /// `update_customer_page`: where the customer is now; agents see it live, and greetings
    /// triggered by the page are armed. Customers' own sockets are not told: the push was
    /// withdrawn from every version of the Customer Chat API.
    pub(crate) fn update_customer_page(&self, actor: &Actor<'_>, page: Page) -> ApiResult<()> {
        let customer_id = actor.customer_id()?;
        check_page(&page)?;
        let url = page.url.clone().unwrap_or_default();
        self.db.set_customer_page(customer_id, &url, page.title.as_deref(), &self.clock.timestamp())?;
        let push = Push::CustomerPageUpdated(CustomerPageUpdated {
            customer_id: Some(customer_id.to_owned()),
            url: url.clone(),
            title: page.title,
            timestamp: Some(ids::unix_now().max(0) as u64),
            opened_at: Some(self.clock.timestamp()),
        });
        self.hub.push_to_agents(actor.license_id, &push);
        self.arm_greetings(actor.license_id, customer_id, &url);
        Ok(())
    }

    /// `check_goals` (Web API): a customer who is not connected moved to a page. Their
    /// session fields and page are kept, so agents see them, and the page may arm a
    /// greeting for when they connect.
    pub(crate) fn check_goals(&self, actor: &Actor<'_>, request: protocol::CheckGoals) -> ApiResult<()> {
        let customer_id = actor.customer_id()?;
        self.directory().group(actor.license_id, request.group_id).ok_or_else(group_not_found)?;
        let url = request.page_url.trim();
        if url.is_empty() || url.len() > MAX_FIELD_BYTES {
            return Err(validation(format!("page_url must be a URL of at most {MAX_FIELD_BYTES} bytes")));
        }
        let stored = self.db.customer(customer_id)?.ok_or_else(|| not_found("customer"))?.session_fields;
        let fields = merge_session_fields(stored, &request.session_fields)?;
        self.db.update_customer(customer_id, None, None, None, Some(&fields))?;
        self.db.set_customer_page(customer_id, url, None, &self.clock.timestamp())?;
        Ok(())
    }

    /// `mark_events_as_seen`: moves the user's read marker forward and tells the chat.
    pub(crate) fn mark_seen(&self, actor: &Actor<'_>, chat_id: &str, seen_up_to: &str) -> ApiResult<()> {
        let row = self.accessible_chat(actor, chat_id)?;
        if !is_timestamp(seen_up_to) {
            return Err(validation("seen_up_to must be an RFC 3339 time such as an event's created_at"));
        }
        let stored = self.db.mark_seen(&row.id, actor.user_id(), seen_up_to)?;
        let push = Push::EventsMarkedAsSeen(EventsMarkedAsSeen {
            user_id: actor.user_id().to_owned(),
            chat_id: row.id.clone(),
            seen_up_to: stored,
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        Ok(())
    }

    /// `send_sneak_peek`: the text the customer is typing, for agents only.
    pub(crate) fn sneak_peek(&self, actor: &Actor<'_>, chat_id: &str, text: &str) -> ApiResult<()> {
        let row = self.accessible_chat(actor, chat_id)?;
        let thread = self.db.threads(&row.id)?.into_iter().last().filter(|thread| thread.active);
        let Some(thread) = thread else {
            return Err(ErrorPayload::new(ErrorType::ChatInactive, "sneak peeks need an active chat"));
        };
        let text: String = text.chars().take(crate::chat::MAX_TEXT_BYTES).collect();
        let push = Push::IncomingSneakPeek(IncomingSneakPeek {
            chat_id: row.id.clone(),
            thread_id: thread.id,
            sneak_peek: SneakPeek {
                author_id: actor.user_id().to_owned(),
                recipients: "agents".to_owned(),
                text,
                timestamp: ids::unix_now(),
            },
        });
        self.hub.push_to_agents(row.license_id, &push);
        Ok(())
    }
}

/// The longest name kept, in bytes.
const MAX_NAME_BYTES: usize = 256;
/// The longest e-mail address there is.
const MAX_EMAIL_BYTES: usize = 254;
/// The longest page title kept, in bytes.
const MAX_TITLE_BYTES: usize = 512;

/// What a customer says about themselves, from `update_customer` or `login`: a name of at
/// most 256 bytes without control characters, an e-mail address, an `http(s)` avatar.
pub(crate) fn check_customer(name: Option<&str>, email: Option<&str>, avatar: Option<&str>) -> ApiResult<()> {
    if let Some(name) = name
        && (name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control))
    {
        return Err(validation(format!("name must be at most {MAX_NAME_BYTES} bytes, without control characters")));
    }
    if let Some(email) = email
        && !email.is_empty()
        && (email.len() > MAX_EMAIL_BYTES || !looks_like_email(email))
    {
        return Err(validation(format!("email {:?} is not an e-mail address", email.chars().take(64).collect::<String>())));
    }
    if let Some(avatar) = avatar
        && (avatar.len() > MAX_FIELD_BYTES || crate::outbound::check_url(avatar).is_err())
    {
        return Err(validation("avatar must be an http(s) URL of at most 2 KB"));
    }
    Ok(())
}

/// A page a customer says they are on: an address of at most 2 KB without control
/// characters (any scheme: a page opened from a file is still a page; the agent app links
/// only `http(s)` ones), a title of at most 512 bytes.
pub(crate) fn check_page(page: &Page) -> ApiResult<()> {
    let url = page.url.as_deref().unwrap_or_default();
    if url.trim().is_empty() || url.len() > MAX_FIELD_BYTES || url.chars().any(char::is_control) {
        return Err(validation(format!("the page's url is required, at most {MAX_FIELD_BYTES} bytes")));
    }
    if page.title.as_ref().is_some_and(|title| title.len() > MAX_TITLE_BYTES) {
        return Err(validation(format!("the page's title is longer than {MAX_TITLE_BYTES} bytes")));
    }
    Ok(())
}

/// Session fields as a login or an update sends them, checked and merged into `stored`.
pub(crate) fn session_fields(stored: SessionFields, new_fields: &[BTreeMap<String, String>]) -> ApiResult<SessionFields> {
    merge_session_fields(stored, new_fields)
}

/// Merges session fields by key, keeping first-seen order; at most 100 keys.
fn merge_session_fields(mut stored: SessionFields, new_fields: &[BTreeMap<String, String>]) -> ApiResult<SessionFields> {
    for (key, value) in new_fields.iter().flat_map(|field| field.iter()) {
        if key.is_empty() || key.len() > 256 || value.len() > MAX_FIELD_BYTES {
            return Err(validation(format!("session field {key:?} has an empty or too long key or value")));
        }
        match stored.iter_mut().find(|field| field.contains_key(key)) {
            Some(field) => {
                field.insert(key.clone(), value.clone());
            }
            None => stored.push(BTreeMap::from([(key.clone(), value.clone())])),
        }
    }
    if stored.len() > MAX_SESSION_FIELDS {
        return Err(ErrorPayload::new(
            ErrorType::Other("customer_session_fields_limit_reached".to_owned()),
            format!("at most {MAX_SESSION_FIELDS} session fields; this would make {}", stored.len()),
        ));
    }
    Ok(stored)
}

fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !email.contains(char::is_whitespace)
}

fn is_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 20 && bytes[4] == b'-' && bytes[7] == b'-' && bytes[10] == b'T' && text.ends_with('Z')
}
