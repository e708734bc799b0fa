//! What an admin does to a campaign (SPEC section 5): create it (only an APPROVED template of
//! the account with a complete mapping), edit it, and the menu's actions (Add List, Stop, Start
//! Retry Campaign, resend the contacts in doubt, Reset List, Delete). Each status change goes
//! through the domain's `CampaignEvent`.

use herald_api::ErrorCode;
use herald_domain::{
    AUTOMATIC_RETRIES, CampaignEvent, CampaignSettings, CampaignStatus, DAY_MS, tier_warning,
};
use herald_store::{CampaignRecord, StoreError};
use herald_templates::sending_gaps;

use crate::accounts::open_account;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::templates::parse_file;

/// The campaign, unless it does not exist or was deleted.
pub(crate) async fn load(state: &AppState, id: i64) -> Result<CampaignRecord> {
    state.store.campaign(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("campaign"),
        other => other.into(),
    })
}

/// Checks the settings and the template: approved, of this account, mapping complete.
pub(super) async fn checked_settings(
    state: &AppState,
    account_id: i64,
    settings: &CampaignSettings,
) -> Result<()> {
    settings.check().map_err(|error| {
        AppError::invalid(ErrorCode::InvalidSetting, error.field, error.message)
    })?;
    let record = crate::templates::load(state, settings.template_id)
        .await
        .map_err(|_| {
            AppError::invalid(
                ErrorCode::TemplateNotFound,
                "template_id",
                "no template has that id",
            )
        })?;
    if record.account_id != account_id || record.deleted_at.is_some() {
        return Err(AppError::invalid(
            ErrorCode::TemplateNotFound,
            "template_id",
            "the template is not one of this account's",
        ));
    }
    if !record.status.is_usable() {
        return Err(AppError::invalid(
            ErrorCode::TemplateNotApproved,
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
            ErrorCode::TemplateNotForCampaigns,
            "template_id",
            "an authentication template carries a one-time code to the one person who asked for it: send it to one contact at a time, not to a list",
        ));
    }
    let gaps = sending_gaps(&template);
    if !gaps.is_empty() {
        let gaps: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        return Err(AppError::invalid(
            ErrorCode::MappingIncomplete,
            "template_id",
            format!(
                "the template cannot be sent to a list yet: {}",
                gaps.join("; ")
            ),
        ));
    }
    Ok(())
}

/// A list of `account_id`'s, for the request field `field`.
pub(super) async fn account_list(
    state: &AppState,
    account_id: i64,
    list_id: i64,
    field: &'static str,
) -> Result<()> {
    let list = crate::contacts::load_list(state, list_id).await?;
    if list.account_id != account_id {
        return Err(AppError::invalid(
            ErrorCode::ListNotFound,
            field,
            "every list must be one of the campaign's account",
        ));
    }
    Ok(())
}

/// Creates a campaign of `account_id` sending to `list_ids`: scheduled, and the engine starts
/// it at its start date (at once without one).
pub(crate) async fn create(
    state: &AppState,
    account_id: i64,
    settings: &CampaignSettings,
    list_ids: &[i64],
) -> Result<i64> {
    open_account(state, account_id).await?;
    checked_settings(state, account_id, settings).await?;
    for list_id in list_ids {
        account_list(state, account_id, *list_id, "list_ids").await?;
    }
    let now = state.clock.now_ms();
    let id = state
        .store
        .create_campaign(account_id, settings, CampaignStatus::Scheduled, now)
        .await?;
    for list_id in list_ids {
        state.store.attach_list(id, *list_id, now).await?;
    }
    Ok(id)
}

/// Every setting; the template only while nothing was sent.
pub(crate) async fn update(state: &AppState, id: i64, settings: &CampaignSettings) -> Result<()> {
    let campaign = load(state, id).await?;
    checked_settings(state, campaign.account_id, settings).await?;
    if settings.template_id != campaign.settings.template_id {
        let counts = state.store.hopper_counts(id).await?;
        if counts.fresh != counts.total {
            return Err(AppError::InvalidState {
                code: ErrorCode::TemplateLocked,
                message: "the template cannot change once the campaign has sent to contacts"
                    .to_owned(),
            });
        }
    }
    state
        .store
        .update_campaign(id, settings, state.clock.now_ms())
        .await?;
    Ok(())
}

