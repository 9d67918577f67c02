//! What the agent sees: every chat of the license with its current thread, the queue, the
//! team, canned responses and the archive's last search. The state changes only through
//! the transitions below (answers the session received, pushes, the agent's own picks), so
//! a test drives it with plain values.

use std::collections::BTreeMap;

use chat_client::{merge_event, same_event, Merged};
use protocol::{
    AgentChat, AgentChatSummary, AgentCustomer, AgentInfo, AgentListChatsResponse, AgentLoginResponse, AgentUser, ApiToken, CannedResponse, Chat,
    CreatedApiToken, LicenseSettings, NewPassword, Report,
    Event, EventBody, GroupInfo, ListAgentsResponse, ListArchivesResponse, ListThreadsResponse, Object, Queue, Thread, User,
    UserType, Verification,
};

mod admin;
mod pushes;
#[cfg(test)]
mod tests;

pub use pushes::Need;

/// The longest text an alert carries.
const ALERT_CHARS: usize = 120;

/// Where a chat is listed in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Open chats the agent is in.
    Mine,
    /// Open chats waiting for an agent.
    Queue,
    /// Open chats other agents have (read-only until the agent joins).
    Others,
}

/// Something the agent should notice even with the app in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// A chat started (or came back) and waits or was routed.
    NewChat {
        /// The chat.
        chat_id: String,
        /// Who is asking.
        from: String,
    },
    /// A visitor wrote in a chat the agent is in or that waits.
    NewMessage {
        /// The chat.
        chat_id: String,
        /// Who wrote.
        from: String,
        /// What they wrote (the start of it).
        text: String,
    },
}

/// One chat as the agent sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatEntry {
    /// Chat id.
    pub id: String,
    /// The visitor.
    pub customer: Option<User>,
    /// What the site said about the visitor.
    pub verification: Option<Verification>,
    /// Agents in the chat now.
    pub agent_ids: Vec<String>,
    /// The group the chat belongs to.
    pub group_id: u32,
    /// The current (latest) thread.
    pub thread_id: Option<String>,
    /// Whether that thread is open.
    pub active: bool,
    /// When it started.
    pub started_at: Option<String>,
    /// Its place in the queue while it waits.
    pub queue: Option<Queue>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its properties (the rating among them).
    pub properties: Object,
    /// Its events, oldest first, each once.
    pub events: Vec<Event>,
    /// The agent's own events not confirmed yet, oldest first.
    pub pending: Vec<Event>,
    /// Whether the whole thread was fetched (a listed chat has only its newest events).
    pub loaded: bool,
    /// Earlier threads fetched so far, oldest first.
    pub earlier: Vec<Thread>,
    /// Where the next older page of threads starts, while there is one.
    pub earlier_page: Option<String>,
    /// Visitor messages the agent has not looked at.
    pub unread: u32,
    /// What the visitor is typing, before they send it.
    pub sneak_peek: Option<String>,
    /// The page the visitor is on.
    pub page: Option<(String, Option<String>)>,
    /// How far the visitor has read.
    pub customer_seen_up_to: Option<String>,
    /// The visitor in full (pages, session fields, visits), once fetched.
    pub visitor: Option<AgentCustomer>,
    /// The thread the agent was last alerted of as a new chat, so one chat alerts once.
    pub alerted_thread: Option<String>,
    /// Whether the chat's earlier threads were asked for.
    pub history_requested: bool,
}

impl ChatEntry {
    /// The visitor's name, or a stand-in.
    pub fn visitor_name(&self) -> String {
        let customer = self.customer.as_ref();
        customer.and_then(|customer| customer.name.clone().filter(|name| !name.trim().is_empty())).unwrap_or_else(|| "Visitor".to_owned())
    }

    /// The time of the newest event, for ordering.
    pub fn last_activity(&self) -> Option<&str> {
        self.events.last().and_then(|event| event.created_at.as_deref()).or(self.started_at.as_deref())
    }

