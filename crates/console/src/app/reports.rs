//! The reports dialog (owners and administrators): a range of days (the last seven to
//! begin with), a group or an agent, then the figures, two bar charts drawn as SVG
//! (chats per day with the missed ones, chats per hour of the day), the visitors'
//! comments, and the whole report as a CSV download.

use leptos::prelude::*;
use protocol::{GetReport, Report};

use super::Handle;
use crate::report::{bars, csv, duration_text, good_share};
use crate::session::Intent;

/// A day as `YYYY-MM-DD`, `days_ago` days before today, in the browser's time zone.
fn local_day(days_ago: f64) -> String {
    let date = js_sys::Date::new_0();
    // From noon, whole days back land on the right date across a change of clocks.
    date.set_hours(12);
    date.set_time(date.get_time() - days_ago * 86_400_000.0);
    format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date())
}

/// The browser's offset from UTC in minutes (east positive).
fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

const CHART_WIDTH: f64 = 600.0;
const CHART_HEIGHT: f64 = 140.0;

/// A bar chart of `values` (label, value), with `overlay` (the missed chats, say) drawn
/// over the same slots, and a text summary for screen readers.
#[component]
fn BarChart(title: &'static str, values: Vec<(String, u64)>, overlay: Option<Vec<(String, u64)>>, test_id: &'static str) -> impl IntoView {
    let summary = format!(
        "{title}: {}",
        values.iter().filter(|(_, value)| *value > 0).map(|(label, value)| format!("{label} {value}")).collect::<Vec<_>>().join(", ")
    );
    let summary = if values.iter().all(|(_, value)| *value == 0) { format!("{title}: none") } else { summary };
    let top = values.iter().map(|(_, value)| *value).max().unwrap_or(0);
    let drawn = bars(&values, CHART_WIDTH, CHART_HEIGHT);
    // The overlay shares the main chart's scale, so a missed bar is a part of its day's.
    let overlay = overlay.map(|overlay| {
        let scale = top.max(1) as f64;
        drawn
            .iter()
            .zip(overlay)
            .map(|(bar, (label, value))| {
                let height = value as f64 / scale * CHART_HEIGHT;
                (bar.x, CHART_HEIGHT - height, bar.width, height, value, label)
            })
            .collect::<Vec<_>>()
    });
    let first = values.first().map(|(label, _)| label.clone()).unwrap_or_default();
    let last = values.last().map(|(label, _)| label.clone()).unwrap_or_default();
    view! {
        <figure class="chart" data-testid=test_id>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}") role="img" aria-label=summary preserveAspectRatio="none">
                {drawn.into_iter().map(|bar| view! {
                    <rect class="chart__bar" x=bar.x y=bar.y width=bar.width height=bar.height data-value=bar.value>
                        <title>{format!("{}: {}", bar.label, bar.value)}</title>
                    </rect>
                }).collect_view()}
                {overlay.into_iter().flatten().map(|(x, y, width, height, value, label)| view! {
                    <rect class="chart__bar chart__bar--missed" x=x y=y width=width height=height data-value=value>
                        <title>{format!("{label}: {value} missed")}</title>
                    </rect>
                }).collect_view()}
            </svg>
            // Outside the SVG, which stretches to its box: text inside would stretch too.
            <div class="chart__axis" aria-hidden="true"><span>{first}</span><span>{last}</span></div>
            <p class="chart__scale">{format!("Tallest bar: {top}")}</p>
        </figure>
    }
}

