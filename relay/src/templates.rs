//! Templates as the relay keeps them: the stored file read back, which templates agents may
//! send, the sync with the provider (every template it lists imported, statuses and content
//! kept current) and the template events of stored webhooks. The API's handlers, the campaign
//! engine, the webhook pipeline and the periodic sync all come here.

use herald_api::TemplateSyncReport;
use herald_domain::{TemplateEvent, TemplateFilter, TemplateQuality, TemplateStatus};
use herald_store::{StoreError, StoredWebhook, TemplateContent, TemplateRecord, TemplateReview};
use herald_templates::Template;
use serde_json::Value;

use crate::accounts::open_account;
use crate::error::{AppError, Result};
use crate::providers;
use crate::providers::meta::RemoteTemplate;
use crate::state::AppState;

/// Whether agents may send a template: approved, not deleted, and marked available to agents
/// or named as the account's recontact template (the one way back after the window expired).
pub(crate) fn agents_may_send(
    record: &TemplateRecord,
    template: &Template,
    recontact_template_id: Option<i64>,
) -> bool {
    record.deleted_at.is_none()
        && record.status.is_usable()
        && (template.herald.available_to_agents || recontact_template_id == Some(record.id))
}

/// The template file of a stored template.
pub(crate) fn parse_file(record: &TemplateRecord) -> Result<Template> {
    serde_json::from_str(&record.file_json).map_err(|error| {
        anyhow::anyhow!("template {} has an unreadable file: {error}", record.id).into()
    })
}

/// Template `id`, or `not_found`.
pub(crate) async fn load(state: &AppState, id: i64) -> Result<TemplateRecord> {
    state.store.template(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("template"),
        other => other.into(),
    })
}

/// What the store keeps of a template file.
pub(crate) fn content(template: &Template) -> Result<TemplateContent> {
    Ok(TemplateContent {
        name: template.name.clone(),
        language: template.language.clone(),
        file_json: serde_json::to_string(template).map_err(anyhow::Error::from)?,
    })
}

/// The provider's verdict on a listed template, with what Herald knew as fallback.
fn review_of(remote: &RemoteTemplate, known: Option<&TemplateRecord>) -> TemplateReview {
    TemplateReview {
        status: remote
            .status
            .parse()
            .unwrap_or(known.map_or(TemplateStatus::Pending, |record| record.status)),
        quality: remote
            .quality_score
            .as_ref()
            .and_then(|quality| quality.score.parse().ok())
            .unwrap_or(known.map_or(TemplateQuality::Unknown, |record| record.quality)),
        rejection_reason: remote
            .rejected_reason
            .clone()
            .filter(|reason| reason != "NONE"),
        provider_template_id: Some(remote.id.clone()),
    }
}

/// Whether the provider's copy of a template is the truth about its content: while it is
/// reviewed or usable. A rejected one may be being fixed in Herald, so its local copy stays.
fn provider_holds_content(status: TemplateStatus) -> bool {
    matches!(
        status,
        TemplateStatus::Pending
            | TemplateStatus::Approved
            | TemplateStatus::Paused
            | TemplateStatus::Disabled
    )
}