    /// The newest message, for a preview line.
    pub fn preview(&self) -> Option<&Event> {
        self.events.iter().rev().find(|event| matches!(event.body, EventBody::Message { .. } | EventBody::File { .. }))
    }

    fn customer_id(&self) -> Option<&str> {
        self.customer.as_ref().map(|customer| customer.id.as_str())
    }

    /// How many events of the current thread the visitor wrote.
    fn customer_events(&self) -> usize {
        let customer = self.customer_id();
        self.events.iter().filter(|event| customer.is_some() && event.author_id.as_deref() == customer).count()
    }

    /// Takes a thread as the current one: an older current thread moves to `earlier`.
    fn take_thread(&mut self, thread: Thread, full: bool) {
        if self.thread_id.as_deref().is_some_and(|current| current != thread.id) && self.loaded {
            let previous = Thread {
                id: self.thread_id.clone().unwrap_or_default(),
                active: false,
                created_at: self.started_at.clone(),
                events: std::mem::take(&mut self.events),
                ..Thread::default()
            };
            if !self.earlier.iter().any(|known| known.id == previous.id) {
                self.earlier.push(previous);
            }
        }
        if self.thread_id.as_deref() != Some(thread.id.as_str()) {
            self.events.clear();
            self.loaded = false;
        }
        self.thread_id = Some(thread.id.clone());
        self.active = thread.active;
        self.started_at = thread.created_at.clone().or(self.started_at.take());
        self.queue = thread.queue.clone();
        if full || !thread.tags.is_empty() {
            self.tags = thread.tags.clone();
        }
        if let Some(properties) = &thread.properties {
            self.properties = properties.clone();
        }
        for event in thread.events {
            self.merge(event);
        }
        self.loaded |= full;
    }

    /// Adds an event once; the server's copy of the agent's own send confirms it.
    fn merge(&mut self, event: Event) -> Merged {
        self.pending.retain(|pending| !same_event(pending, &event));
        let merged = merge_event(&mut self.events, event);
        if merged == Merged::Added {
            self.sneak_peek = None;
        }
        merged
    }

    fn set_users<'a>(&mut self, users: impl IntoIterator<Item = &'a User>) {
        self.agent_ids.clear();
        for user in users {
            match user.kind {
                UserType::Customer => self.customer = Some(user.clone()),
                _ => self.agent_ids.push(user.id.clone()),
            }
            if user.kind == UserType::Customer && user.events_seen_up_to.is_some() {
                self.customer_seen_up_to = user.events_seen_up_to.clone();
            }
        }
    }
}

/// The archive's last search and what it found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Archive {
    /// The words searched for.
    pub query: String,
    /// Ended threads found, newest first, each as its chat with that thread.
    pub found: Vec<AgentChat>,
    /// How many match in all.
    pub total: u64,
    /// Where the next page starts, while there is one.
    pub next_page: Option<String>,
    /// A search is on its way.
    pub searching: bool,
}

/// Everything the agent sees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desk {
    /// The signed-in agent's id.
    pub me: Option<String>,
    /// Their name.
    pub my_name: Option<String>,
    /// Their role in the agent API's words: `owner`, `administrator` or `normal`.
    pub my_permission: Option<String>,
    /// The license's API tokens (owners and administrators), once listed.
    pub api_tokens: Vec<ApiToken>,
    /// A token just made, with its secret, until the agent has copied it.
    pub new_api_token: Option<CreatedApiToken>,
    /// The last report asked for, once it came.
    pub report: Option<Report>,
    /// A report is on its way.
    pub report_pending: bool,
    /// The license's settings as the server has them (owners and administrators).
    pub settings: Option<LicenseSettings>,
    /// A save of the settings is on its way.
    pub settings_saving: bool,
    /// The last save of the settings went through.
    pub settings_saved: bool,
    /// Why the last save was refused.
    pub settings_error: Option<String>,
    /// First passwords of agents the last save added, to show once.
    pub new_passwords: Vec<NewPassword>,
    /// Whether they take new chats.
    pub accepting: bool,
    /// The license's name.
    pub license_name: Option<String>,
    /// The chats, by id.
    pub chats: BTreeMap<String, ChatEntry>,
    /// The license's agents with their status and load.
    pub agents: Vec<AgentInfo>,
    /// The license's groups.
    pub groups: Vec<GroupInfo>,
    /// Canned responses, by first shortcut.
    pub canned: Vec<CannedResponse>,
    /// The chat on screen.
    pub selected: Option<String>,
    /// The archive.
    pub archive: Archive,
    /// Things to notice, newest last; the shell takes them (sound, notification).
    pub alerts: Vec<Alert>,
    /// The latest refusal to show the agent (an action the server turned down).
    pub notice: Option<String>,
    /// The app's tab is in the background: nothing counts as read.
    pub page_hidden: bool,
}

