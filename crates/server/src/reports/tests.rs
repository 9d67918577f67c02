//! Reports over a seeded history whose answers are worked out by hand: four threads in the
//! range (one missed, one still open, two rated with comments, two that queued) and two
//! just outside it.

use protocol::{Event, EventBody, GetReport};
use serde_json::json;

use crate::actor::Actor;
use crate::config::Config;
use crate::db::{ChatRow, NewThread, Object, PropertyTarget, Queued};
use crate::hub::Peer;
use crate::App;

const ANNA: &str = "anna@acme.example";

fn at(time: &str) -> String {
    format!("2026-03-{time}.000000Z")
}

fn written(id: &str, author: &str, time: &str, note: bool) -> Event {
    let mut event = Event::new(EventBody::Message { text: format!("said by {author}"), postback: None });
    event.id = Some(id.to_owned());
    event.author_id = Some(author.to_owned());
    event.created_at = Some(at(time));
    event.recipients = Some(if note { "agents" } else { "all" }.to_owned());
    event
}

/// One thread: its visitor's message at `asked`, what else is said (`(author, time, note)`),
/// closed at `closed` when given, queued from `queued` to `left` when given, rated.
struct Seed<'a> {
    chat: &'a str,
    group: u32,
    started: &'a str,
    said: &'a [(&'a str, &'a str, bool)],
    closed: Option<&'a str>,
    queued: Option<(&'a str, &'a str)>,
    rating: Option<(i64, &'a str)>,
}

fn seed(app: &App, seed: Seed<'_>) {
    let customer = format!("customer-{}", seed.chat);
    app.db.create_customer(&customer, 1, "hash", &at(seed.started)).unwrap();
    let thread = format!("{}-t", seed.chat);
    let chat = ChatRow { id: seed.chat.to_owned(), license_id: 1, customer_id: customer.clone(), group_id: seed.group };
    let first = written(&format!("{thread}_1"), &customer, seed.started, false);
    app.db.start_chat(&chat, &Object::new(), NewThread::open(thread.clone(), at(seed.started), vec![first])).unwrap();
    if let Some((queued, _)) = seed.queued {
        let waiting = Queued {
            license_id: 1,
            group_id: seed.group,
            agent_ids: Vec::new(),
            chat_id: seed.chat.to_owned(),
            thread_id: thread.clone(),
            customer_id: customer.clone(),
            queued_at: at(queued),
        };
        app.db.enqueue(&waiting).unwrap();
    }
    for (n, (author, time, note)) in seed.said.iter().enumerate() {
        let author = if *author == "visitor" { customer.as_str() } else { author };
        app.db.append_event(seed.chat, &thread, written(&format!("{thread}_{}", n + 2), author, time, *note)).unwrap();
    }
    if let Some((_, left)) = seed.queued {
        assert!(app.db.dequeue(seed.chat, &at(left)).unwrap());
    }
    if let Some((score, comment)) = seed.rating {
        let mut properties = Object::new();
        properties.insert("rating".to_owned(), json!({ "score": score, "comment": comment }));
        app.db.set_properties(PropertyTarget::Thread(&thread), &properties).unwrap();
    }
    if let Some(closed) = seed.closed {
        let mut end = Event::new(EventBody::SystemMessage { text: Some("closed".to_owned()), system_message_type: "manual".to_owned(), text_vars: None });
        end.id = Some(format!("{thread}_end"));
        end.created_at = Some(at(closed));
        app.db.close_thread(seed.chat, &thread, end).unwrap();
    }
}

fn seeded() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo(dir.path().join("chat.db"), dir.path().join("dist"), "token-0123456789abcdef".to_owned());
    let mut sales = config.groups[0].clone();
    (sales.id, sales.name) = (1, "Sales".to_owned());
    config.groups.push(sales);
    let app = App::new(config).unwrap();
    let history = [
        // Answered in 30 s, 10 minutes long, rated good.
        Seed { chat: "A", group: 0, started: "02T09:00:00", said: &[(ANNA, "02T09:00:30", false)], closed: Some("02T09:10:00"), queued: None, rating: Some((1, "Great help")) },
        // Waited 5 minutes and left: missed.
        Seed { chat: "B", group: 0, started: "02T09:30:00", said: &[], closed: Some("02T09:35:00"), queued: Some(("02T09:30:00", "02T09:35:00")), rating: None },
        // Queued a minute; the visitor writes again; a note does not answer; Anna answers
        // 70 s after the visitor's first message.
        Seed {
            chat: "C",
            group: 0,
            started: "03T14:00:00",
            said: &[("visitor", "03T14:00:10", false), ("bob@acme.example", "03T14:00:20", true), (ANNA, "03T14:01:10", false)],
            closed: Some("03T14:20:00"),
            queued: Some(("03T14:00:00", "03T14:01:00")),
            rating: Some((0, "Slow")),
        },
        // Sales, answered in two minutes by Bob, still open.
        Seed { chat: "D", group: 1, started: "03T15:00:00", said: &[("bob@acme.example", "03T15:02:00", false)], closed: None, queued: None, rating: None },
        // Outside the range, on either side.
        Seed { chat: "E", group: 0, started: "04T00:00:00", said: &[], closed: Some("04T00:01:00"), queued: None, rating: None },
        Seed { chat: "F", group: 0, started: "01T23:59:59", said: &[], closed: None, queued: None, rating: None },
    ];
    for entry in history {
        seed(&app, entry);
    }
    (dir, app)
}

