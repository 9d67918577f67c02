//! The read views of chats: a chat with one of its threads, a chat's summary for
//! `list_chats`, and `list_threads` with its pages, each as the viewer may see it.

use protocol::{ChatSummary, LastEvent, ListThreadsResponse, Thread};

use crate::actor::{hide_notes, Actor};
use crate::db::{ChatRow, ThreadRow};
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::paging::{Cursor, PageSize};
use crate::App;

impl App {
    fn thread_view(&self, chat: &ChatRow, row: &ThreadRow, neighbours: (Option<&ThreadRow>, Option<&ThreadRow>)) -> ApiResult<Thread> {
        let events = self.db.events(&row.id)?;
        let mut user_ids: Vec<String> = Vec::new();
        for author in events.iter().filter_map(|event| event.author_id.clone()) {
            if !user_ids.contains(&author) {
                user_ids.push(author);
            }
        }
        Ok(Thread {
            id: row.id.clone(),
            active: row.active,
            created_at: Some(row.created_at.clone()),
            user_ids,
            events,
            properties: Some(self.db.properties(crate::db::PropertyTarget::Thread(&row.id))?),
            access: Some(access(chat)),
            queue: if row.active { self.queue_of(chat.license_id, &row.chat_id)? } else { None },
            previous_thread_id: neighbours.0.map(|thread| thread.id.clone()),
            next_thread_id: neighbours.1.map(|thread| thread.id.clone()),
            // Agents' views add them (`App::with_tags`); customers never see them.
            tags: Vec::new(),
        })
    }

    /// A chat with one thread as `viewer` may see it: customers do not see agents' internal
    /// notes (events for `agents` only).
    pub(crate) fn chat_view_for(&self, viewer: &Peer, row: &ChatRow, thread_id: Option<&str>) -> ApiResult<protocol::Chat> {
        let mut chat = self.chat_view(row, thread_id)?;
        if let Some(thread) = &mut chat.thread {
            hide_notes(viewer, thread);
        }
        Ok(chat)
    }

    /// A chat with one thread (the latest by default), as agents see it.
    pub(crate) fn chat_view(&self, row: &ChatRow, thread_id: Option<&str>) -> ApiResult<protocol::Chat> {
        let threads = self.db.threads(&row.id)?;
        let index = match thread_id {
            Some(thread_id) => {
                Some(threads.iter().position(|thread| thread.id == thread_id).ok_or_else(|| not_found("thread"))?)
            }
            None => threads.len().checked_sub(1),
        };
        let thread = match index {
            Some(index) => Some(self.thread_view(
                row,
                &threads[index],
                (index.checked_sub(1).map(|before| &threads[before]), threads.get(index + 1)),
            )?),
            None => None,
        };
        Ok(protocol::Chat {
            id: row.id.clone(),
            users: self.chat_users(row)?,
            thread,
            access: Some(access(row)),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
            transferred_from: None,
        })
    }

    /// A chat's summary for `list_chats`; agents' internal notes count only `with_notes`.
    pub(crate) fn chat_summary(&self, row: &ChatRow, with_notes: bool) -> ApiResult<ChatSummary> {
        let threads = self.db.threads(&row.id)?;
        let last = threads.last();
        let created: std::collections::HashMap<&str, &str> =
            threads.iter().map(|thread| (thread.id.as_str(), thread.created_at.as_str())).collect();
        let mut last_event_per_type = std::collections::BTreeMap::new();
        for (thread_id, event) in self.db.last_event_per_type(&row.id, with_notes)? {
            let kind = serde_json::to_value(&event.body)
                .ok()
                .and_then(|body| body.get("type").and_then(|kind| kind.as_str()).map(str::to_owned))
                .unwrap_or_default();
            let thread_created_at = created.get(thread_id.as_str()).map(|at| (*at).to_owned());
            last_event_per_type.insert(kind, LastEvent { thread_id, thread_created_at, event });
        }
        Ok(ChatSummary {
            id: row.id.clone(),
            active: last.is_some_and(|thread| thread.active),
            users: self.chat_users(row)?,
            last_thread_id: last.map(|thread| thread.id.clone()),
            last_thread_created_at: last.map(|thread| thread.created_at.clone()),
            last_event_per_type,
            access: Some(access(row)),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
        })
    }

    /// `list_threads`: newest first by default, paged with opaque page ids. A page holds
    /// `limit` threads (3 by default), or with `min_events_count` as many threads as it takes
    /// to hold that many events.
    pub(crate) fn list_threads(&self, actor: &Actor<'_>, request: protocol::ListThreads) -> ApiResult<ListThreadsResponse> {
        if request.limit.is_some() && request.min_events_count.is_some() {
            return Err(validation("limit and min_events_count cannot be used together"));
        }
        if request.page_id.is_some() && (request.limit.is_some() || request.min_events_count.is_some() || request.sort_order.is_some()) {
            return Err(validation("a page_id carries the sort_order, limit and min_events_count of the first request; send it alone"));
        }
        let cursor = Cursor::start(request.page_id.as_deref(), request.sort_order.as_deref(), || {
            Ok(match request.min_events_count {
                Some(count) => PageSize::MinEvents(count.clamp(1, 100) as usize),
                None => PageSize::Limit(request.limit.unwrap_or(3).clamp(1, 100) as usize),
            })
        })?;
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let threads = self.db.threads(&row.id)?;
        let mut order: Vec<usize> = (0..threads.len()).collect();
        if !cursor.ascending {
            order.reverse();
        }
        let view = |index: usize| {
            let neighbours = (index.checked_sub(1).map(|before| &threads[before]), threads.get(index + 1));
            self.thread_view(&row, &threads[index], neighbours)
        };
        let mut page = Vec::new();
        let mut n_events = 0;
        for &index in order.iter().skip(cursor.offset) {
            let full = match cursor.size {
                PageSize::MinEvents(wanted) => n_events >= wanted,
                PageSize::Limit(limit) => page.len() >= limit,
            };
            if full {
                break;
            }
            let mut thread = view(index)?;
            hide_notes(actor.peer, &mut thread);
            if matches!(actor.peer, Peer::Agent(_)) {
                self.with_tags(Some(&mut thread))?;
            }
            n_events += thread.events.len();
            page.push(thread);
        }
        let end = cursor.offset + page.len();
        // The previous page ends where this one starts; walk back to where it begins.
        let previous = match cursor.size {
            _ if cursor.offset == 0 => None,
            PageSize::Limit(limit) => Some(cursor.offset.saturating_sub(limit)),
            PageSize::MinEvents(wanted) => {
                let mut start = cursor.offset.min(order.len());
                let mut n_events = 0;
                while start > 0 && n_events < wanted {
                    start -= 1;
                    n_events += self.db.events(&threads[order[start]].id)?.len();
                }
                Some(start)
            }
        };
        Ok(ListThreadsResponse {
            threads: page,
            found_threads: threads.len() as u64,
            next_page_id: (end < order.len()).then(|| cursor.at(end).encode()),
            previous_page_id: previous.map(|start| cursor.at(start).encode()),
        })
    }
}

/// A chat's `access`: the group it was routed or transferred to.
fn access(row: &ChatRow) -> protocol::Access {
    protocol::Access { group_ids: vec![row.group_id], ..Default::default() }
}