impl Desk {
    /// Where `chat` is listed, if it is open.
    pub fn section_of(&self, chat: &ChatEntry) -> Option<Section> {
        if !chat.active {
            return None;
        }
        if chat.queue.is_some() && chat.agent_ids.is_empty() {
            return Some(Section::Queue);
        }
        match &self.me {
            Some(me) if chat.agent_ids.contains(me) => Some(Section::Mine),
            _ => Some(Section::Others),
        }
    }

    /// The chats of a section: the queue in order of arrival, the others newest first.
    pub fn section(&self, section: Section) -> Vec<&ChatEntry> {
        let mut chats: Vec<&ChatEntry> = self.chats.values().filter(|chat| self.section_of(chat) == Some(section)).collect();
        match section {
            Section::Queue => chats.sort_by_key(|chat| chat.queue.as_ref().map_or(u32::MAX, |queue| queue.position)),
            _ => chats.sort_by(|a, b| b.last_activity().cmp(&a.last_activity())),
        }
        chats
    }

    /// Unread visitor messages in the agent's chats and the queue.
    pub fn unread(&self) -> u32 {
        let counted = |chat: &&ChatEntry| matches!(self.section_of(chat), Some(Section::Mine | Section::Queue));
        self.chats.values().filter(counted).map(|chat| chat.unread).sum()
    }

    /// The chat on screen.
    pub fn current(&self) -> Option<&ChatEntry> {
        self.selected.as_ref().and_then(|id| self.chats.get(id))
    }

    /// Canned responses whose shortcut starts with `prefix` (without `#`).
    pub fn canned_matching(&self, prefix: &str) -> Vec<&CannedResponse> {
        let prefix = prefix.to_lowercase();
        self.canned.iter().filter(|reply| reply.tags.iter().any(|tag| tag.to_lowercase().starts_with(&prefix))).collect()
    }

    /// The agent signed in: who they are, and the first chats.
    pub fn logged_in(&mut self, login: &AgentLoginResponse) {
        self.me = Some(login.my_profile.user.id.clone());
        self.my_name = login.my_profile.user.name.clone();
        self.my_permission = login.my_profile.permission.clone();
        self.accepting = login.my_profile.routing_status == "accepting_chats";
        self.license_name = login.license.name.clone();
        for summary in &login.chats_summary {
            self.summary(summary);
        }
    }

    /// A page of `list_chats`.
    pub fn chats_listed(&mut self, listed: &AgentListChatsResponse) {
        for summary in &listed.chats_summary {
            self.summary(summary);
        }
    }

