//! Campaigns: create (only APPROVED templates with a complete mapping), edit, list by account,
//! show with the hopper's counts and the messaging-limit warning, the menu's actions (Add
//! List, Stop, Start Retry Campaign, Reset List, Delete), the hopper's rows and a dry run.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use herald_api::{
    AttachList, CampaignProgress, CampaignView, DryRun, DryRunMessage, DryRunSkip,
    HopperCountsView, HopperRowView, NewCampaign, ResetList,
};
use herald_domain::{
    AUTOMATIC_RETRIES, CampaignEvent, CampaignSettings, CampaignStatus, DAY_MS, HopperState,
    tier_warning,
};
use herald_store::{CampaignRecord, HopperCounts, HopperRecord, StoreError};
use herald_templates::sending_gaps;
use serde::Deserialize;

use crate::accounts::open_account;
use crate::campaigns::{Admission, admit, batch_facts};
use crate::error::{AppError, Result};
use crate::http::contacts::{PAGE_DEFAULT, PAGE_MAX, load_list};
use crate::http::json::AppJson;
use crate::http::page_limit;
use crate::state::AppState;
use crate::templates::{load, parse_file};

/// How often live progress looks for changes.
const PROGRESS_PERIOD: std::time::Duration = std::time::Duration::from_millis(500);
/// Most changed rows one progress event carries.
const PROGRESS_RECENT: i64 = 50;
/// Most contacts a dry run looks at.
const DRY_RUN_MAX: i64 = 1_000;

async fn load_campaign(state: &AppState, id: i64) -> Result<CampaignRecord> {
    state.store.campaign(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("campaign"),
        other => other.into(),
    })
}

