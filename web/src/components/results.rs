//! A campaign's results drawn as inline SVG (no chart library in the bundle): the funnel from
//! sent to replied with failures beside it, sends per minute, and the failures by provider
//! error code with what each means and what Herald does about it.

use herald_api::{CampaignResults, FunnelView, MinuteCountView};
use leptos::prelude::*;

use crate::time::time_label;

/// Width of the charts' drawing, in SVG units (they scale to their box): about a phone's width,
/// so that the labels read at their size there.
const CHART_WIDTH: i64 = 400;
/// The widest a minute's column gets, so that a few minutes do not read as a wall.
const MINUTE_MAX_WIDTH: i64 = 24;
/// Height of one funnel bar and the gap under it.
const BAR_HEIGHT: i64 = 28;
const BAR_GAP: i64 = 8;
/// Where the funnel's bars start: the labels sit left of it.
const LABEL_WIDTH: i64 = 90;
/// Height of the sends-per-minute chart.
const PACE_HEIGHT: i64 = 120;

/// The funnel's stages in order, with their class (colour).
fn stages(funnel: &FunnelView) -> [(&'static str, i64, &'static str); 5] {
    [
        ("Sent", funnel.sent, "stage-sent"),
        ("Delivered", funnel.delivered, "stage-delivered"),
        ("Read", funnel.read, "stage-read"),
        ("Replied", funnel.replied, "stage-replied"),
        ("Failed", funnel.failed, "stage-failed"),
    ]
}

/// `part` as a whole percentage of `whole` (0 when there is no whole).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// A bar's length for `value` out of `largest`, over `span` units; at least 2 units when the
/// value is not zero, so a small stage is still seen.
pub fn bar_length(value: i64, largest: i64, span: i64) -> i64 {
    if value <= 0 || largest <= 0 {
        0
    } else {
        (value * span / largest).max(2)
    }
}

/// The results of one campaign.
#[component]
pub fn Results(results: CampaignResults) -> impl IntoView {
    view! {
        <div class="results" data-testid="campaign-results">
            <h4>"Funnel"</h4>
            {funnel_chart(results.funnel)}
            <h4>"Sends per minute"</h4>
            {pace_chart(results.per_minute)}
            <h4>"Failures by error code"</h4>
            {if results.failures.is_empty() {
                view! { <p class="muted">"No failures."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll"><table class="table" data-testid="failures">
                        <thead><tr><th>"Code"</th><th>"Contacts"</th><th>"Meaning"</th><th>"What Herald does"</th></tr></thead>
                        <tbody>{results.failures.into_iter().map(|failure| view! {
                            <tr>
                                <td>{failure.code.map_or_else(|| "—".to_owned(), |code| code.to_string())}</td>
                                <td>{failure.count}</td>
                                <td>{failure.meaning}</td>
                                <td>{failure.handling}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
        </div>
    }
}

fn funnel_chart(funnel: FunnelView) -> impl IntoView {
    let stages = stages(&funnel);
    let largest = stages.iter().map(|(_, value, _)| *value).max().unwrap_or(0);
    let span = CHART_WIDTH - LABEL_WIDTH - 90;
    let height = (BAR_HEIGHT + BAR_GAP) * 5;
    let summary = stages
        .iter()
        .map(|(label, value, _)| format!("{label} {value}"))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <svg class="chart funnel" role="img" aria-label=format!("Funnel: {summary}")
            viewBox=format!("0 0 {CHART_WIDTH} {height}") data-testid="funnel">
            {stages.into_iter().enumerate().map(|(index, (label, value, class))| {
                let top = i64::try_from(index).unwrap_or(0) * (BAR_HEIGHT + BAR_GAP);
                let length = bar_length(value, largest, span);
                let share = if label == "Sent" || label == "Failed" {
                    String::new()
                } else {
                    format!(" ({}%)", percent(value, funnel.sent))
                };
                view! {
                    <g data-stage=label data-count=value>
                        <text x="0" y=top + BAR_HEIGHT * 2 / 3>{label}</text>
                        <rect class=class x=LABEL_WIDTH y=top width=length height=BAR_HEIGHT rx="3" />
                        <text x=LABEL_WIDTH + length + 6 y=top + BAR_HEIGHT * 2 / 3>{format!("{value}{share}")}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

fn pace_chart(minutes: Vec<MinuteCountView>) -> impl IntoView {
    if minutes.is_empty() {
        return view! { <p class="muted">"Nothing sent yet."</p> }.into_any();
    }
    let largest = minutes.iter().map(|minute| minute.sent).max().unwrap_or(0);
    let count = i64::try_from(minutes.len()).unwrap_or(1);
    let slot = (CHART_WIDTH / count.max(1)).min(MINUTE_MAX_WIDTH);
    let first = minutes.first().map_or(0, |minute| minute.minute_ms);
    let last = minutes.last().map_or(0, |minute| minute.minute_ms);
    let busiest = format!("busiest minute: {largest}");
    view! {
        <svg class="chart pace" role="img"
            aria-label=format!("Sends per minute from {} to {}, {busiest}", time_label(first), time_label(last))
            viewBox=format!("0 0 {CHART_WIDTH} {}", PACE_HEIGHT + 20) data-testid="per-minute">
            {minutes.into_iter().enumerate().map(|(index, minute)| {
                let height = bar_length(minute.sent, largest, PACE_HEIGHT);
                let left = i64::try_from(index).unwrap_or(0) * slot;
                view! {
                    <rect class="stage-sent" x=left + 1 y=PACE_HEIGHT - height width=(slot - 2).max(1) height=height>
                        <title>{format!("{}: {} sent", time_label(minute.minute_ms), minute.sent)}</title>
                    </rect>
                }
            }).collect_view()}
            <text x="0" y=PACE_HEIGHT + 16>{time_label(first)}</text>
            <text x=CHART_WIDTH y=PACE_HEIGHT + 16 text-anchor="end">{format!("{} · {busiest}", time_label(last))}</text>
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_whole_percents_and_survive_an_empty_campaign() {
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(5, 0), 0);
    }

    #[test]
    fn a_small_stage_keeps_a_visible_bar_and_an_empty_one_none() {
        assert_eq!(bar_length(1, 10_000, 400), 2);
        assert_eq!(bar_length(0, 10, 400), 0);
        assert_eq!(bar_length(10, 10, 400), 400);
        assert_eq!(bar_length(5, 0, 400), 0);
    }
}
