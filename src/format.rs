//! Turning message data into what the transcript shows: links found in text, local days
//! and times from the server's RFC 3339 stamps, file sizes.
//!
//! Pure and tested natively; the time zone comes in as an offset so nothing here reads
//! the clock or the browser.

/// A piece of message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Plain text, shown as text (never as markup).
    Text(String),
    /// A web link: what the visitor sees, and the `http(s)` address it opens.
    Link {
        /// The text as written.
        text: String,
        /// The address, always `http://` or `https://`.
        href: String,
    },
}

/// Splits text into plain runs and links. Only `http://`, `https://` and `www.` addresses
/// become links, so a message can never carry a `javascript:` or `data:` link; trailing
/// punctuation stays outside the link, and a closing parenthesis only when it has no
/// opening one inside.
pub fn linkify(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut plain_start = 0;
    let mut index = 0;
    let bytes = text.as_bytes();
    while index < text.len() {
        let rest = &text[index..];
        let at_word_start = index == 0 || !bytes[index - 1].is_ascii_alphanumeric() && bytes[index - 1] != b'/';
        let prefix = ["https://", "http://", "www."]
            .into_iter()
            .find(|prefix| at_word_start && rest.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix)));
        let Some(prefix) = prefix else {
            index += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(rest.len());
        let mut link = &rest[..end];
        loop {
            let trimmed = link.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
            let trimmed = if trimmed.ends_with(')') && trimmed.matches('(').count() < trimmed.matches(')').count() {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            if trimmed.len() == link.len() {
                break;
            }
            link = trimmed;
        }
        if link.len() <= prefix.len() {
            index += prefix.len();
            continue;
        }
        if plain_start < index {
            segments.push(Segment::Text(text[plain_start..index].to_owned()));
        }
        let href = if prefix == "www." { format!("https://{link}") } else { link.to_owned() };
        segments.push(Segment::Link { text: link.to_owned(), href });
        index += link.len();
        plain_start = index;
    }
    if plain_start < text.len() {
        segments.push(Segment::Text(text[plain_start..].to_owned()));
    }
    segments
}

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

/// A local moment: the day and the time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The day.
    pub day: Day,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
}

impl LocalTime {
    /// `HH:MM`.
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

/// Reads an RFC 3339 UTC stamp (`2026-11-22T06:19:57.123456Z`) and moves it by
/// `offset_minutes` (east of UTC is positive) into the visitor's local time.
pub fn local_time(stamp: &str, offset_minutes: i32) -> Option<LocalTime> {
    let number = |range: std::ops::Range<usize>| stamp.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute) = (number(11..13)?, number(14..16)?);
    if stamp.get(4..5)? != "-" || stamp.get(10..11).is_none_or(|t| !t.eq_ignore_ascii_case("t")) {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let minutes = protocol::time::days_from_civil(year, month as u32, day as u32) * 1440 + hour * 60 + minute + offset_minutes as i64;
    let (days, minute_of_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    let (year, month, day) = protocol::time::civil_from_days(days);
    Some(LocalTime { day: Day { year, month, day }, hour: (minute_of_day / 60) as u32, minute: (minute_of_day % 60) as u32 })
}


/// How a day separator names a day, relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayLabel {
    /// Today.
    Today,
    /// Yesterday.
    Yesterday,
    /// Another day, shown as a date.
    Date(Day),
}

/// Names `day` relative to `today`.
pub fn day_label(day: Day, today: Day) -> DayLabel {
    if day == today {
        return DayLabel::Today;
    }
    let days = |day: Day| protocol::time::days_from_civil(day.year as i64, day.month, day.day);
    if days(today) - days(day) == 1 { DayLabel::Yesterday } else { DayLabel::Date(day) }
}

/// A file size for people: `812 B`, `4.2 KB`, `3.1 MB`.
pub fn file_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    match bytes as f64 {
        size if size < KB => format!("{bytes} B"),
        size if size < KB * KB => format!("{:.1} KB", size / KB),
        size => format!("{:.1} MB", size / (KB * KB)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(text: &str, href: &str) -> Segment {
        Segment::Link { text: text.to_owned(), href: href.to_owned() }
    }

    fn plain(text: &str) -> Segment {
        Segment::Text(text.to_owned())
    }

    #[test]
    fn web_addresses_become_links_and_punctuation_stays_outside() {
        assert_eq!(
            linkify("See https://shop.example/tents?size=2, or www.example.org."),
            vec![
                plain("See "),
                link("https://shop.example/tents?size=2", "https://shop.example/tents?size=2"),
                plain(", or "),
                link("www.example.org", "https://www.example.org"),
                plain("."),
            ]
        );
        assert_eq!(
            linkify("(see http://a.example/x_(y))"),
            vec![plain("(see "), link("http://a.example/x_(y)", "http://a.example/x_(y)"), plain(")")]
        );
        assert_eq!(linkify("HTTPS://CAPS.example"), vec![link("HTTPS://CAPS.example", "HTTPS://CAPS.example")]);
    }

    #[test]
    fn other_schemes_and_lookalikes_stay_text() {
        for text in ["javascript:alert(1)", "data:text/html,hi", "xhttps://a.example", "http://", "mailto:a@b.example"] {
            assert_eq!(linkify(text), vec![plain(text)], "{text}");
        }
        assert_eq!(linkify(""), vec![]);
        assert_eq!(linkify("żółw https://ż.example ok"), vec![plain("żółw "), link("https://ż.example", "https://ż.example"), plain(" ok")]);
        assert_eq!(
            linkify("<https://a.example>\"x"),
            vec![plain("<"), link("https://a.example", "https://a.example"), plain(">\"x")]
        );
    }

    #[test]
    fn stamps_move_into_local_time_across_days_and_years() {
        let at = local_time("2026-11-22T06:19:57.123456Z", 0).unwrap();
        assert_eq!((at.day, at.clock()), (Day { year: 2026, month: 11, day: 22 }, "06:19".to_owned()));
        let at = local_time("2026-11-22T06:19:57Z", -7 * 60).unwrap();
        assert_eq!((at.day, at.clock()), (Day { year: 2026, month: 11, day: 21 }, "23:19".to_owned()));
        let at = local_time("2026-12-31T23:30:00Z", 60).unwrap();
        assert_eq!((at.day, at.clock()), (Day { year: 2027, month: 1, day: 1 }, "00:30".to_owned()));
        let at = local_time("2024-02-28T23:00:00Z", 120).unwrap();
        assert_eq!(at.day, Day { year: 2024, month: 2, day: 29 });
        assert_eq!(local_time("yesterday", 0), None);
        assert_eq!(local_time("2026-13-01T00:00:00Z", 0), None);
    }

    #[test]
    fn days_are_named_relative_to_today() {
        let today = Day { year: 2027, month: 1, day: 1 };
        assert_eq!(day_label(today, today), DayLabel::Today);
        assert_eq!(day_label(Day { year: 2026, month: 12, day: 31 }, today), DayLabel::Yesterday);
        let older = Day { year: 2026, month: 12, day: 30 };
        assert_eq!(day_label(older, today), DayLabel::Date(older));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(file_size(812), "812 B");
        assert_eq!(file_size(4300), "4.2 KB");
        assert_eq!(file_size(3_250_000), "3.1 MB");
    }
}
