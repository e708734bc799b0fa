//! A campaign's dry run (SPEC section 5): the messages its first contacts would get and every
//! contact it would skip or hold, and why, by the same rules the sender applies; nothing is
//! sent or changed. For a saved campaign (its fresh contacts) or for settings not saved yet
//! (the chosen lists' contacts), so the form can show it before launch.

use std::collections::HashSet;

use herald_api::{DryRun, DryRunMessage, DryRunSkip, NewCampaign};
use herald_domain::{CampaignStatus, HopperState};
use herald_store::{CampaignRecord, ContactFilter, ContactRecord, HopperFilter};

use super::admin::{account_list, checked_settings, limit_warning, load};
use super::{Admission, OPEN_ELSEWHERE, admit, batch_facts};
use crate::accounts::open_account;
use crate::contacts::load_list;
use crate::error::Result;
use crate::state::AppState;
use crate::templates::{self, parse_file};

/// How many contacts a dry run judges.
const DRY_RUN_MAX: i64 = 1_000;
/// How many of the messages it renders it returns.
const DRY_RUN_MESSAGES: usize = 5;

/// The dry run of saved campaign `id`, over its contacts not sent yet.
pub(crate) async fn of_campaign(state: &AppState, id: i64) -> Result<DryRun> {
    let campaign = load(state, id).await?;
    let rows = state
        .store
        .hopper_rows(
            id,
            &HopperFilter::in_state(HopperState::Fresh),
            0,
            DRY_RUN_MAX,
        )
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
    judge(state, &campaign, contacts).await
}

/// The dry run of `draft`, a campaign of `account_id` not created yet: the settings are checked
/// as creating it would (a variable not mapped is refused, named), then the chosen lists'
/// contacts are judged, each once.
pub(crate) async fn of_draft(
    state: &AppState,
    account_id: i64,
    draft: &NewCampaign,
) -> Result<DryRun> {
    open_account(state, account_id).await?;
    checked_settings(state, account_id, &draft.settings).await?;
    let mut contacts = Vec::new();
    let mut seen = HashSet::new();
    // An upper bound, as the launch question's: a contact in two lists gets the message once.
    let mut listed = 0_u64;
    for list_id in &draft.list_ids {
        account_list(state, account_id, *list_id, "list_ids").await?;
        listed += u64::try_from(load_list(state, *list_id).await?.size).unwrap_or(0);
        let room = DRY_RUN_MAX - i64::try_from(contacts.len()).unwrap_or(DRY_RUN_MAX);
        if room <= 0 {
            break;
        }
        let found = state
            .store
            .list_contacts(*list_id, &ContactFilter::default(), 0, room)
            .await?;
        contacts.extend(
            found
                .into_iter()
                .filter(|record| seen.insert(record.contact.phone.clone())),
        );
    }
    let campaign = CampaignRecord {
        id: 0,
        account_id,
        settings: draft.settings.clone(),
        status: CampaignStatus::Scheduled,
        status_reason: None,
        list_ids: draft.list_ids.clone(),
        created_at: state.clock.now_ms(),
    };
    let mut result = judge(state, &campaign, contacts).await?;
    result.warning = limit_warning(state, account_id, listed).await?;
    Ok(result)
}

async fn judge(
    state: &AppState,
    campaign: &CampaignRecord,
    contacts: Vec<ContactRecord>,
) -> Result<DryRun> {
    let template = parse_file(&templates::load(state, campaign.settings.template_id).await?)?;
    let now = state.clock.now_ms();
    let facts = batch_facts(
        state,
        campaign,
        contacts.iter().map(|record| &record.contact),
        now,
    )
    .await?;
    let mut result = DryRun {
        sendable: 0,
        sample: None,
        messages: Vec::new(),
        skipped: Vec::new(),
        warning: None,
    };
    for record in &contacts {
        let admission = admit(
            campaign,
            &template,
            &record.contact,
            record.opted_out_at.is_some(),
            &facts,
        );
        let skip = |reason: String| DryRunSkip {
            phone: record.contact.phone.clone(),
            reason,
        };
        match admission {
            Admission::Send(phone, rendered) => {
                result.sendable += 1;
                if result.messages.len() < DRY_RUN_MESSAGES {
                    result.messages.push(DryRunMessage {
                        phone,
                        body: rendered.body_text,
                    });
                }
            }
            Admission::InvalidPhone(reason) | Admission::Skip(reason) => {
                result.skipped.push(skip(reason));
            }
            Admission::Wait => result.skipped.push(skip(OPEN_ELSEWHERE.to_owned())),
        }
    }
    result.sample = result.messages.first().cloned();
    Ok(result)
}
