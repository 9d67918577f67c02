//! Reports as the agent app shows them, without IO: durations in words, the geometry of
//! the SVG bar charts, and the CSV export (with visitors' comments made safe for
//! spreadsheets).

use protocol::Report;

/// A duration for people: `45 s`, `2 min 5 s`, `1 h 3 min`; a dash when nothing was measured.
pub fn duration_text(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds else { return "–".to_owned() };
    let whole = seconds.round() as u64;
    match whole {
        0..60 => format!("{whole} s"),
        60..3600 if whole % 60 == 0 => format!("{} min", whole / 60),
        60..3600 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, whole % 3600 / 60),
    }
}

/// The share of good ratings, in whole percent; `None` without ratings.
pub fn good_share(report: &Report) -> Option<u64> {
    let rated = report.rated_good + report.rated_bad;
    (rated > 0).then(|| (report.rated_good * 100 + rated / 2) / rated)
}

/// One bar of a chart, in the chart's own units (the SVG's viewBox).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height (0 for a zero value).
    pub height: f64,
    /// The value it stands for.
    pub value: u64,
    /// Its label (a day, an hour).
    pub label: String,
}

/// Bars for `values` side by side across `width`, the tallest `height` high, with a gap of a
/// fifth of a slot between them.
pub fn bars(values: &[(String, u64)], width: f64, height: f64) -> Vec<Bar> {
    let top = values.iter().map(|(_, value)| *value).max().unwrap_or(0).max(1) as f64;
    let slot = width / values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(index, (label, value))| {
            let bar_height = *value as f64 / top * height;
            Bar { x: index as f64 * slot + slot * 0.1, y: height - bar_height, width: slot * 0.8, height: bar_height, value: *value, label: label.clone() }
        })
        .collect()
}

/// One CSV field: quoted when it holds a comma, quote or line break; text a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a `'`
/// before it, since comments are the visitors' words.
fn field(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

fn seconds(value: Option<f64>) -> String {
    value.map(|seconds| format!("{seconds:.0}")).unwrap_or_default()
}

/// The report as CSV: the figures, then the days, the hours and the comments, each a table
/// of its own after a blank line.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("figure,value\n");
    let figures = [
        ("from", report.from.clone()),
        ("to", report.to.clone()),
        ("chats", report.chats.to_string()),
        ("answered", report.answered.to_string()),
        ("missed", report.missed.to_string()),
        ("first_response_median_seconds", seconds(report.first_response.median_seconds)),
        ("first_response_p90_seconds", seconds(report.first_response.p90_seconds)),
        ("duration_median_seconds", seconds(report.duration.median_seconds)),
        ("duration_p90_seconds", seconds(report.duration.p90_seconds)),
        ("queued", report.queue_wait.count.to_string()),
        ("queue_wait_median_seconds", seconds(report.queue_wait.median_seconds)),
        ("queue_wait_p90_seconds", seconds(report.queue_wait.p90_seconds)),
        ("queue_abandoned", report.queue_abandoned.to_string()),
        ("rated_good", report.rated_good.to_string()),
        ("rated_bad", report.rated_bad.to_string()),
    ];
    for (name, value) in figures {
        out.push_str(&format!("{name},{}\n", field(&value)));
    }
    out.push_str("\nday,chats,missed\n");
    for day in &report.per_day {
        out.push_str(&format!("{},{},{}\n", day.day, day.chats, day.missed));
    }
    out.push_str("\nhour,chats\n");
    for (hour, chats) in report.per_hour.iter().enumerate() {
        out.push_str(&format!("{hour:02}:00,{chats}\n"));
    }
    out.push_str("\nrating,comment,chat_id,thread_id,started_at\n");
    for comment in &report.comments {
        let rating = if comment.score == 1 { "good" } else { "bad" };
        out.push_str(&format!("{rating},{},{},{},{}\n", field(&comment.comment), field(&comment.chat_id), field(&comment.thread_id), comment.started_at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{RatingComment, ReportDay, Spread};

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(None), "–");
        assert_eq!(duration_text(Some(44.6)), "45 s");
        assert_eq!(duration_text(Some(120.0)), "2 min");
        assert_eq!(duration_text(Some(125.0)), "2 min 5 s");
        assert_eq!(duration_text(Some(3780.0)), "1 h 3 min");
    }

    #[test]
    fn bars_fill_the_chart_in_proportion() {
        let values = vec![("a".to_owned(), 2), ("b".to_owned(), 0), ("c".to_owned(), 4)];
        let drawn = bars(&values, 300.0, 100.0);
        assert_eq!(drawn.len(), 3);
        assert_eq!((drawn[2].height, drawn[2].y), (100.0, 0.0), "the tallest fills the height");
        assert_eq!((drawn[0].height, drawn[0].y), (50.0, 50.0));
        assert_eq!(drawn[1].height, 0.0);
        assert_eq!((drawn[1].x, drawn[1].width), (110.0, 80.0));
        assert!(bars(&[("z".to_owned(), 0)], 10.0, 10.0)[0].height == 0.0, "all zeros draw nothing, without dividing by zero");
    }

    #[test]
    fn the_csv_has_every_table_and_defuses_formulas() {
        let report = Report {
            from: "2026-03-02".to_owned(),
            to: "2026-03-03".to_owned(),
            chats: 4,
            answered: 3,
            missed: 1,
            first_response: Spread { count: 3, median_seconds: Some(70.0), p90_seconds: Some(120.0) },
            rated_good: 1,
            rated_bad: 1,
            comments: vec![
                RatingComment { chat_id: "C".to_owned(), thread_id: "C-t".to_owned(), score: 0, comment: "=HYPERLINK(\"x\")".to_owned(), started_at: "2026-03-03T14:00:00.000000Z".to_owned() },
                RatingComment { chat_id: "A".to_owned(), thread_id: "A-t".to_owned(), score: 1, comment: "Great, thanks".to_owned(), started_at: "2026-03-02T09:00:00.000000Z".to_owned() },
            ],
            per_day: vec![ReportDay { day: "2026-03-02".to_owned(), chats: 2, missed: 1 }],
            per_hour: vec![0; 24],
            ..Report::default()
        };
        let text = csv(&report);
        assert!(text.starts_with("figure,value\nfrom,2026-03-02\nto,2026-03-03\nchats,4\nanswered,3\nmissed,1\nfirst_response_median_seconds,70\n"), "{text}");
        assert!(text.contains("duration_median_seconds,\n"), "an unmeasured spread is empty");
        assert!(text.contains("\nday,chats,missed\n2026-03-02,2,1\n"));
        assert!(text.contains("\nhour,chats\n00:00,0\n") && text.contains("23:00,0\n"));
        assert!(text.contains("bad,\"'=HYPERLINK(\"\"x\"\")\",C,C-t,"), "{text}");
        assert!(text.contains("good,\"Great, thanks\",A,A-t,"));
        assert_eq!(good_share(&report), Some(50));
        assert_eq!(good_share(&Report::default()), None);
    }
}
