//! The agent actions behind an agent's desk beyond answering chats: the archive
//! (`list_archives`), tags on threads (`tag_thread`, `untag_thread`) and the license's
//! canned responses. Requests are checked here and turned into storage queries; every
//! change is pushed to the license's agents, never to customers.

use std::collections::BTreeMap;

use protocol::{
    AddUserToChat, AgentChat, ArchiveFilters, ErrorPayload, ErrorType, RemoveUserFromChat, UserRemovedFromChat, CannedResponse, CannedResponseId, CreateCannedResponse, ListArchives,
    ListArchivesResponse, Push, Thread, ThreadTag, UpdateCannedResponse, ValuesFilter,
};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::actor::Actor;
use crate::db::desk::{ArchiveQuery, CannedRefusal, PropertyCondition, Scalar, SetCondition};
use crate::errors::{not_found, validation, ApiResult};
use crate::paging::{Cursor, PageSize};
use crate::{ids, App};

/// The longest tag, in characters.
const MAX_TAG_CHARS: usize = 50;
/// The most tags on one thread.
const MAX_TAGS_PER_THREAD: usize = 20;
/// The longest canned response, in characters.
const MAX_CANNED_CHARS: usize = 2000;
/// The most shortcuts of one canned response.
const MAX_SHORTCUTS: usize = 10;
/// The most canned responses of a license.
const MAX_CANNED_PER_LICENSE: usize = 500;
/// The most words of an archive query, values in one filter, and property conditions.
const MAX_QUERY_WORDS: usize = 10;
const MAX_FILTER_VALUES: usize = 100;
const MAX_PROPERTY_FILTERS: usize = 10;
/// The furthest a page of the archive may start.
const MAX_OFFSET: usize = 1_000_000;

impl App {
    /// `list_archives`: ended threads matching every filter, newest first, each as its chat
    /// with that thread (internal notes and tags included, for agents).
    pub(crate) fn list_archives(&self, actor: &Actor<'_>, request: ListArchives) -> ApiResult<ListArchivesResponse> {
        let (cursor, filters) = match request.page_id.as_deref() {
            Some(page_id) => {
                if request.limit.is_some() || request.sort_order.is_some() || request.filters.is_some() {
                    return Err(validation("a page_id carries the filters, sort_order and limit of the first request; send it alone"));
                }
                decode_page(page_id).ok_or_else(|| validation("page_id is not valid"))?
            }
            None => {
                let limit = request.limit.unwrap_or(10).clamp(1, 100) as usize;
                let cursor = Cursor::start(None, request.sort_order.as_deref(), || Ok(PageSize::Limit(limit)))?;
                (cursor, request.filters.unwrap_or_default())
            }
        };
        let PageSize::Limit(limit) = cursor.size else { return Err(validation("page_id is not valid")) };
        let query = archive_query(actor.license_id, &filters, cursor.ascending)?;
        let (found, total) = self.db.archives(&query, cursor.offset, limit)?;
        let mut chats = Vec::with_capacity(found.len());
        for (chat_id, thread_id) in found {
            let row = self.accessible_chat(actor, &chat_id)?;
            let chat = self.chat_view(&row, Some(&thread_id))?;
            let mut thread = chat.thread;
            self.with_tags(thread.as_mut())?;
            chats.push(AgentChat {
                id: chat.id,
                users: self.with_verification(chat.users)?,
                thread,
                access: chat.access.unwrap_or_default(),
                properties: chat.properties.unwrap_or_default(),
                is_followed: false,
            });
        }
        let end = cursor.offset.saturating_add(chats.len());
        let page = |offset| encode_page(cursor.at(offset), &filters);
        Ok(ListArchivesResponse {
            chats,
            found_chats: total,
            next_page_id: (end < total as usize).then(|| page(end)),
            previous_page_id: (cursor.offset > 0).then(|| page(cursor.offset.saturating_sub(limit))),
        })
    }

    /// Fills in a thread's tags (agents' views only: customers never see them).
    pub(crate) fn with_tags(&self, thread: Option<&mut Thread>) -> ApiResult<()> {
        if let Some(thread) = thread {
            thread.tags = self.db.thread_tags(&thread.id)?;
        }
        Ok(())
    }

