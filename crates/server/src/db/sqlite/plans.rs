//! Every statement the store runs, with SQLite's plan for it: none may scan a table that
//! grows with use (events, customers, tokens...) except the few listed with their reason.
//! The statements are the ones a workload calling every store method actually runs, as
//! recorded by SQLite's statement trace.

use std::collections::BTreeSet;
use std::sync::Mutex;

use protocol::{Event, EventBody};
use rusqlite::trace::{TraceEvent, TraceEventCodes};

use super::*;
use crate::db::DeskStore;
use crate::db::{ChatRow, NewThread, Object, PropertyTarget, Queued, UploadRow, Verification, VerificationStatus};

static STATEMENTS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn record(event: TraceEvent<'_>) {
    if let TraceEvent::Stmt(_, sql) = event {
        STATEMENTS.lock().unwrap().insert(sql.trim().to_owned());
    }
}

/// Tables that grow with visitors and chats.
const GROWING: &[&str] =
    &["events", "customers", "access_tokens", "chats", "threads", "chat_agents", "seen", "greetings", "uploads", "queue", "thread_tags", "canned_responses", "customer_pages",
      "accounts", "agent_sessions", "api_tokens", "queue_waits"];

/// Statements that may scan, and why.
const ALLOWED: &[(&str, &str)] = &[
    // Once, at start-up, to continue the event clock.
    ("SELECT max(created_at) FROM events", "start-up only"),
];

fn message(author: &str, text: &str, custom_id: Option<&str>) -> Event {
    let mut event = Event::new(EventBody::Message { text: text.to_owned(), postback: None });
    event.author_id = Some(author.to_owned());
    event.custom_id = custom_id.map(str::to_owned);
    event.created_at = Some("2026-01-01T00:00:00.000001Z".to_owned());
    event
}