/// The figures and charts of a report.
#[component]
fn Figures(report: Report) -> impl IntoView {
    let spread = |spread: &protocol::Spread| {
        format!("{} median, {} at the 90th percentile", duration_text(spread.median_seconds), duration_text(spread.p90_seconds))
    };
    let ratings = match good_share(&report) {
        Some(share) => format!("{share}% good ({} good, {} bad)", report.rated_good, report.rated_bad),
        None => "No ratings".to_owned(),
    };
    let queue = format!("{} ({} waited, {} left unanswered)", spread(&report.queue_wait), report.queue_wait.count, report.queue_abandoned);
    let per_day: Vec<(String, u64)> = report.per_day.iter().map(|day| (day.day.clone(), day.chats)).collect();
    let missed: Vec<(String, u64)> = report.per_day.iter().map(|day| (day.day.clone(), day.missed)).collect();
    let per_hour: Vec<(String, u64)> = report.per_hour.iter().enumerate().map(|(hour, chats)| (format!("{hour:02}:00"), *chats)).collect();
    let download = format!("data:text/csv;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&csv(&report))));
    let file_name = format!("chat-report-{}-to-{}.csv", report.from, report.to);
    view! {
        <dl class="report__figures" data-testid="agent-report-figures">
            <div><dt>"Chats"</dt><dd data-testid="agent-report-chats">{report.chats}</dd></div>
            <div><dt>"Answered"</dt><dd data-testid="agent-report-answered">{report.answered}</dd></div>
            <div><dt>"Missed"</dt><dd data-testid="agent-report-missed">{report.missed}</dd></div>
            <div><dt>"First response"</dt><dd data-testid="agent-report-first-response">{spread(&report.first_response)}</dd></div>
            <div><dt>"Chat duration"</dt><dd data-testid="agent-report-duration">{spread(&report.duration)}</dd></div>
            <div><dt>"Queue wait"</dt><dd data-testid="agent-report-queue">{queue}</dd></div>
            <div><dt>"Ratings"</dt><dd data-testid="agent-report-ratings">{ratings}</dd></div>
        </dl>
        <div class="report__charts">
            <BarChart title="Chats per day (missed in red)" values=per_day overlay=Some(missed) test_id="agent-report-per-day"/>
            <BarChart title="Chats by hour of the day" values=per_hour overlay=None test_id="agent-report-per-hour"/>
        </div>
        <h3>"What visitors wrote with their rating"</h3>
        {if report.comments.is_empty() {
            view! { <p data-testid="agent-report-no-comments">"No comments in this range."</p> }.into_any()
        } else {
            view! {
                <ul class="report__comments" data-testid="agent-report-comments">
                    {report.comments.iter().map(|comment| view! {
                        <li data-score=comment.score>
                            <strong>{if comment.score == 1 { "Good" } else { "Bad" }}</strong>
                            ": " {comment.comment.clone()} " "
                            <small>{comment.started_at.get(..10).unwrap_or_default().to_owned()}</small>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <p><a href=download download=file_name data-testid="agent-report-csv">"Download as CSV"</a></p>
    }
}

/// The dialog; it asks for the last seven days when it opens.
#[component]
pub fn ReportsDialog(open: RwSignal<bool>) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let from = RwSignal::new(local_day(6.0));
    let to = RwSignal::new(local_day(0.0));
    let group = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let ask = move || {
        let request = GetReport {
            from: from.get_untracked(),
            to: to.get_untracked(),
            group_id: group.get_untracked().parse().ok(),
            agent_id: Some(agent.get_untracked()).filter(|agent| !agent.is_empty()),
            utc_offset_minutes: utc_offset_minutes(),
        };
        handle.send(Intent::Report(request));
    };
    let close = move || {
        open.set(false);
        super::focus("[data-testid=agent-reports]");
    };
    Effect::new(move |_| {
        if open.get() {
            ask();
            gloo_timers::callback::Timeout::new(0, || super::focus("[data-testid=agent-report-from]")).forget();
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        ask();
    };
    view! {
        <Show when=move || open.get()>
            <div class="dialog dialog--wide" role="dialog" aria-modal="true" aria-labelledby="reports-heading" data-testid="agent-reports-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
                <h2 id="reports-heading">"Reports"</h2>
                <form class="report__range" on:submit=submit data-testid="agent-report-form">
                    <label>"From"
                        <input type="date" required=true data-testid="agent-report-from" prop:value=move || from.get() on:change=move |event| from.set(event_target_value(&event))/>
                    </label>
                    <label>"To"
                        <input type="date" required=true data-testid="agent-report-to" prop:value=move || to.get() on:change=move |event| to.set(event_target_value(&event))/>
                    </label>
                    <label>"Group"
                        <select data-testid="agent-report-group" on:change=move |event| group.set(event_target_value(&event))>
                            <option value="">"All groups"</option>
                            {move || desk.with(|desk| desk.groups.iter().map(|group| view! { <option value=group.id.to_string()>{group.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <label>"Agent"
                        <select data-testid="agent-report-agent" on:change=move |event| agent.set(event_target_value(&event))>
                            <option value="">"All agents"</option>
                            {move || desk.with(|desk| desk.agents.iter().map(|agent| view! { <option value=agent.id.clone()>{agent.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <button type="submit">"Show"</button>
                </form>
                <p role="status" class="report__status">{move || if desk.with(|desk| desk.report_pending) { "Counting…" } else { "" }}</p>
                {move || desk.with(|desk| desk.report.clone()).map(|report| view! { <Figures report/> })}
                <div class="dialog__actions"><button type="button" on:click=move |_| close()>"Close"</button></div>
            </div>
        </Show>
    }
}