    /// `tag_thread` (`add`) and `untag_thread`: the license's agents hear of a change.
    pub(crate) fn tag_thread(&self, actor: &Actor<'_>, request: ThreadTag, add: bool) -> ApiResult<()> {
        let row = self.accessible_chat(actor, &request.chat_id)?;
        if !self.db.threads(&row.id)?.iter().any(|thread| thread.id == request.thread_id) {
            return Err(not_found("thread"));
        }
        let tag = request.tag.trim().to_owned();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
            return Err(validation(format!("a tag is 1 to {MAX_TAG_CHARS} characters, without control characters")));
        }
        let changed = if add {
            let tags = self.db.thread_tags(&request.thread_id)?;
            if tags.contains(&tag) {
                return Err(validation(format!("the thread is already tagged {tag:?}")));
            }
            if tags.len() >= MAX_TAGS_PER_THREAD {
                return Err(validation(format!("a thread has at most {MAX_TAGS_PER_THREAD} tags")));
            }
            self.db.tag_thread(&request.thread_id, &tag)?
        } else {
            self.db.untag_thread(&request.thread_id, &tag)?
        };
        if !changed {
            return Err(not_found("tag"));
        }
        let tagged = ThreadTag { chat_id: row.id, thread_id: request.thread_id, tag };
        let push = if add { Push::ThreadTagged(tagged) } else { Push::ThreadUntagged(tagged) };
        self.hub.push_to_agents(actor.license_id, &push);
        Ok(())
    }

    /// `add_user_to_chat`: an agent of the license joins an open chat, as everyone in it
    /// sees. Joining twice changes nothing.
    pub(crate) fn add_agent_to_chat(&self, actor: &Actor<'_>, request: AddUserToChat) -> ApiResult<()> {
        if request.visibility.as_deref().is_some_and(|visibility| visibility != "all") {
            return Err(validation(
                "visibility must be all: agents already read every chat of their license, and internal notes do not join a chat",
            ));
        }
        let (row, thread_id) = self.open_chat_for_agent(actor, &request.chat_id, &request.user_type, &request.user_id)?;
        self.join_agent_by(&row, &thread_id, &request.user_id, actor.user_id())
    }

    /// `remove_user_from_chat`: an agent leaves an open chat (or is taken out of it).
    pub(crate) fn remove_agent_from_chat(&self, actor: &Actor<'_>, request: RemoveUserFromChat) -> ApiResult<()> {
        let (row, thread_id) = self.open_chat_for_agent(actor, &request.chat_id, &request.user_type, &request.user_id)?;
        if !self.db.remove_chat_agent(&row.id, &request.user_id)? {
            return Err(not_found("agent in the chat"));
        }
        let push = Push::UserRemovedFromChat(UserRemovedFromChat {
            chat_id: row.id.clone(),
            thread_id: Some(thread_id),
            user_id: request.user_id,
            reason: "manual".to_owned(),
            requester_id: Some(actor.user_id().to_owned()),
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        Ok(())
    }

    /// The chat and its open thread, for adding or removing `user_id`, an agent of the
    /// actor's license.
    fn open_chat_for_agent(&self, actor: &Actor<'_>, chat_id: &str, user_type: &str, user_id: &str) -> ApiResult<(crate::db::ChatRow, String)> {
        if user_type != "agent" {
            return Err(validation("user_type must be agent: customers are not added to or removed from chats"));
        }
        let row = self.accessible_chat(actor, chat_id)?;
        if !self.directory().agents.iter().any(|agent| agent.license_id == actor.license_id && agent.id == user_id) {
            return Err(not_found("agent"));
        }
        let thread = self.db.threads(&row.id)?.into_iter().last().filter(|thread| thread.active);
        let thread = thread.ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "the chat is not active"))?;
        Ok((row, thread.id))
    }

    /// `list_canned_responses`.
    pub(crate) fn canned_responses(&self, actor: &Actor<'_>) -> ApiResult<Vec<CannedResponse>> {
        Ok(self.db.canned_responses(actor.license_id)?)
    }

    /// `create_canned_response`.
    pub(crate) fn create_canned_response(&self, actor: &Actor<'_>, agent_id: &str, request: CreateCannedResponse) -> ApiResult<CannedResponse> {
        let text = canned_text(&request.text)?;
        let tags = shortcuts(&request.tags)?;
        if self.db.canned_responses(actor.license_id)?.len() >= MAX_CANNED_PER_LICENSE {
            return Err(validation(format!("a license keeps at most {MAX_CANNED_PER_LICENSE} canned responses")));
        }
        let now = self.clock.timestamp();
        let created = self.db.create_canned_response(actor.license_id, &text, &tags, agent_id, &now)?.map_err(refusal)?;
        self.hub.push_to_agents(actor.license_id, &Push::CannedResponseCreated(created.clone()));
        Ok(created)
    }

    /// `update_canned_response`.
    pub(crate) fn update_canned_response(&self, actor: &Actor<'_>, request: UpdateCannedResponse) -> ApiResult<CannedResponse> {
        let text = request.text.as_deref().map(canned_text).transpose()?;
        let tags = request.tags.as_deref().map(shortcuts).transpose()?;
        let now = self.clock.timestamp();
        let updated =
            self.db.update_canned_response(actor.license_id, request.id, text.as_deref(), tags.as_deref(), &now)?.map_err(refusal)?;
        self.hub.push_to_agents(actor.license_id, &Push::CannedResponseUpdated(updated.clone()));
        Ok(updated)
    }

    /// `delete_canned_response`.
    pub(crate) fn delete_canned_response(&self, actor: &Actor<'_>, request: CannedResponseId) -> ApiResult<()> {
        if !self.db.delete_canned_response(actor.license_id, request.id)? {
            return Err(not_found("canned response"));
        }
        self.hub.push_to_agents(actor.license_id, &Push::CannedResponseDeleted(request));
        Ok(())
    }
}