    fn summary(&mut self, summary: &AgentChatSummary) {
        let known = self.chats.contains_key(&summary.id);
        let entry = self.chats.entry(summary.id.clone()).or_insert_with(|| ChatEntry { id: summary.id.clone(), ..ChatEntry::default() });
        let before = entry.customer_events();
        entry.set_users(summary.users.iter().map(|user| &user.user));
        entry.verification = verification_of(&summary.users).or(entry.verification.take());
        entry.group_id = summary.access.group_ids.first().copied().unwrap_or(entry.group_id);
        if let Some(thread) = &summary.last_thread_summary {
            let mut newest: Vec<Event> = summary.last_event_per_type.values().filter(|last| last.thread_id == thread.id).map(|last| last.event.clone()).collect();
            newest.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            let thread = Thread {
                id: thread.id.clone(),
                active: thread.active,
                created_at: Some(thread.created_at.clone()),
                properties: Some(thread.properties.clone()),
                queue: thread.queue.clone(),
                tags: thread.tags.clone(),
                events: newest,
                ..Thread::default()
            };
            entry.take_thread(thread, false);
        }
        // Listed again after a reconnect: what the visitor wrote meanwhile is new to the agent.
        let written = entry.customer_events().saturating_sub(before);
        if known && written > 0 {
            let on_screen = self.selected.as_deref() == Some(summary.id.as_str()) && !self.page_hidden;
            if !on_screen {
                entry.unread += written as u32;
            }
            let chat = &self.chats[&summary.id];
            if matches!(self.section_of(chat), Some(Section::Mine | Section::Queue)) {
                let text = chat.preview().and_then(|event| event.text()).unwrap_or_default().chars().take(ALERT_CHARS).collect();
                self.alerts.push(Alert::NewMessage { chat_id: chat.id.clone(), from: chat.visitor_name(), text });
            }
        }
    }

    /// Whether the chat's earlier threads still need asking for; asking marks them asked.
    pub fn ask_history(&mut self, chat_id: &str) -> bool {
        match self.chats.get_mut(chat_id) {
            Some(chat) if !chat.history_requested => {
                chat.history_requested = true;
                true
            }
            _ => false,
        }
    }

    /// The connection dropped: nothing in flight will be answered.
    pub fn connection_lost(&mut self) {
        self.archive.searching = false;
    }

    /// `get_chat`: a chat with its whole current thread.
    pub fn chat_loaded(&mut self, chat: &AgentChat) {
        let entry = self.chats.entry(chat.id.clone()).or_insert_with(|| ChatEntry { id: chat.id.clone(), ..ChatEntry::default() });
        entry.set_users(chat.users.iter().map(|user| &user.user));
        entry.verification = verification_of(&chat.users).or(entry.verification.take());
        entry.group_id = chat.access.group_ids.first().copied().unwrap_or(entry.group_id);
        if let Some(thread) = &chat.thread {
            entry.take_thread(thread.clone(), true);
        }
    }

    /// A chat as a push brings it (a new thread).
    pub(crate) fn chat_arrived(&mut self, chat: &Chat) {
        let entry = self.chats.entry(chat.id.clone()).or_insert_with(|| ChatEntry { id: chat.id.clone(), ..ChatEntry::default() });
        entry.set_users(&chat.users);
        if let Some(group) = chat.access.as_ref().and_then(|access| access.group_ids.first()) {
            entry.group_id = *group;
        }
        if let Some(thread) = &chat.thread {
            entry.take_thread(thread.clone(), true);
        }
    }

    /// `list_threads` (newest first): earlier threads of a chat, for its transcript.
    pub fn threads_loaded(&mut self, chat_id: &str, listed: &ListThreadsResponse) {
        let Some(entry) = self.chats.get_mut(chat_id) else { return };
        for thread in &listed.threads {
            if Some(&thread.id) == entry.thread_id.as_ref() || entry.earlier.iter().any(|known| known.id == thread.id) {
                continue;
            }
            entry.earlier.push(thread.clone());
        }
        entry.earlier.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        entry.earlier_page = listed.next_page_id.clone();
    }

    /// `get_customer`: the visitor of `chat_id` in full.
    pub fn customer_loaded(&mut self, chat_id: &str, customer: AgentCustomer) {
        if let Some(entry) = self.chats.get_mut(chat_id) {
            if customer.verification.is_some() {
                entry.verification = customer.verification.clone();
            }
            entry.visitor = Some(customer);
        }
    }