/// Calls every method of the store at least once, on rows that exist.
fn workload(store: &SqliteStore) -> DbResult<()> {
    let now = "2026-01-01T00:00:00.000000Z";
    store.latest_timestamp()?;
    store.ready()?;
    store.create_customer("c1", 1, "hash", now)?;
    store.customer_identity_matches("c1", 1, "hash")?;
    store.store_token("t1", "c1", 1, 2_000_000_000)?;
    store.token_owner("t1")?;
    store.customer("c1")?;
    let page = Some(("https://shop.example/".to_owned(), Some("Shop".to_owned())));
    let login = crate::db::LoginRecord { new_visit: true, name: Some("Jo".to_owned()), session_fields: Some(Vec::new()), page, now: now.to_owned(), ..Default::default() };
    store.record_login("c1", login)?;
    store.customer_counts("c1")?;
    let chat = ChatRow { id: "CH".to_owned(), license_id: 1, customer_id: "c1".to_owned(), group_id: 0 };
    let first = NewThread::open("T1".to_owned(), now.to_owned(), vec![message("c1", "hi", None)]);
    store.start_chat(&chat, &Object::new(), first)?;
    store.append_event("CH", "T1", message("c1", "again", Some("x1")))?;
    store.append_event("CH", "T1", message("c1", "again", Some("x1")))?;
    let closing = Event { created_at: Some(now.to_owned()), ..Event::new(EventBody::SystemMessage { text: Some("closed".to_owned()), system_message_type: "manual".to_owned(), text_vars: None }) };
    store.close_thread("CH", "T1", closing)?;
    store.activate_chat("CH", 0, NewThread::open("T2".to_owned(), now.to_owned(), Vec::new()))?;
    store.set_chat_group("CH", 0)?;
    store.chat("CH")?;
    store.chats_of_customer("c1")?;
    store.chats_of_license(1)?;
    store.threads("CH")?;
    store.events("T1")?;
    store.add_chat_agent("CH", "a@x")?;
    store.chat_agents("CH")?;
    store.active_chats_per_agent(1)?;
    store.remove_chat_agent("CH", "a@x")?;
    store.update_customer("c1", Some("Jo"), Some("jo@x.example"), None, Some(&[]))?;
    store.set_customer_page("c1", "https://x.example/", Some("X"), now)?;
    store.set_customer_page("c1", "https://x.example/", Some("X"), now)?;
    store.set_customer_page("c1", "https://x.example/b", None, now)?;
    store.customer_pages("c1")?;
    store.set_banned("c1", false)?;
    store.set_verification("c1", &Verification { status: VerificationStatus::Answered, text: "ok".to_owned(), checked_at: now.to_owned() })?;
    store.verification("c1")?;
    for target in [PropertyTarget::Chat("CH"), PropertyTarget::Thread("T1"), PropertyTarget::Event("T1_1")] {
        store.properties(target)?;
        store.set_properties(target, &Object::new())?;
    }
    if let Some((_, _, event)) = store.event("T1_1")? {
        store.replace_event(&event)?;
    }
    store.mark_seen("CH", "c1", now)?;
    store.seen_up_to("CH", "c1")?;
    store.last_event_per_type("CH", false)?;
    store.last_event_per_type("CH", true)?;
    store.has_unread("CH", "c1")?;
    store.insert_greeting("g1", 1, "c1", 7, "a@x", "Hello", now)?;
    store.greeting("g1")?;
    store.shown_greetings("c1")?;
    store.set_greeting_state("g1", "accepted")?;
    store.greeting_counts("c1")?;
    let upload = UploadRow {
        id: "u".repeat(32),
        license_id: 1,
        customer_id: "c1".to_owned(),
        name: "a.png".to_owned(),
        content_type: "image/png".to_owned(),
        size: 10,
        width: None,
        height: None,
        url: "http://x/uploads/u/a.png".to_owned(),
        created_at: 1,
        used: false,
        by_agent: false,
    };
    store.insert_upload(&upload)?;
    store.live_upload(&upload.id, 2)?;
    store.upload_bytes_of("c1")?;
    store.mark_upload_used(&upload.id)?;
    store.take_expired_uploads(2_000_000_000)?;
    let queued = Queued {
        license_id: 1,
        group_id: 0,
        agent_ids: Vec::new(),
        chat_id: "CH".to_owned(),
        thread_id: "T2".to_owned(),
        customer_id: "c1".to_owned(),
        queued_at: now.to_owned(),
    };
    store.enqueue(&queued)?;
    store.waiting(1)?;
    store.dequeue("CH", now)?;
    store.set_agent_accepting("a@x", true)?;
    store.agent_accepting("a@x")?;
    desk_workload(store)
}

/// The archive with every kind of filter, tags and canned responses.
fn desk_workload(store: &SqliteStore) -> DbResult<()> {
    use crate::db::desk::{ArchiveQuery, PropertyCondition, Scalar, SetCondition};
    let set = |values: &[&str]| SetCondition {
        exists: Some(true),
        values: Some(values.iter().map(|value| value.to_string()).collect()),
        exclude: vec!["z".to_owned()],
    };
    store.archives(&ArchiveQuery { license_id: 1, ..ArchiveQuery::default() }, 0, 10)?;
    let everything = ArchiveQuery {
        license_id: 1,
        words: vec!["hi".to_owned()],
        from: Some("2026-01-01T00:00:00.000000Z".to_owned()),
        to: Some("2027-01-01T00:00:00.000000Z".to_owned()),
        agents: set(&["a@x"]),
        group_ids: Some(vec![0]),
        tags: set(&["vip"]),
        properties: vec![PropertyCondition {
            namespace: "rating".to_owned(),
            name: "score".to_owned(),
            condition: SetCondition { exists: Some(true), values: Some(vec![Scalar::Integer(1)]), exclude: vec![Scalar::Integer(0)] },
        }],
        thread_ids: Some(vec!["T1".to_owned()]),
        ascending: true,
    };
    store.archives(&everything, 0, 10)?;
    store.tag_thread("T1", "vip")?;
    store.thread_tags("T1")?;
    store.untag_thread("T1", "vip")?;
    let tags = ["hello".to_owned()];
    let created = store.create_canned_response(1, "Hello!", &tags, "a@x", "2026-01-01T00:00:00.000000Z")?;
    let id = created.map(|reply| reply.id).unwrap_or_default();
    assert!(store.update_canned_response(1, id, Some("Hi!"), Some(&tags), "2026-01-01T00:00:00.000000Z")?.is_ok());
    store.canned_responses(1)?;
    store.delete_canned_response(1, id)?;
    account_workload(store)
}