fn refusal(refusal: CannedRefusal) -> protocol::ErrorPayload {
    match refusal {
        CannedRefusal::NotFound => not_found("canned response"),
        CannedRefusal::ShortcutTaken(tag) => validation(format!("the shortcut #{tag} is already used by another canned response")),
    }
}

fn canned_text(text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_CANNED_CHARS || text.contains('\0') {
        return Err(validation(format!("a canned response is 1 to {MAX_CANNED_CHARS} characters")));
    }
    Ok(text.to_owned())
}

/// Shortcuts as stored: without a leading `#`, each a word of letters, digits, `-` and
/// `_`, no two alike (ignoring case).
fn shortcuts(tags: &[String]) -> ApiResult<Vec<String>> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().trim_start_matches('#');
        let word = !tag.is_empty() && tag.chars().count() <= MAX_TAG_CHARS && tag.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !word {
            return Err(validation(format!("a shortcut is 1 to {MAX_TAG_CHARS} letters, digits, - or _, not {tag:?}")));
        }
        if !clean.iter().any(|seen| seen.eq_ignore_ascii_case(tag)) {
            clean.push(tag.to_owned());
        }
    }
    if clean.is_empty() || clean.len() > MAX_SHORTCUTS {
        return Err(validation(format!("a canned response has 1 to {MAX_SHORTCUTS} shortcuts")));
    }
    Ok(clean)
}

/// The page id of an archive listing: the cursor, then the filters it carries.
fn encode_page(cursor: Cursor, filters: &ArchiveFilters) -> String {
    format!("{}|{}", cursor.encode(), serde_json::to_string(filters).unwrap_or_default())
}

fn decode_page(page_id: &str) -> Option<(Cursor, ArchiveFilters)> {
    let (cursor, filters) = page_id.split_once('|')?;
    let cursor = Cursor::start(Some(cursor), None, || Ok(PageSize::Limit(10))).ok().filter(|cursor| cursor.offset <= MAX_OFFSET)?;
    Some((cursor, serde_json::from_str(filters).ok()?))
}

