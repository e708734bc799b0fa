//! Campaigns: create (only APPROVED templates with a complete mapping), edit, list by account,
//! show with the hopper's counts and the messaging-limit warning, the menu's actions (Add
//! List, Stop, Start Retry Campaign, Reset List, Delete), the hopper's rows and a dry run.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use herald_api::{
    AttachList, CampaignProgress, CampaignResults, CampaignView, DryRun, FailureView, FunnelView,
    HopperCountsView, HopperRowView, MinuteCountView, NewCampaign, OutcomeCountView, ResetList,
};
use herald_contacts::export::SafeCsvWriter;
use herald_domain::{
    CampaignSettings, CampaignStatus, HopperState, Outcome, classify_error, error_meaning,
};
use herald_store::{CampaignRecord, HopperCounts, HopperFilter, HopperRecord};
use serde::Deserialize;

use crate::campaigns::admin::{self, load};
use crate::campaigns::dry_run;
use crate::error::Result;
use crate::http::contacts::{PAGE_DEFAULT, PAGE_MAX};
use crate::http::download::{PageBuffer, csv_download};
use crate::http::json::AppJson;
use crate::http::page_limit;
use crate::state::AppState;

/// How often live progress looks for changes.
const PROGRESS_PERIOD: std::time::Duration = std::time::Duration::from_millis(500);
/// Most changed rows one progress event carries.
const PROGRESS_RECENT: i64 = 50;
/// How many outcome-and-reason groups a campaign's results carry.
const OUTCOME_GROUPS: i64 = 10;

async fn view(state: &AppState, campaign: CampaignRecord) -> Result<CampaignView> {
    let counts = state.store.hopper_counts(campaign.id).await?;
    let to_send = u64::try_from(counts.fresh + counts.retry).unwrap_or(0);
    Ok(CampaignView {
        id: campaign.id,
        account_id: campaign.account_id,
        warning: admin::limit_warning(state, campaign.account_id, to_send).await?,
        settings: campaign.settings,
        status: campaign.status,
        status_reason: campaign.status_reason,
        list_ids: campaign.list_ids,
        counts: counts_view(counts),
        outcomes: state
            .store
            .outcome_counts(campaign.id, OUTCOME_GROUPS)
            .await?
            .into_iter()
            .map(|count| OutcomeCountView {
                outcome: count.outcome,
                reason: count.reason,
                count: count.count,
            })
            .collect(),
    })
}

fn counts_view(counts: HopperCounts) -> HopperCountsView {
    HopperCountsView {
        total: counts.total,
        fresh: counts.fresh,
        retry: counts.retry,
        in_doubt: counts.in_doubt,
        pending: counts.pending,
        closed: counts.closed,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CampaignQuery {
    account_id: Option<i64>,
}

/// `GET /api/v1/campaigns?account_id=`.
pub(crate) async fn list_campaigns(
    State(state): State<AppState>,
    Query(query): Query<CampaignQuery>,
) -> Result<Json<Vec<CampaignView>>> {
    let mut views = Vec::new();
    for campaign in state.store.campaigns(query.account_id).await? {
        views.push(view(&state, campaign).await?);
    }
    Ok(Json(views))
}

/// `POST /api/v1/accounts/{id}/campaigns`: scheduled, or running at once when it has no start
/// date or one in the past.
pub(crate) async fn create_campaign(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    AppJson(request): AppJson<NewCampaign>,
) -> Result<(StatusCode, Json<CampaignView>)> {
    let id = admin::create(&state, account_id, &request.settings, &request.list_ids).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, load(&state, id).await?).await?),
    ))
}

/// `GET /api/v1/campaigns/{id}`.
pub(crate) async fn show_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// How many minutes of sends the results chart.
const RESULT_MINUTES: i64 = 60;
/// How many error codes the results list.
const RESULT_FAILURE_CODES: i64 = 20;