/// Accounts, sessions and API tokens.
fn account_workload(store: &SqliteStore) -> DbResult<()> {
    use crate::db::accounts::{AccountStore, ApiTokenRow};
    let now = "2026-01-01T00:00:00.000000Z";
    store.seed_account("a@x", 1, "owner", now)?;
    store.account("a@x")?;
    store.set_credentials("a@x", "hash", Some("admin"))?;
    store.set_role("a@x", "owner")?;
    let stored = crate::db::settings::StoredSettings { settings: "{}".to_owned(), seed_digest: "d".to_owned() };
    crate::db::SettingsStore::store_settings(store, 1, &stored, now)?;
    crate::db::SettingsStore::store_settings(store, 1, &stored, now)?;
    crate::db::SettingsStore::stored_settings(store, 1)?;
    store.create_session("s1", "a@x", 1, 100)?;
    store.create_session("s2", "a@x", 1, 100)?;
    store.session("s1", 2)?;
    store.delete_session("s1")?;
    store.delete_sessions_of("a@x", Some("s2"))?;
    let token = ApiTokenRow {
        id: 0,
        license_id: 1,
        agent_id: "a@x".to_owned(),
        name: "bot".to_owned(),
        created_by: "a@x".to_owned(),
        created_at: now.to_owned(),
        expires_at: Some(100),
        last_used_at: None,
    };
    let id = store.create_api_token("t1", &token)?;
    store.api_tokens(1, 2)?;
    store.use_api_token("t1", 2, now)?;
    store.revoke_api_token(1, id, now)?;
    report_workload(store)
}

/// Reports with and without their filters.
fn report_workload(store: &SqliteStore) -> DbResult<()> {
    use crate::db::reports::{ReportQuery, ReportStore};
    let mut query = ReportQuery {
        license_id: 1,
        from: "2026-01-01T00:00:00.000000Z".to_owned(),
        until: "2026-01-02T00:00:00.000000Z".to_owned(),
        group_id: None,
        agent_id: None,
    };
    store.report_threads(&query)?;
    store.report_queue_stays(&query)?;
    (query.group_id, query.agent_id) = (Some(0), Some("a@x".to_owned()));
    store.report_threads(&query)?;
    store.report_queue_stays(&query)?;
    Ok(())
}

#[test]
fn no_statement_scans_a_growing_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("plans.db")).unwrap();
    let mask = TraceEventCodes::SQLITE_TRACE_STMT;
    store.lock().trace_v2(mask, Some(record));
    for reader in &store.readers {
        reader.lock().unwrap().trace_v2(mask, Some(record));
    }
    workload(&store).unwrap();

    let statements = STATEMENTS.lock().unwrap().clone();
    assert!(statements.len() > 40, "the workload ran only {} statements", statements.len());
    let connection = store.lock();
    let mut scans = Vec::new();
    // Triggers' statements are traced by name ("-- TRIGGER ..."); their own statements
    // search by rowid.
    let plain = |sql: &&String| !["BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "--"].iter().any(|prefix| sql.starts_with(prefix));
    for sql in statements.iter().filter(plain) {
        let mut plan = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Parameters stay unbound (NULL): the plan does not depend on their values.
        let mut rows = plan.raw_query();
        let mut details = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            details.push(row.get::<_, String>(3).unwrap());
        }
        for detail in details {
            // A search without a constraint in parentheses walks a whole index: a scan too.
            let scanned = match detail.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["SCAN", table, ..] => Some(*table),
                ["SEARCH", table, ..] if !detail.contains('(') => Some(*table),
                _ => None,
            };
            let growing = scanned.is_some_and(|table| GROWING.contains(&table));
            let allowed = ALLOWED.iter().any(|(allowed, _)| sql == allowed);
            if growing && !allowed {
                scans.push(format!("{detail}\n    in {sql}"));
            }
        }
    }
    assert!(scans.is_empty(), "statements that scan a growing table:\n{}", scans.join("\n"));
}
