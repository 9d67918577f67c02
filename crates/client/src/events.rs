//! One copy of each event, whichever way it arrived: a push, a fetched thread, or the
//! server's answer to the client's own send.

use protocol::Event;

/// What merging an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    /// It was new: added in time order.
    Added,
    /// A copy was there already (by id, or by `custom_id` and author): the server's copy
    /// replaced it.
    Replaced,
    /// It has no id (not stored by the server): left out.
    Skipped,
}

/// Whether `a` and `b` are one event: the same id, or the same author's same `custom_id`
/// (the client's optimistic copy and the server's).
pub fn same_event(a: &Event, b: &Event) -> bool {
    let same_id = a.id.is_some() && a.id == b.id;
    let same_custom = a.custom_id.is_some() && a.custom_id == b.custom_id && a.author_id == b.author_id;
    same_id || same_custom
}

/// Merges `event` into `events` (kept in creation order): the server's copy replaces any
/// copy already there, so a retried send or a push after a fetch never shows twice.
pub fn merge_event(events: &mut Vec<Event>, event: Event) -> Merged {
    if event.id.is_none() {
        return Merged::Skipped;
    }
    if let Some(known) = events.iter_mut().find(|known| same_event(known, &event)) {
        *known = event;
        return Merged::Replaced;
    }
    // Events mostly arrive in order: insert from the end.
    let at = events.iter().rposition(|known| known.created_at <= event.created_at).map_or(0, |index| index + 1);
    events.insert(at, event);
    Merged::Added
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::EventBody;

    fn message(id: Option<&str>, custom_id: Option<&str>, author: &str, at: &str, text: &str) -> Event {
        let mut event = Event::new(EventBody::Message { text: text.to_owned(), postback: None });
        event.id = id.map(str::to_owned);
        event.custom_id = custom_id.map(str::to_owned);
        event.author_id = Some(author.to_owned());
        event.created_at = Some(at.to_owned());
        event
    }

    #[test]
    fn each_event_shows_once_in_time_order() {
        let mut events = Vec::new();
        assert_eq!(merge_event(&mut events, message(Some("e2"), None, "c", "2", "second")), Merged::Added);
        assert_eq!(merge_event(&mut events, message(Some("e1"), None, "c", "1", "first")), Merged::Added);
        assert_eq!(merge_event(&mut events, message(Some("e3"), Some("k"), "a", "3", "mine")), Merged::Added);
        // The same event again (a push after a fetch), then the server's copy of a retry.
        assert_eq!(merge_event(&mut events, message(Some("e2"), None, "c", "2", "second")), Merged::Replaced);
        assert_eq!(merge_event(&mut events, message(Some("e3"), Some("k"), "a", "3", "mine, stored")), Merged::Replaced);
        assert_eq!(merge_event(&mut events, message(None, Some("x"), "a", "4", "unsent")), Merged::Skipped);
        let texts: Vec<_> = events.iter().map(|event| event.text().unwrap_or_default().to_owned()).collect();
        assert_eq!(texts, ["first", "second", "mine, stored"]);
        // Another author's event with the same custom id is another event.
        assert_eq!(merge_event(&mut events, message(Some("e4"), Some("k"), "c", "5", "theirs")), Merged::Added);
        assert_eq!(events.len(), 4);
    }
}