async fn view(state: &AppState, campaign: CampaignRecord) -> Result<CampaignView> {
    let counts = state.store.hopper_counts(campaign.id).await?;
    let account = open_account(state, campaign.account_id).await?;
    let limit = account.settings.messaging_limit;
    let sent = match limit {
        Some(_) => {
            state
                .store
                .templates_sent_since(campaign.account_id, state.clock.now_ms() - DAY_MS)
                .await?
        }
        None => 0,
    };
    let to_send = u64::try_from(counts.fresh + counts.retry).unwrap_or(0);
    Ok(CampaignView {
        id: campaign.id,
        account_id: campaign.account_id,
        warning: tier_warning(limit, u64::try_from(sent).unwrap_or(0), to_send),
        settings: campaign.settings,
        status: campaign.status,
        status_reason: campaign.status_reason,
        list_ids: campaign.list_ids,
        counts: counts_view(counts),
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

/// Checks the settings and the template: approved, of this account, mapping complete.
async fn checked_settings(
    state: &AppState,
    account_id: i64,
    settings: &CampaignSettings,
) -> Result<()> {
    settings
        .check()
        .map_err(|error| AppError::invalid("invalid_setting", error.field, error.message))?;
    let record = load(state, settings.template_id).await.map_err(|_| {
        AppError::invalid(
            "template_not_found",
            "template_id",
            "no template has that id",
        )
    })?;
    if record.account_id != account_id || record.deleted_at.is_some() {
        return Err(AppError::invalid(
            "template_not_found",
            "template_id",
            "the template is not one of this account's",
        ));
    }
    if !record.status.is_usable() {
        return Err(AppError::invalid(
            "template_not_approved",
            "template_id",
            format!(
                "only APPROVED templates can be sent; this one is {}",
                record.status
            ),
        ));
    }
    let template = parse_file(&record)?;
    if template.is_authentication() {
        return Err(AppError::invalid(
            "template_not_for_campaigns",
            "template_id",
            "an authentication template carries a one-time code to the one person who asked for it: send it to one contact at a time, not to a list",
        ));
    }
    let gaps = sending_gaps(&template);
    if !gaps.is_empty() {
        let gaps: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        return Err(AppError::invalid(
            "mapping_incomplete",
            "template_id",
            format!(
                "the template cannot be sent to a list yet: {}",
                gaps.join("; ")
            ),
        ));
    }
    Ok(())
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
    open_account(&state, account_id).await?;
    checked_settings(&state, account_id, &request.settings).await?;
    for list_id in &request.list_ids {
        let list = load_list(&state, *list_id).await?;
        if list.account_id != account_id {
            return Err(AppError::invalid(
                "list_not_found",
                "list_ids",
                "every list must be one of this account's",
            ));
        }
    }
    let now = state.clock.now_ms();
    let id = state
        .store
        .create_campaign(
            account_id,
            &request.settings,
            CampaignStatus::Scheduled,
            now,
        )
        .await?;
    for list_id in &request.list_ids {
        state.store.attach_list(id, *list_id, now).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(view(&state, load_campaign(&state, id).await?).await?),
    ))
}

/// `GET /api/v1/campaigns/{id}`.
pub(crate) async fn show_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `PUT /api/v1/campaigns/{id}`: every setting; the template only while nothing was sent.
pub(crate) async fn update_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(settings): AppJson<CampaignSettings>,
) -> Result<Json<CampaignView>> {
    let campaign = load_campaign(&state, id).await?;
    checked_settings(&state, campaign.account_id, &settings).await?;
    if settings.template_id != campaign.settings.template_id {
        let counts = state.store.hopper_counts(id).await?;
        if counts.fresh != counts.total {
            return Err(AppError::InvalidState {
                code: "template_locked",
                message: "the template cannot change once the campaign has sent to contacts"
                    .to_owned(),
            });
        }
    }
    state
        .store
        .update_campaign(id, &settings, state.clock.now_ms())
        .await?;
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/lists` (Add List).
pub(crate) async fn attach_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<AttachList>,
) -> Result<Json<CampaignView>> {
    let campaign = load_campaign(&state, id).await?;
    let list = load_list(&state, request.list_id).await?;
    if list.account_id != campaign.account_id {
        return Err(AppError::invalid(
            "list_not_found",
            "list_id",
            "the list is not one of the campaign's account",
        ));
    }
    state
        .store
        .attach_list(id, list.id, state.clock.now_ms())
        .await?;
    // A completed campaign has new contacts to send to; any other goes on as it was.
    state
        .store
        .set_campaign_status(
            id,
            CampaignEvent::ListAdded.change(),
            None,
            state.clock.now_ms(),
        )
        .await?;
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/stop`.
pub(crate) async fn stop_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    load_campaign(&state, id).await?;
    let stopped = state
        .store
        .set_campaign_status(
            id,
            CampaignEvent::Stopped.change(),
            Some("Stopped by an admin"),
            state.clock.now_ms(),
        )
        .await?;
    if !stopped {
        return Err(AppError::InvalidState {
            code: "campaign_not_running",
            message: "only a scheduled, running or paused campaign can be stopped".to_owned(),
        });
    }
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/retry` (Start Retry Campaign): the retry contacts are sent
/// again, and the campaign runs.
pub(crate) async fn retry_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>> {
    load_campaign(&state, id).await?;
    let now = state.clock.now_ms();
    state
        .store
        .refill_retries(id, AUTOMATIC_RETRIES + 1, now)
        .await?;
    state
        .store
        .set_campaign_status(id, CampaignEvent::Restarted.change(), None, now)
        .await?;
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
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
    load_campaign(&state, id).await?;
    if !request.confirm {
        return Err(AppError::invalid(
            "confirmation_required",
            "confirm",
            "the provider may have sent these messages already, so some contacts may get them twice: send {\"confirm\": true}",
        ));
    }
    let now = state.clock.now_ms();
    state
        .store
        .resend_in_doubt(id, 1, now - state.campaign_lease_ms, now)
        .await?;
    state
        .store
        .set_campaign_status(id, CampaignEvent::Restarted.change(), None, now)
        .await?;
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `POST /api/v1/campaigns/{id}/reset` (Reset List): "all previously contacted recipients will
/// receive the campaign again", so `{"confirm": true}` is required.
pub(crate) async fn reset_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<ResetList>,
) -> Result<Json<CampaignView>> {
    load_campaign(&state, id).await?;
    if !request.confirm {
        return Err(AppError::invalid(
            "confirmation_required",
            "confirm",
            "all previously contacted recipients will receive the campaign again: send {\"confirm\": true}",
        ));
    }
    let now = state.clock.now_ms();
    state.store.reset_hopper(id, now).await?;
    state
        .store
        .set_campaign_status(id, CampaignEvent::Restarted.change(), None, now)
        .await?;
    Ok(Json(view(&state, load_campaign(&state, id).await?).await?))
}

/// `DELETE /api/v1/campaigns/{id}`.
pub(crate) async fn delete_campaign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    load_campaign(&state, id).await?;
    state
        .store
        .delete_campaign(id, state.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(crate) struct HopperQuery {
    state: Option<HopperState>,
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

/// `GET /api/v1/campaigns/{id}/hopper?state=&after=&limit=` (the Pending and Contacts History
/// tabs: `state=pending`, `state=closed`).
pub(crate) async fn hopper_rows(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<HopperQuery>,
) -> Result<Json<Vec<HopperRowView>>> {
    load_campaign(&state, id).await?;
    let rows = state
        .store
        .hopper_rows(
            id,
            query.state,
            query.after.unwrap_or(0),
            page_limit(query.limit, PAGE_DEFAULT, PAGE_MAX)?,
        )
        .await?;
    Ok(Json(rows.into_iter().map(row_view).collect()))
}

/// `GET /api/v1/campaigns/{id}/dry-run`: for the contacts not yet sent (the first 1,000), the
/// message the first sendable one would get and every one that would be skipped or held, and
/// why; nothing is sent or changed.
pub(crate) async fn dry_run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<DryRun>> {
    let campaign = load_campaign(&state, id).await?;
    let template = parse_file(&load(&state, campaign.settings.template_id).await?)?;
    let now = state.clock.now_ms();
    let mut result = DryRun {
        sendable: 0,
        sample: None,
        skipped: Vec::new(),
    };
    let rows = state
        .store
        .hopper_rows(id, Some(HopperState::Fresh), 0, DRY_RUN_MAX)
        .await?;
    let mut contacts = Vec::with_capacity(rows.len());
    for row in &rows {
        contacts.push(
            state
                .store
                .contact_by_phone(campaign.account_id, &row.phone)
                .await?,
        );
    }
    let facts = batch_facts(
        &state,
        &campaign,
        contacts.iter().map(|record| &record.contact),
        now,
    )
    .await?;
    for (row, contact) in rows.iter().zip(&contacts) {
        let admission = admit(
            &campaign,
            &template,
            &contact.contact,
            contact.opted_out_at.is_some(),
            &facts,
        );
        let skip = |reason: String| DryRunSkip {
            phone: row.phone.clone(),
            reason,
        };
        match admission {
            Admission::Send(phone, rendered) => {
                result.sendable += 1;
                result.sample.get_or_insert(DryRunMessage {
                    phone,
                    body: rendered.body_text,
                });
            }
            Admission::InvalidPhone(reason) | Admission::Skip(reason) => {
                result.skipped.push(skip(reason));
            }
            Admission::Wait => result
                .skipped
                .push(skip(crate::campaigns::OPEN_ELSEWHERE.to_owned())),
        }
    }
    Ok(Json(result))
}

/// The campaign's progress now, with the rows changed after `since`; and the latest change seen.
async fn progress(state: &AppState, id: i64, since: i64) -> Result<(CampaignProgress, i64)> {
    let campaign = load_campaign(state, id).await?;
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
    load_campaign(&state, id).await?;
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
