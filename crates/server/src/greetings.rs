//! Greetings: invitations to chat, sent by an agent or by a trigger (page URL pattern and
//! time on the page), then accepted or cancelled by the customer. A new greeting cancels the
//! one on screen.

use std::time::Duration;

use protocol::{ErrorPayload, ErrorType, Event, EventBody, GreetingRef, IncomingGreeting, Push};

use crate::actor::Actor;
use crate::errors::ApiResult;
use crate::hub::Peer;
use crate::{ids, App};

impl App {
    /// Shows a greeting to a customer on all their tabs; returns its `unique_id`.
    pub(crate) fn send_greeting(
        &self,
        license_id: u64,
        customer_id: &str,
        greeting_id: u64,
        agent_id: &str,
        text: &str,
    ) -> ApiResult<String> {
        for shown in self.db.shown_greetings(customer_id)? {
            self.db.set_greeting_state(&shown.unique_id, "canceled")?;
            let push = Push::GreetingCanceled(GreetingRef { unique_id: shown.unique_id });
            self.hub.push_to_chat(license_id, customer_id, &push);
        }
        let unique_id = ids::short_id();
        let now = self.clock.timestamp();
        self.db.insert_greeting(&unique_id, license_id, customer_id, greeting_id, agent_id, text, &now)?;
        let shown = crate::db::GreetingRow {
            unique_id: unique_id.clone(),
            customer_id: customer_id.to_owned(),
            greeting_id,
            state: "shown".to_owned(),
            agent_id: agent_id.to_owned(),
            text: text.to_owned(),
            created_at: now,
        };
        let push = Push::IncomingGreeting(self.greeting_view(license_id, &shown, true));
        self.hub.push_to_customer_only(license_id, customer_id, &push);
        Ok(unique_id)
    }

    /// A greeting as `incoming_greeting` and the login response show it.
    /// `displayed_first_time` is false when a reload or another tab shows it again.
    pub(crate) fn greeting_view(&self, license_id: u64, greeting: &crate::db::GreetingRow, first_time: bool) -> IncomingGreeting {
        IncomingGreeting {
            id: greeting.greeting_id,
            unique_id: greeting.unique_id.clone(),
            displayed_first_time: first_time,
            accepted: None,
            addon: None,
            event: Event {
                id: Some(format!("{}_1", greeting.unique_id)),
                created_at: Some(greeting.created_at.clone()),
                author_id: Some(greeting.agent_id.clone()),
                ..Event::new(EventBody::Message { text: greeting.text.clone(), postback: None })
            },
            agent: self.agent_user(license_id, &greeting.agent_id),
        }
    }

    /// `accept_greeting` / `cancel_greeting`.
    pub(crate) fn answer_greeting(&self, actor: &Actor<'_>, greeting_id: Option<u64>, unique_id: &str, accept: bool) -> ApiResult<()> {
        let Peer::Customer(customer_id) = actor.peer else {
            return Err(ErrorPayload::new(ErrorType::NotAllowed, "only customers answer greetings"));
        };
        let greeting = self
            .db
            .greeting(unique_id)?
            .filter(|greeting| &greeting.customer_id == customer_id && greeting.state == "shown")
            .filter(|greeting| greeting_id.is_none_or(|id| id == greeting.greeting_id))
            .ok_or_else(|| ErrorPayload::new(ErrorType::GreetingNotFound, "greeting not found"))?;
        self.db.set_greeting_state(unique_id, if accept { "accepted" } else { "canceled" })?;
        let payload = GreetingRef { unique_id: greeting.unique_id.clone() };
        let push = if accept { Push::GreetingAccepted(payload) } else { Push::GreetingCanceled(payload) };
        self.hub.push_to_chat(actor.license_id, customer_id, &push);
        if accept {
            self.open_greeting_chat(actor, customer_id, &greeting)?;
        }
        Ok(())
    }

    /// An accepted greeting becomes a chat: its text is the agent's first message and the
    /// agent joins, unless the customer is already chatting.
    fn open_greeting_chat(&self, actor: &Actor<'_>, customer_id: &str, greeting: &crate::db::GreetingRow) -> ApiResult<()> {
        let chats = self.db.chats_of_customer(customer_id)?;
        for chat in &chats {
            if self.db.threads(&chat.id)?.last().is_some_and(|thread| thread.active) {
                return Ok(());
            }
        }
        let now = self.clock.timestamp();
        let event = Event {
            created_at: Some(now.clone()),
            author_id: Some(greeting.agent_id.clone()),
            ..Event::new(EventBody::Message { text: greeting.text.clone(), postback: None })
        };
        let thread_id = ids::short_id();
        let group_id = self.directory().agent(&greeting.agent_id).and_then(|agent| agent.groups.first().copied()).unwrap_or(0);
        let thread = crate::db::NewThread::open(thread_id.clone(), now, vec![event]);
        let row = match chats.into_iter().next() {
            Some(mut row) => {
                self.db.activate_chat(&row.id, group_id, thread)?;
                row.group_id = group_id;
                for agent_id in self.db.chat_agents(&row.id)? {
                    self.db.remove_chat_agent(&row.id, &agent_id)?;
                }
                row
            }
            None => {
                let row = crate::db::ChatRow {
                    id: ids::short_id(),
                    license_id: actor.license_id,
                    customer_id: customer_id.to_owned(),
                    group_id,
                };
                self.db.start_chat(&row, &Default::default(), thread)?;
                row
            }
        };
        let chat = self.chat_view(&row, None)?;
        let push = Push::IncomingChat(protocol::IncomingChat { requester_id: Some(customer_id.to_owned()), chat });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        self.assign(&row, &thread_id, &greeting.agent_id, None)
    }