/// Brings an account's templates up to date with the provider's list (on demand, and
/// periodically from [`crate::startup`]): every template the provider lists is kept, with
/// every field Meta wrote; Herald's own settings (mapping, flags, media links) stay.
pub(crate) async fn sync_account_templates(
    state: &AppState,
    account_id: i64,
) -> Result<TemplateSyncReport> {
    let account = open_account(state, account_id).await?;
    let client = providers::provider_client(state, &account).await?;
    let remote = client
        .meta("list templates")?
        .list_templates(account.settings.waba_id.as_deref().unwrap_or_default())
        .await;
    state.metrics.provider_call("list_templates", &remote);
    let remote = remote?;
    let records = state
        .store
        .list_templates(account_id, TemplateFilter::All)
        .await?;
    let now = state.clock.now_ms();
    let mut report = TemplateSyncReport {
        listed: remote.len(),
        imported: 0,
        updated: 0,
        unreadable: Vec::new(),
    };
    for listed in &remote {
        let known = records
            .iter()
            .find(|record| record.provider_template_id.as_deref() == Some(listed.id.as_str()))
            .or_else(|| {
                records.iter().find(|record| {
                    record.provider_template_id.is_none()
                        && record.name == listed.name
                        && record.language == listed.language
                })
            });
        let file = match listed.file() {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(template = %listed.name, %error, "a listed template is not readable");
                report.unreadable.push(listed.name.clone());
                continue;
            }
        };
        let review = review_of(listed, known);
        match known {
            None => {
                if listed.status.parse::<TemplateStatus>().is_err()
                    && listed.status.contains("DELETE")
                {
                    continue;
                }
                let id = state
                    .store
                    .create_template(account_id, &content(&file)?, now)
                    .await?;
                state.store.update_template_review(id, &review, now).await?;
                report.imported += 1;
            }
            Some(record) => {
                let stored = parse_file(record)?;
                let content_changed = provider_holds_content(review.status)
                    && record.deleted_at.is_none()
                    && !stored.same_content(&file);
                if content_changed {
                    let kept = Template {
                        herald: stored.herald.clone(),
                        ..file
                    };
                    state
                        .store
                        .update_template_content(record.id, &content(&kept)?, now)
                        .await?;
                }
                let review_changed = review.status != record.status
                    || review.quality != record.quality
                    || review.rejection_reason != record.rejection_reason
                    || record.provider_template_id.as_deref() != Some(listed.id.as_str());
                if review_changed {
                    state
                        .store
                        .update_template_review(record.id, &review, now)
                        .await?;
                }
                if content_changed || review_changed {
                    report.updated += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Applies the template events of a stored webhook (idempotent: applying it twice changes
/// nothing more). Its statuses and messages were applied when it was stored.
pub(crate) async fn apply_template_events(
    state: &AppState,
    webhook: &StoredWebhook,
) -> anyhow::Result<()> {
    let Some(account_id) = webhook.account_id else {
        return Ok(());
    };
    for event in &webhook.content.template_events {
        apply_template_event(state, account_id, event)
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    Ok(())
}

async fn apply_template_event(
    state: &AppState,
    account_id: i64,
    event: &TemplateEvent,
) -> Result<()> {
    let record = match state
        .store
        .template_by_provider_id(account_id, event.template_id())
        .await
    {
        Ok(record) => record,
        Err(StoreError::NotFound) => {
            tracing::info!(
                provider_id = event.template_id(),
                "template event for a template Herald does not know"
            );
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let now = state.clock.now_ms();
    let mut review = TemplateReview {
        status: record.status,
        quality: record.quality,
        rejection_reason: record.rejection_reason.clone(),
        provider_template_id: None,
    };
    match event {
        TemplateEvent::Status { status, reason, .. } => {
            review.status = *status;
            review.rejection_reason = (*status == TemplateStatus::Rejected)
                .then(|| reason.clone().unwrap_or_else(|| "NONE".to_owned()));
        }
        TemplateEvent::Quality { quality, .. } => review.quality = *quality,
        TemplateEvent::Category { category, .. } => {
            let mut file: Value = serde_json::from_str(&record.file_json)
                .map_err(|error| anyhow::anyhow!("a stored template is not JSON: {error}"))?;
            file["category"] = Value::String(category.clone());
            let content = TemplateContent {
                name: record.name.clone(),
                language: record.language.clone(),
                file_json: file.to_string(),
            };
            state
                .store
                .update_template_content(record.id, &content, now)
                .await?;
            return Ok(());
        }
    }
    state
        .store
        .update_template_review(record.id, &review, now)
        .await?;
    Ok(())
}