/// `GET /api/v1/campaigns/{id}/results`.
pub(crate) async fn show_results(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignResults>> {
    let campaign = load(&state, id).await?;
    let store = &state.store;
    let funnel = store.funnel(campaign.id).await?;
    let per_minute = store.sends_per_minute(campaign.id, RESULT_MINUTES).await?;
    let failures = store
        .failure_counts(campaign.id, RESULT_FAILURE_CODES)
        .await?;
    Ok(Json(CampaignResults {
        funnel: FunnelView {
            sent: funnel.sent,
            delivered: funnel.delivered,
            read: funnel.read,
            replied: funnel.replied,
            failed: funnel.failed,
        },
        per_minute: per_minute
            .into_iter()
            .map(|minute| MinuteCountView {
                minute_ms: minute.minute_ms,
                sent: minute.sent,
            })
            .collect(),
        failures: failures
            .into_iter()
            .map(|failure| FailureView {
                code: failure.code,
                count: failure.count,
                meaning: failure
                    .code
                    .map_or("No error code: a timeout or a dropped connection", |code| {
                        error_meaning(code).unwrap_or("A code Herald's table does not list")
                    })
                    .to_owned(),
                handling: classify_error(failure.code, None).handling().to_owned(),
            })
            .collect(),
    }))
}

/// `PUT /api/v1/campaigns/{id}`: every setting; the template only while nothing was sent.
pub(crate) async fn update_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(settings): AppJson<CampaignSettings>,
) -> Result<Json<CampaignView>> {
    admin::update(&state, id, &settings).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/lists` (Add List).
pub(crate) async fn attach_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<AttachList>,
) -> Result<Json<CampaignView>> {
    admin::add_list(&state, id, request.list_id).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/stop`.
pub(crate) async fn stop_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    admin::stop(&state, id).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/retry` (Start Retry Campaign): the retry contacts are sent
/// again, and the campaign runs.
pub(crate) async fn retry_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    admin::retry(&state, id).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/resend-in-doubt`: the contacts whose send may have reached the
/// provider, and whose webhook has not come within the reconciliation window (a lease), are
/// sent again, knowingly (`{"confirm": true}`: some may get the message twice), and the
/// campaign runs.
pub(crate) async fn resend_in_doubt(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<ResetList>,
) -> Result<Json<CampaignView>> {
    admin::resend_in_doubt(&state, id, request.confirm).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/reset` (Reset List): "all previously contacted recipients will
/// receive the campaign again", so `{"confirm": true}` is required.
pub(crate) async fn reset_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<ResetList>,
) -> Result<Json<CampaignView>> {
    admin::reset(&state, id, request.confirm).await?;
    Ok(Json(view(&state, load(&state, id).await?).await?))
}

/// `DELETE /api/v1/campaigns/{id}`.
pub(crate) async fn delete_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    admin::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(crate) struct HopperQuery {
    state: Option<HopperState>,
    outcome: Option<Outcome>,
    after: Option<i64>,
    limit: Option<i64>,
}

fn row_view(row: HopperRecord) -> HopperRowView {
    HopperRowView {
        id: row.id,
        contact_id: row.contact_id,
        phone: row.phone,
        state: row.state,
        attempt: row.attempt,
        outcome: row.outcome,
        reason: row.reason,
        error_code: row.error_code,
        message_id: row.message_id,
        sent_at: row.sent_at,
        delivered_at: row.delivered_at,
        closed_at: row.closed_at,
        answer: row.answer,
    }
}

/// `GET /api/v1/campaigns/{id}/hopper?state=&outcome=&after=&limit=` (the Pending and Contacts
/// History tabs: `state=pending`, `state=closed`, the history filtered by `outcome`).
pub(crate) async fn hopper_rows(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<HopperQuery>,
) -> Result<Json<Vec<HopperRowView>>> {
    load(&state, id).await?;
    let rows = state
        .store
        .hopper_rows(
            id,
            &HopperFilter {
                state: query.state,
                outcome: query.outcome,
            },
            query.after.unwrap_or(0),
            page_limit(query.limit, PAGE_DEFAULT, PAGE_MAX)?,
        )
        .await?;
    Ok(Json(rows.into_iter().map(row_view).collect()))
}

/// The columns of a campaign's history export.
const HISTORY_COLUMNS: [&str; 10] = [
    "phone",
    "state",
    "outcome",
    "reason",
    "error_code",
    "answer",
    "attempts",
    "sent_at",
    "delivered_at",
    "closed_at",
];

#[derive(Debug, Deserialize)]
pub(crate) struct HistoryQuery {
    outcome: Option<Outcome>,
}

/// `GET /api/v1/campaigns/{id}/history.csv?outcome=`: the Contacts History (closed contacts,
/// one outcome's when given) as CSV, formula-safe, times in Unix milliseconds.
pub(crate) async fn export_history(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<HistoryQuery>,
) -> Result<impl IntoResponse> {
    let campaign = load(&state, id).await?;
    let buffer = PageBuffer::default();
    let mut writer = SafeCsvWriter::new(buffer.clone(), HISTORY_COLUMNS)
        .map_err(|error| anyhow::anyhow!("cannot write the export: {error}"))?;
    let filter = HopperFilter {
        state: Some(HopperState::Closed),
        outcome: query.outcome,
    };
    let name = format!("{} history", campaign.settings.name);
    Ok(csv_download(&name, move |pages| async move {
        let mut after = 0;
        loop {
            let page = match state.store.hopper_rows(id, &filter, after, PAGE_MAX).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(campaign = id, %error, "an export stopped");
                    pages
                        .send(Err(std::io::Error::other(error.to_string())))
                        .await;
                    return;
                }
            };
            let Some(last) = page.last() else { break };
            after = last.id;
            let written = page
                .iter()
                .try_for_each(|row| {
                    let number = |value: Option<i64>| value.map(|value| value.to_string());
                    let cells = [
                        Some(row.phone.clone()),
                        Some(row.state.to_string()),
                        row.outcome.map(|outcome| outcome.to_string()),
                        row.reason.clone(),
                        number(row.error_code),
                        row.answer.clone(),
                        Some(row.attempt.to_string()),
                        number(row.sent_at),
                        number(row.delivered_at),
                        number(row.closed_at),
                    ];
                    writer
                        .write_row(cells.iter().map(|cell| cell.as_deref().unwrap_or("")))
                        .map_err(std::io::Error::other)
                })
                .and_then(|()| writer.flush());
            if !pages.send(written.map(|()| buffer.take())).await {
                return;
            }
        }
        let _ = writer.finish();
        pages.send(Ok(buffer.take())).await;
    }))
}

/// `GET /api/v1/campaigns/{id}/dry-run`: for the contacts not yet sent (the first 1,000).
pub(crate) async fn dry_run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<DryRun>> {
    Ok(Json(dry_run::of_campaign(&state, id).await?))
}

/// `POST /api/v1/accounts/{id}/campaigns/dry-run`: the same before the campaign exists.
pub(crate) async fn dry_run_draft(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    AppJson(draft): AppJson<NewCampaign>,
) -> Result<Json<DryRun>> {
    Ok(Json(dry_run::of_draft(&state, account_id, &draft).await?))
}

/// The campaign's progress now, with the rows changed after `since`; and the latest change seen.
async fn progress(state: &AppState, id: i64, since: i64) -> Result<(CampaignProgress, i64)> {
    let campaign = load(state, id).await?;
    let counts = state.store.hopper_counts(id).await?;
    let recent = state
        .store
        .hopper_changes(id, since, PROGRESS_RECENT)
        .await?;
    let latest = recent.first().map_or(since, |row| row.updated_at);
    Ok((
        CampaignProgress {
            status: campaign.status,
            status_reason: campaign.status_reason,
            counts: counts_view(counts),
            recent: recent.into_iter().map(row_view).collect(),
        },
        latest,
    ))
}

/// `GET /api/v1/campaigns/{id}/events`: live progress as server-sent events named `progress`:
/// one at once, then one whenever the status or counts change or rows change (looked for every
/// half second); the stream ends when the campaign is deleted or the relay stops (the browser's
/// `EventSource` reconnects by itself).
pub(crate) async fn campaign_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<
    axum::response::sse::Sse<
        impl futures_util::Stream<
            Item = std::result::Result<axum::response::sse::Event, std::convert::Infallible>,
        >,
    >,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use std::convert::Infallible;
    load(&state, id).await?;
    struct Cursor {
        state: AppState,
        since: i64,
        last: (CampaignStatus, HopperCountsView),
    }
    let to_event = |progress: &CampaignProgress| {
        Event::default()
            .event("progress")
            .json_data(progress)
            .unwrap_or_else(|_| Event::default().event("progress"))
    };
    // The first event is the campaign as it stands when the request came, not when the client
    // first reads the stream.
    let (first, latest) = progress(&state, id, i64::MIN).await?;
    let start = Cursor {
        state,
        since: latest,
        last: (first.status, first.counts),
    };
    let changes = futures_util::stream::unfold(start, move |mut cursor| async move {
        loop {
            tokio::select! {
                () = cursor.state.stopping.cancelled() => return None,
                () = tokio::time::sleep(PROGRESS_PERIOD) => {}
            }
            let Ok((progress, latest)) = progress(&cursor.state, id, cursor.since).await else {
                return None;
            };
            let summary = (progress.status, progress.counts);
            if cursor.last == summary && progress.recent.is_empty() {
                continue;
            }
            cursor.last = summary;
            cursor.since = latest;
            return Some((Ok::<_, Infallible>(to_event(&progress)), cursor));
        }
    });
    let events = futures_util::StreamExt::chain(
        futures_util::stream::once(std::future::ready(Ok(to_event(&first)))),
        changes,
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
