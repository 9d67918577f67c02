//! Which rows of a long transcript are rendered: from an anchor row to the newest, so rows
//! only ever join; pure, with native tests.

use crate::store::ChatMessage;

/// Rows rendered when the transcript opens, and added each time the visitor reaches the top.
pub(super) const PAGE_ROWS: usize = 60;

/// Where the rendered part of the transcript starts: at the row keyed `anchor` while it is
/// there, else at the last `page` rows. Rows only ever join below the anchor, so a new
/// message adds its row and takes none away.
pub(super) fn first_shown(keys: &[&str], anchor: Option<&str>, page: usize) -> usize {
    anchor
        .and_then(|anchor| keys.iter().position(|key| *key == anchor))
        .unwrap_or_else(|| keys.len().saturating_sub(page))
}

/// The rows' keys, for the two functions around.
pub(super) fn keys(all: &[ChatMessage]) -> Vec<&str> {
    all.iter().map(|message| message.key.as_str()).collect()
}

/// Where the rendered rows start.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Start {
    /// The last page (until the transcript first outgrows it; then it becomes `At`).
    Latest,
    /// The row with this key.
    At(String),
    /// The first loaded row: everything shows.
    All,
}

impl Start {
    /// The start for an earlier anchor: that row, or everything when there is none.
    pub(super) fn from_anchor(anchor: Option<String>) -> Start {
        anchor.map_or(Start::All, Start::At)
    }
}

/// The anchor `page` rows further up, or `None` once that reaches the first row.
pub(super) fn earlier_anchor(keys: &[&str], first: usize, page: usize) -> Option<String> {
    let start = first.saturating_sub(page);
    (start > 0).then(|| keys[start].to_owned())
}

#[cfg(test)]
mod tests {
    use super::{earlier_anchor, first_shown};

    #[test]
    fn a_long_transcript_opens_on_its_last_page_and_grows_only_below_the_anchor() {
        let keys: Vec<String> = (0..200).map(|n| format!("k{n}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(first_shown(&keys, None, 60), 140);
        assert_eq!(first_shown(&keys[..30], None, 60), 0, "a short one shows whole");
        // Anchored: new rows below do not move the start.
        assert_eq!(first_shown(&keys, Some("k140"), 60), 140);
        let mut longer = keys.clone();
        longer.push("k200");
        assert_eq!(first_shown(&longer, Some("k140"), 60), 140);
        // Older rows merged above (history) keep the anchor's row first.
        let mut history = vec!["h0", "h1"];
        history.extend(keys.iter().copied());
        assert_eq!(first_shown(&history, Some("k140"), 60), 142);
        // A vanished anchor falls back to the last page.
        assert_eq!(first_shown(&keys, Some("gone"), 60), 140);
    }

    #[test]
    fn each_reveal_moves_the_anchor_a_page_up_until_everything_shows() {
        let keys: Vec<String> = (0..130).map(|n| format!("k{n}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(earlier_anchor(&keys, 70, 60).as_deref(), Some("k10"));
        assert_eq!(earlier_anchor(&keys, 10, 60), None, "the rest fits: show everything");
        assert_eq!(earlier_anchor(&keys, 60, 60), None);
    }
}