fn ask(app: &App, adjust: impl FnOnce(&mut GetReport)) -> protocol::Report {
    let mut request = GetReport { from: "2026-03-02".to_owned(), to: "2026-03-03".to_owned(), ..GetReport::default() };
    adjust(&mut request);
    let peer = Peer::Agent(ANNA.to_owned());
    let actor = Actor { license_id: 1, peer: &peer, conn: crate::hub::NO_SOCKET, request_id: None };
    app.report(&actor, request).unwrap()
}

#[test]
fn a_report_counts_times_and_ratings_as_worked_out_by_hand() {
    let (_dir, app) = seeded();
    let report = ask(&app, |_| {});
    assert_eq!((report.chats, report.answered, report.missed), (4, 3, 1));
    // First responses 30, 70 (from the visitor's first message, not their second) and 120 s:
    // the median is the 2nd, the 90th percentile the 3rd.
    assert_eq!(report.first_response.count, 3);
    assert_eq!((report.first_response.median_seconds, report.first_response.p90_seconds), (Some(70.0), Some(120.0)));
    // Ended chats last 600, 300 and 1200 s; the open one is not measured.
    assert_eq!(report.duration.count, 3);
    assert_eq!((report.duration.median_seconds, report.duration.p90_seconds), (Some(600.0), Some(1200.0)));
    // Queue stays of 300 and 60 s; the 300 s one left unanswered.
    assert_eq!((report.queue_wait.count, report.queue_wait.median_seconds, report.queue_wait.p90_seconds), (2, Some(60.0), Some(300.0)));
    assert_eq!(report.queue_abandoned, 1);
    assert_eq!((report.rated_good, report.rated_bad), (1, 1));
    let comments: Vec<_> = report.comments.iter().map(|comment| (comment.chat_id.as_str(), comment.score, comment.comment.as_str())).collect();
    assert_eq!(comments, [("C", 0, "Slow"), ("A", 1, "Great help")], "newest first");
    let days: Vec<_> = report.per_day.iter().map(|day| (day.day.as_str(), day.chats, day.missed)).collect();
    assert_eq!(days, [("2026-03-02", 2, 1), ("2026-03-03", 2, 0)]);
    let mut hours = vec![0; 24];
    (hours[9], hours[14], hours[15]) = (2, 1, 1);
    assert_eq!(report.per_hour, hours);
}

#[test]
fn a_report_narrows_to_a_group_or_an_agent() {
    let (_dir, app) = seeded();
    let sales = ask(&app, |request| request.group_id = Some(1));
    assert_eq!((sales.chats, sales.answered, sales.first_response.median_seconds), (1, 1, Some(120.0)));
    let anna = ask(&app, |request| request.agent_id = Some(ANNA.to_owned()));
    assert_eq!((anna.chats, anna.rated_good, anna.rated_bad), (2, 1, 1));
    assert_eq!(anna.queue_wait.count, 1, "only the stay of a chat Anna wrote in");
}

#[test]
fn days_and_hours_are_the_askers() {
    let (_dir, app) = seeded();
    // UTC-10: the 2nd runs from 10:00 UTC on the 2nd to 10:00 UTC on the 3rd.
    let report = ask(&app, |request| request.utc_offset_minutes = -600);
    let days: Vec<_> = report.per_day.iter().map(|day| (day.day.as_str(), day.chats)).collect();
    assert_eq!(days, [("2026-03-02", 0), ("2026-03-03", 3)], "C, D and E (midnight UTC on the 4th)");
    assert_eq!((report.per_hour[4], report.per_hour[5], report.per_hour[14]), (1, 1, 1));
}

#[test]
fn bad_ranges_and_unknown_filters_are_refused() {
    let (_dir, app) = seeded();
    let peer = Peer::Agent(ANNA.to_owned());
    let actor = Actor { license_id: 1, peer: &peer, conn: crate::hub::NO_SOCKET, request_id: None };
    let refused = |request: GetReport| app.report(&actor, request).unwrap_err();
    let range = |from: &str, to: &str| GetReport { from: from.to_owned(), to: to.to_owned(), ..GetReport::default() };
    assert!(refused(range("2026-03-03", "2026-03-02")).message.contains("before"));
    assert!(refused(range("2026-03-xx", "2026-03-02")).message.contains("YYYY-MM-DD"));
    assert!(refused(range("2025-01-01", "2026-03-02")).message.contains("366"));
    assert_eq!(refused(GetReport { group_id: Some(7), ..range("2026-03-02", "2026-03-02") }).kind, protocol::ErrorType::NotFound);
    let offset = GetReport { utc_offset_minutes: 900, ..range("2026-03-02", "2026-03-02") };
    assert!(refused(offset).message.contains("840"));
}