    /// One older thread of a chat, fetched on its own (an archive result): among the earlier
    /// ones, in order, unless it is the current one or known already.
    pub fn thread_found(&mut self, chat_id: &str, thread: Thread) {
        let Some(entry) = self.chats.get_mut(chat_id) else { return };
        if entry.thread_id.as_deref() == Some(thread.id.as_str()) || entry.earlier.iter().any(|known| known.id == thread.id) {
            return;
        }
        entry.earlier.push(thread);
        entry.earlier.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    }

    /// `list_agents`.
    pub fn agents_listed(&mut self, listed: &ListAgentsResponse) {
        self.agents = listed.agents.clone();
        self.groups = listed.groups.clone();
    }

    /// `list_canned_responses`.
    pub fn canned_listed(&mut self, canned: Vec<CannedResponse>) {
        self.canned = canned;
        self.sort_canned();
    }

    fn sort_canned(&mut self) {
        self.canned.sort_by(|a, b| a.tags.first().cmp(&b.tags.first()).then(a.id.cmp(&b.id)));
    }

    /// A search of the archive went out.
    pub fn archive_searching(&mut self, query: &str) {
        self.archive = Archive { query: query.to_owned(), searching: true, ..Archive::default() };
    }

    /// A page of the archive: the first one replaces what was found, later ones add to it.
    pub fn archive_found(&mut self, page: ListArchivesResponse, more: bool) {
        if !more {
            self.archive.found.clear();
        }
        for chat in page.chats {
            let thread_id = chat.thread.as_ref().map(|thread| thread.id.clone());
            let known = |found: &AgentChat| found.thread.as_ref().map(|thread| thread.id.clone()) == thread_id;
            if !self.archive.found.iter().any(known) {
                self.archive.found.push(chat);
            }
        }
        self.archive.total = page.found_chats;
        self.archive.next_page = page.next_page_id;
        self.archive.searching = false;
    }

    /// The agent opened a chat: it is on screen and read.
    pub fn select(&mut self, chat_id: &str) {
        self.selected = Some(chat_id.to_owned());
        if let Some(entry) = self.chats.get_mut(chat_id) {
            entry.unread = 0;
        }
    }

    /// The agent's own event, shown at once as sending until the server's copy arrives.
    pub fn sending(&mut self, chat_id: &str, event: Event) {
        if let Some(entry) = self.chats.get_mut(chat_id) {
            entry.pending.push(event);
        }
    }

    /// The server refused what the agent's event or action asked: say why; a refused
    /// event is no longer shown as sending.
    pub fn refused(&mut self, chat_id: Option<&str>, custom_id: Option<&str>, why: String) {
        if let (Some(chat_id), Some(custom_id)) = (chat_id, custom_id)
            && let Some(entry) = self.chats.get_mut(chat_id)
        {
            entry.pending.retain(|event| event.custom_id.as_deref() != Some(custom_id));
        }
        self.notice = Some(why);
    }

    /// The app's tab went to the background or came back; coming back reads the chat on
    /// screen.
    pub fn set_page_hidden(&mut self, hidden: bool) {
        self.page_hidden = hidden;
        if !hidden && let Some(entry) = self.selected.as_ref().and_then(|id| self.chats.get_mut(id)) {
            entry.unread = 0;
        }
    }

    /// The agent read the notice.
    pub fn dismiss_notice(&mut self) {
        self.notice = None;
    }

    /// The alerts not handed out yet; the shell plays and shows them once.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }

    /// The agent's routing status changed (by them, or confirmed by the server).
    pub fn set_accepting(&mut self, accepting: bool) {
        self.accepting = accepting;
    }
}

/// The verification carried by a chat's customer, if any.
fn verification_of(users: &[AgentUser]) -> Option<Verification> {
    users.iter().find(|user| user.user.kind == UserType::Customer).and_then(|user| user.verification.clone())
}
