//! A chat's rating, kept as the thread property `rating`: `score` (1 good, 0 bad, the
//! protocol's own), and, with the star mode, `stars` (1 to 5); an optional `comment`.
//! The one place that reads and writes that JSON.

use protocol::Object;
use serde_json::{json, Value};

use crate::config::RatingMode;

/// A rating as stored on a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 1 good, 0 bad.
    pub score: u8,
    /// One to five, when rated with stars.
    pub stars: Option<u8>,
    /// What the visitor wrote.
    pub comment: Option<String>,
}

impl Rating {
    /// What the visitor chose: a thumb (1 or 0) or a number of stars (1 to 5, of which 4
    /// and 5 count as good).
    pub fn given(mode: RatingMode, value: u8, comment: Option<String>) -> Rating {
        let comment = comment.map(|comment| comment.trim().to_owned()).filter(|comment| !comment.is_empty());
        match mode {
            RatingMode::Thumbs => Rating { score: value.min(1), stars: None, comment },
            RatingMode::Stars => Rating { score: u8::from(value >= 4), stars: Some(value.clamp(1, 5)), comment },
        }
    }

    /// The thread properties that store it.
    pub fn properties(&self) -> Object {
        let mut rating = json!({ "score": self.score });
        if let Some(stars) = self.stars {
            rating["stars"] = json!(stars);
        }
        if let Some(comment) = &self.comment {
            rating["comment"] = json!(comment);
        }
        let mut properties = Object::new();
        properties.insert("rating".to_owned(), rating);
        properties
    }

    /// The rating in a thread's properties, if it has a score.
    pub fn read(thread_properties: &Object) -> Option<Rating> {
        let rating = thread_properties.get("rating")?;
        let score = rating.get("score")?.as_u64()?.min(1) as u8;
        let stars = rating.get("stars").and_then(Value::as_u64).map(|stars| stars.clamp(1, 5) as u8);
        let comment = rating.get("comment").and_then(Value::as_str).map(str::to_owned);
        Some(Rating { score, stars, comment })
    }

    /// Stars out of five: the stars given, or 5 and 1 for a good and a bad thumb.
    pub fn stars_or_thumb(&self) -> u8 {
        self.stars.unwrap_or(if self.score == 1 { 5 } else { 1 })
    }

    /// The choice to show as made, in `mode`'s terms.
    pub fn shown_as(&self, mode: RatingMode) -> u8 {
        match mode {
            RatingMode::Thumbs => self.score,
            RatingMode::Stars => self.stars_or_thumb(),
        }
    }
}

/// The thread properties to delete to take a rating back: the given names, or everything
/// the mode writes (and the comment).
pub fn removal(mode: RatingMode, names: &[&str]) -> Object {
    let names: Vec<&str> = match (names.is_empty(), mode) {
        (false, _) => names.to_vec(),
        (true, RatingMode::Thumbs) => vec!["score", "comment"],
        (true, RatingMode::Stars) => vec!["score", "stars", "comment"],
    };
    let mut properties = Object::new();
    properties.insert("rating".to_owned(), json!(names));
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbs_and_stars_are_stored_with_the_protocols_score_and_read_back() {
        let thumbs = Rating::given(RatingMode::Thumbs, 1, Some("  great ".to_owned()));
        assert_eq!(Value::Object(thumbs.properties()), json!({ "rating": { "score": 1, "comment": "great" } }));
        let stars = Rating::given(RatingMode::Stars, 4, Some(" ".to_owned()));
        assert_eq!(Value::Object(stars.properties()), json!({ "rating": { "score": 1, "stars": 4 } }));
        assert_eq!(Rating::given(RatingMode::Stars, 2, None).score, 0);
        assert_eq!(Rating::read(&stars.properties()), Some(stars.clone()));
        assert_eq!(Rating::read(&Object::new()), None);
        assert_eq!((thumbs.shown_as(RatingMode::Stars), thumbs.shown_as(RatingMode::Thumbs)), (5, 1));
        assert_eq!(Rating::given(RatingMode::Thumbs, 0, None).stars_or_thumb(), 1);
        assert_eq!(Value::Object(removal(RatingMode::Stars, &[])), json!({ "rating": ["score", "stars", "comment"] }));
        assert_eq!(Value::Object(removal(RatingMode::Thumbs, &["comment"])), json!({ "rating": ["comment"] }));
    }
}