    /// Arms the triggered greetings whose URL pattern matches the customer's page. Each fires
    /// after its delay if the customer is still connected, still on that page, and has no
    /// active chat and no greeting on screen.
    pub(crate) fn arm_greetings(&self, license_id: u64, customer_id: &str, url: &str) {
        let directory = self.directory();
        let mut due = directory
            .greetings
            .iter()
            .filter(|greeting| greeting.license_id == license_id)
            .filter(|greeting| {
                greeting.trigger.as_ref().is_some_and(|trigger| trigger.url.as_deref().is_none_or(|pattern| glob_match(pattern, url)))
            })
            .cloned()
            .collect::<Vec<_>>();
        let key = (license_id, customer_id.to_owned());
        let mut timers = self.greeting_timers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // One timer per customer: a new page replaces the last page's, so a visitor who
        // changes pages a thousand times still holds one sleeping task.
        if let Some((_, previous)) = timers.remove(&key) {
            previous.abort();
        }
        if due.is_empty() {
            return;
        }
        due.sort_by_key(trigger_delay);
        let generation = self.next_timer.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let app = self.clone();
        let (customer_id, url) = (customer_id.to_owned(), url.to_owned());
        let task_key = key.clone();
        let task = tokio::spawn(async move {
            let armed = tokio::time::Instant::now();
            for greeting in due {
                tokio::time::sleep_until(armed + Duration::from_secs(trigger_delay(&greeting))).await;
                if let Err(error) = app.fire_greeting(&greeting, &customer_id, &url) {
                    tracing::warn!(%error, "a triggered greeting failed");
                }
            }
            let mut timers = app.greeting_timers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if timers.get(&task_key).is_some_and(|(armed, _)| *armed == generation) {
                timers.remove(&task_key);
            }
        });
        timers.insert(key, (generation, task.abort_handle()));
    }

    fn fire_greeting(&self, greeting: &crate::config::Greeting, customer_id: &str, url: &str) -> ApiResult<()> {
        let license_id = greeting.license_id;
        if !self.hub.is_online(license_id, &Peer::Customer(customer_id.to_owned())) {
            return Ok(());
        }
        let customer = self.db.customer(customer_id)?;
        if customer.and_then(|customer| customer.page_url).as_deref() != Some(url) {
            return Ok(());
        }
        if !self.db.shown_greetings(customer_id)?.is_empty() {
            return Ok(());
        }
        for chat in self.db.chats_of_customer(customer_id)? {
            if self.db.threads(&chat.id)?.last().is_some_and(|thread| thread.active) {
                return Ok(());
            }
        }
        self.send_greeting(license_id, customer_id, greeting.id, &greeting.agent_id, &greeting.text)?;
        Ok(())
    }
}

fn trigger_delay(greeting: &crate::config::Greeting) -> u64 {
    greeting.trigger.as_ref().map(|trigger| u64::from(trigger.after_seconds)).unwrap_or(0)
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn url_patterns() {
        assert!(glob_match("*", "https://shop.example/"));
        assert!(glob_match("*/tents*", "https://shop.example/tents/dome-2"));
        assert!(!glob_match("*/tents*", "https://shop.example/packs"));
        assert!(glob_match("https://shop.example/", "https://shop.example/"));
        assert!(glob_match("https://*.example/*/sale", "https://shop.example/tents/sale"));
        assert!(!glob_match("https://*.example/*/sale", "https://shop.example/tents/sales"));
        assert!(!glob_match("a*a", "a"));
    }

    #[tokio::test]
    async fn a_customer_has_one_greeting_timer_however_often_the_page_changes() {
        use crate::config::{Config, Greeting, GreetingTrigger};
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::demo(dir.path().join("chat.db"), dir.path().into(), "greeting-test-token-01".to_owned());
        config.greetings.push(Greeting {
            id: 1,
            license_id: 1,
            group_id: 0,
            agent_id: "anna@acme.example".to_owned(),
            text: "Hello".to_owned(),
            trigger: Some(GreetingTrigger { url: None, after_seconds: 3600 }),
        });
        let app = crate::App::new(config).unwrap();
        for page in 0..1000 {
            app.arm_greetings(1, "customer-1", &format!("https://shop.example/{page}"));
        }
        app.arm_greetings(1, "customer-2", "https://shop.example/");
        assert_eq!(app.greeting_timers.lock().unwrap().len(), 2);
        // The replaced timers are gone, not sleeping on.
        let metrics = tokio::runtime::Handle::current().metrics();
        for _ in 0..10_000 {
            if metrics.num_alive_tasks() <= 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        let alive = metrics.num_alive_tasks();
        assert!(alive <= 2, "{alive} tasks are alive");
    }
}