/// Add List: the list's contacts join the hopper; a completed campaign has them to send to,
/// any other goes on as it was.
pub(crate) async fn add_list(state: &AppState, id: i64, list_id: i64) -> Result<()> {
    let campaign = load(state, id).await?;
    account_list(state, campaign.account_id, list_id, "list_id").await?;
    let now = state.clock.now_ms();
    state.store.attach_list(id, list_id, now).await?;
    state
        .store
        .set_campaign_status(id, CampaignEvent::ListAdded.change(), None, now)
        .await?;
    Ok(())
}

/// Stop, by an admin.
pub(crate) async fn stop(state: &AppState, id: i64) -> Result<()> {
    load(state, id).await?;
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
            code: ErrorCode::CampaignNotRunning,
            message: "only a scheduled, running or paused campaign can be stopped".to_owned(),
        });
    }
    Ok(())
}

/// Start Retry Campaign: the retry contacts (not those in doubt) get their tries back, and the
/// campaign runs.
pub(crate) async fn retry(state: &AppState, id: i64) -> Result<()> {
    load(state, id).await?;
    let now = state.clock.now_ms();
    state
        .store
        .refill_retries(id, AUTOMATIC_RETRIES + 1, now)
        .await?;
    restart(state, id, now).await
}

/// The contacts in doubt whose reconciliation window (a lease) passed with no webhook are sent
/// again, only `confirmed` (some may get the message twice), and the campaign runs.
pub(crate) async fn resend_in_doubt(state: &AppState, id: i64, confirmed: bool) -> Result<()> {
    load(state, id).await?;
    if !confirmed {
        return Err(AppError::invalid(
            ErrorCode::ConfirmationRequired,
            "confirm",
            "the provider may have sent these messages already, so some contacts may get them twice: send {\"confirm\": true}",
        ));
    }
    let now = state.clock.now_ms();
    state
        .store
        .resend_in_doubt(id, 1, now - state.campaign_lease_ms, now)
        .await?;
    restart(state, id, now).await
}

/// Reset List: "all previously contacted recipients will receive the campaign again", only
/// `confirmed`.
pub(crate) async fn reset(state: &AppState, id: i64, confirmed: bool) -> Result<()> {
    load(state, id).await?;
    if !confirmed {
        return Err(AppError::invalid(
            ErrorCode::ConfirmationRequired,
            "confirm",
            "all previously contacted recipients will receive the campaign again: send {\"confirm\": true}",
        ));
    }
    let now = state.clock.now_ms();
    state.store.reset_hopper(id, now).await?;
    restart(state, id, now).await
}

async fn restart(state: &AppState, id: i64, now: i64) -> Result<()> {
    state
        .store
        .set_campaign_status(id, CampaignEvent::Restarted.change(), None, now)
        .await?;
    Ok(())
}

/// Delete (which stops it).
pub(crate) async fn delete(state: &AppState, id: i64) -> Result<()> {
    load(state, id).await?;
    state
        .store
        .delete_campaign(id, state.clock.now_ms())
        .await?;
    Ok(())
}

/// The messaging-limit warning for `contacts` more contacts of `account_id`, counting what the
/// account reached in the last 24 hours; none when the account names no limit or they fit.
pub(crate) async fn limit_warning(
    state: &AppState,
    account_id: i64,
    contacts: u64,
) -> Result<Option<String>> {
    let account = open_account(state, account_id).await?;
    let Some(limit) = account.settings.messaging_limit else {
        return Ok(None);
    };
    let sent = state
        .store
        .templates_sent_since(account_id, state.clock.now_ms() - DAY_MS)
        .await?;
    Ok(tier_warning(
        Some(limit),
        u64::try_from(sent).unwrap_or(0),
        contacts,
    ))
}