/// A time bound as stored (RFC 3339 with microseconds, UTC): an RFC 3339 time, or a day
/// (`YYYY-MM-DD`, UTC) meaning its start or, for an upper bound, its end.
fn time_bound(text: &str, field: &str, end_of_day: bool) -> ApiResult<String> {
    let bad = || validation(format!("filters.{field} must be an RFC 3339 time or a YYYY-MM-DD day, not {text:?}"));
    if let Ok(moment) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(ids::format_micros(moment.unix_timestamp_nanos() / 1_000));
    }
    // Only a plain day is parsed further: four-digit year, two-digit month and day.
    let shaped = text.len() == 10 && text.bytes().enumerate().all(|(at, byte)| if at == 4 || at == 7 { byte == b'-' } else { byte.is_ascii_digit() });
    if !shaped {
        return Err(bad());
    }
    let time = if end_of_day { "T23:59:59.999999Z" } else { "T00:00:00.000000Z" };
    let micros = protocol::time::unix_micros(&format!("{text}{time}")).ok_or_else(bad)?;
    Ok(ids::format_micros(i128::from(micros)))
}

fn bounded<T: Clone>(values: &[T], field: &str) -> ApiResult<Vec<T>> {
    if values.len() > MAX_FILTER_VALUES {
        return Err(validation(format!("filters.{field} takes at most {MAX_FILTER_VALUES} values")));
    }
    Ok(values.to_vec())
}

fn set_condition<T: Clone>(filter: &ValuesFilter<T>, field: &str) -> ApiResult<SetCondition<T>> {
    Ok(SetCondition {
        exists: filter.exists,
        values: filter.values.as_deref().map(|values| bounded(values, field)).transpose()?,
        exclude: bounded(filter.exclude_values.as_deref().unwrap_or_default(), field)?,
    })
}

fn scalar(value: &Value, field: &str) -> ApiResult<Scalar> {
    match value {
        Value::Bool(flag) => Ok(Scalar::Integer(i64::from(*flag))),
        Value::Number(number) => Ok(number.as_i64().map(Scalar::Integer).unwrap_or_else(|| Scalar::Real(number.as_f64().unwrap_or(0.0)))),
        Value::String(text) => Ok(Scalar::Text(text.clone())),
        _ => Err(validation(format!("filters.{field} compares with strings, numbers and booleans only"))),
    }
}

fn plain_word(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The storage query for `filters`, checked.
fn archive_query(license_id: u64, filters: &ArchiveFilters, ascending: bool) -> ApiResult<ArchiveQuery> {
    let words: Vec<String> = filters
        .query
        .as_deref()
        .unwrap_or_default()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() > MAX_QUERY_WORDS {
        return Err(validation(format!("filters.query takes at most {MAX_QUERY_WORDS} words")));
    }
    let mut properties = Vec::new();
    let conditions: usize = filters.properties.iter().flat_map(|namespaces| namespaces.values()).map(BTreeMap::len).sum();
    if conditions > MAX_PROPERTY_FILTERS {
        return Err(validation(format!("filters.properties takes at most {MAX_PROPERTY_FILTERS} conditions")));
    }
    for (namespace, names) in filters.properties.as_ref().unwrap_or(&BTreeMap::new()) {
        for (name, filter) in names {
            if !plain_word(namespace) || !plain_word(name) {
                return Err(validation("filters.properties names are letters, digits, _ and -"));
            }
            let field = format!("properties.{namespace}.{name}");
            let values = |list: &Option<Vec<Value>>| -> ApiResult<Option<Vec<Scalar>>> {
                list.as_deref().map(|list| bounded(list, &field)?.iter().map(|value| scalar(value, &field)).collect()).transpose()
            };
            let condition = SetCondition {
                exists: filter.exists,
                values: values(&filter.values)?,
                exclude: values(&filter.exclude_values)?.unwrap_or_default(),
            };
            properties.push(PropertyCondition { namespace: namespace.clone(), name: name.clone(), condition });
        }
    }
    Ok(ArchiveQuery {
        license_id,
        words,
        from: filters.from.as_deref().map(|text| time_bound(text, "from", false)).transpose()?,
        to: filters.to.as_deref().map(|text| time_bound(text, "to", true)).transpose()?,
        agents: filters.agents.as_ref().map(|filter| set_condition(filter, "agents")).transpose()?.unwrap_or_default(),
        group_ids: filters.group_ids.as_deref().map(|groups| bounded(groups, "group_ids")).transpose()?,
        tags: filters.tags.as_ref().map(|filter| set_condition(filter, "tags")).transpose()?.unwrap_or_default(),
        properties,
        thread_ids: filters.thread_ids.as_deref().map(|threads| bounded(threads, "thread_ids")).transpose()?,
        ascending,
    })
}
