//! `get_report` (owners and administrators): how the chat did over a range of days, per
//! group or agent. Storage gives one row of figures per thread (SQL over the stored
//! events, [`crate::db::ReportStore`]); this module turns them into counts, spreads
//! (median and 90th percentile, nearest rank) and the per-day and per-hour series, in the
//! asker's time zone.

use protocol::{GetReport, RatingComment, Report, ReportDay, Spread};
use time::{Date, Duration as Span};

use crate::actor::Actor;
use crate::db::reports::{QueueStay, ReportQuery, ThreadFigures};
use crate::errors::{not_found, validation, ApiResult};
use crate::{ids, App};

/// The longest range, in days.
const MAX_DAYS: i64 = 366;
/// The most comments a report lists.
const MAX_COMMENTS: usize = 100;
/// The widest UTC offset, in minutes (UTC+14).
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

fn day(text: &str, name: &str) -> ApiResult<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| validation(format!("{name} must be a day, YYYY-MM-DD")))
}

fn day_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The stored timestamp (UTC) of local midnight starting `date`.
fn midnight(date: Date, offset_minutes: i32) -> String {
    let utc = date.midnight().assume_utc() - Span::minutes(i64::from(offset_minutes));
    ids::format_micros(utc.unix_timestamp_nanos() / 1_000)
}

/// Seconds from `from` to `to` (stored timestamps), when both read and `to` is not earlier.
fn seconds_between(from: &str, to: &str) -> Option<f64> {
    let (from, to) = (ids::parse_micros(from)?, ids::parse_micros(to)?);
    (to >= from).then(|| (to - from) as f64 / 1e6)
}

/// The nearest-rank percentile `p` (0 to 1) of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

fn spread(mut values: Vec<f64>) -> Spread {
    values.sort_by(f64::total_cmp);
    Spread { count: values.len() as u64, median_seconds: percentile(&values, 0.5), p90_seconds: percentile(&values, 0.9) }
}

/// The local day and hour a stored timestamp falls in.
fn local(at: &str, offset_minutes: i32) -> Option<(Date, u8)> {
    let micros = ids::parse_micros(at)?;
    let moment = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()? + Span::minutes(i64::from(offset_minutes));
    Some((moment.date(), moment.hour()))
}

impl App {
    /// `get_report`.
    pub(crate) fn report(&self, actor: &Actor<'_>, request: GetReport) -> ApiResult<Report> {
        self.require_manager(actor.user_id())?;
        let (first, last) = (day(&request.from, "from")?, day(&request.to, "to")?);
        let days = (last - first).whole_days() + 1;
        if days < 1 {
            return Err(validation("to must not be before from"));
        }
        if days > MAX_DAYS {
            return Err(validation(format!("a report covers at most {MAX_DAYS} days")));
        }
        let offset = request.utc_offset_minutes;
        if offset.abs() > MAX_OFFSET_MINUTES {
            return Err(validation("utc_offset_minutes must be within ±840"));
        }
        if let Some(group_id) = request.group_id {
            self.directory().group(actor.license_id, group_id).ok_or_else(|| not_found("group"))?;
        }
        if let Some(agent_id) = &request.agent_id {
            self.directory().agent(agent_id).filter(|agent| agent.license_id == actor.license_id).ok_or_else(|| not_found("agent"))?;
        }
        let query = ReportQuery {
            license_id: actor.license_id,
            from: midnight(first, offset),
            until: midnight(last.next_day().unwrap_or(last), offset),
            group_id: request.group_id,
            agent_id: request.agent_id.clone(),
        };
        let threads = self.db.report_threads(&query)?;
        let stays = self.db.report_queue_stays(&query)?;
        Ok(figures(&request, first, days, &threads, &stays))
    }
}

/// The report from the stored figures.
fn figures(request: &GetReport, first: Date, days: i64, threads: &[ThreadFigures], stays: &[QueueStay]) -> Report {
    let offset = request.utc_offset_minutes;
    let mut per_day: Vec<ReportDay> = (0..days)
        .filter_map(|n| first.checked_add(Span::days(n)))
        .map(|date| ReportDay { day: day_text(date), chats: 0, missed: 0 })
        .collect();
    let mut per_hour = vec![0u64; 24];
    let mut report = Report { from: request.from.clone(), to: request.to.clone(), ..Report::default() };
    let (mut responses, mut durations) = (Vec::new(), Vec::new());
    for thread in threads {
        let missed = !thread.active && thread.first_agent_message.is_none();
        report.chats += 1;
        report.missed += u64::from(missed);
        if let Some((date, hour)) = local(&thread.started_at, offset) {
            per_hour[usize::from(hour)] += 1;
            if let Some(entry) = per_day.iter_mut().find(|entry| entry.day == day_text(date)) {
                entry.chats += 1;
                entry.missed += u64::from(missed);
            }
        }
        if let Some(answer) = &thread.first_agent_message {
            report.answered += 1;
            let asked = thread.first_visitor_message.as_deref().unwrap_or(&thread.started_at);
            // An agent who spoke first (a greeting) answered at once.
            responses.push(seconds_between(asked, answer).unwrap_or(0.0));
        }
        if let (false, Some(end)) = (thread.active, &thread.last_event) {
            durations.extend(seconds_between(&thread.started_at, end));
        }
        match thread.rating {
            Some(1) => report.rated_good += 1,
            Some(0) => report.rated_bad += 1,
            _ => {}
        }
        if let (Some(score @ (0 | 1)), Some(comment)) = (thread.rating, thread.comment.as_deref().map(str::trim)) {
            if !comment.is_empty() {
                report.comments.push(RatingComment {
                    chat_id: thread.chat_id.clone(),
                    thread_id: thread.thread_id.clone(),
                    score: score as u8,
                    comment: comment.to_owned(),
                    started_at: thread.started_at.clone(),
                });
            }
        }
    }
    report.comments.reverse();
    report.comments.truncate(MAX_COMMENTS);
    report.first_response = spread(responses);
    report.duration = spread(durations);
    report.queue_wait = spread(stays.iter().filter_map(|stay| seconds_between(&stay.queued_at, &stay.left_at)).collect());
    report.queue_abandoned = stays.iter().filter(|stay| !stay.answered).count() as u64;
    report.per_day = per_day;
    report.per_hour = per_hour;
    report
}

#[cfg(test)]
mod tests;
