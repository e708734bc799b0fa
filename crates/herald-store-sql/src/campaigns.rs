//! Lists, contacts, campaigns and hoppers, for both backends: one body of queries expanded per
//! backend by [`impl_campaign_stores!`], like the rest of the store. The one difference is
//! how the claim runs: PostgreSQL skips rows another relay holds (`FOR UPDATE SKIP LOCKED`);
//! SQLite has one writer, so its `UPDATE ... RETURNING` is already atomic, and it runs on the
//! writer thread with the other hot writes.

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use herald_contacts::Contact;
use herald_domain::{
    AUTOMATIC_RETRIES, CampaignChange, CampaignEvent, CampaignSettings, CampaignStatus,
    HopperState, MessageDirection, MessageStatus, Outcome,
};
use herald_store::{
    CampaignRecord, CampaignStore, ClaimedContact, ContactFilter, ContactRecord, ContactStore,
    FailureCount, Funnel, HopperCounts, HopperFilter, HopperMove, HopperRecord, ListRecord,
    MinuteCount, OutboundMessage, OutcomeCount, PhoneFacts, Result, StoreError, UpsertReport,
};
use sqlx::Row;
use sqlx::any::{Any, AnyRow};

use crate::{SqlStore, classify, expect_one_row, other, parse};

const CONTACT_COLUMNS: &str = "contacts.id, contacts.account_id, contacts.phone, contacts.mobile,
    contacts.first_name, contacts.last_name, contacts.email, contacts.custom_json,
    contacts.opted_out_at";
/// The campaigns (not deleted) that send to list `$1`.
const CAMPAIGNS_OF_LIST: &str = "from campaign_lists
    join campaigns on campaigns.id = campaign_lists.campaign_id
    where campaign_lists.list_id = $1 and campaigns.deleted_at is null";
/// The columns of [`ListRecord`], its size counted.
const LIST_SELECT: &str = "select id, account_id, name, is_master,
    (select count(*) from list_members where list_id = contact_lists.id) as size
    from contact_lists";
const HOPPER_SELECT: &str = "select id, campaign_id, contact_id, phone, state, attempt,
    tries_left, ready_at, message_id, sent_at, delivered_at, closed_at, outcome, reason,
    error_code, answer, updated_at from hopper";

/// What a claim takes, in order: fresh rows first, then retry rows whose backoff has passed
/// (each one range of the claim index, in the order the index keeps).
pub(crate) const CLAIMED_STATES: [&str; 2] = ["fresh", "retry"];

/// One claim of a campaign's rows (see `CampaignStore::claim_contacts`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim {
    pub(crate) campaign_id: i64,
    pub(crate) limit: i64,
    pub(crate) lease_until: i64,
    pub(crate) now: i64,
}

impl Claim {
    /// How many more rows the claim takes once it holds `claimed`, if any.
    pub(crate) fn room(&self, claimed: usize) -> Option<i64> {
        let room = self.limit - i64::try_from(claimed).unwrap_or(self.limit);
        (room > 0).then_some(room)
    }
}

/// A claimed hopper row: id, attempt, contact id, the state it was claimed from, tries left.
pub(crate) type ClaimedRow = (i64, i64, i64, String, i64);

/// Claims up to `$4` rows in state `$5` of campaign `$3` that are ready at `$2`, leased until
/// `$1`; `lock` is how the backend keeps two relays off the same rows.
pub(crate) fn claim_sql(lock: &str) -> String {
    format!(
        "update hopper set state = 'sending', attempt = attempt + 1,
             tries_left = case when state = 'retry' then tries_left - 1 else tries_left end,
             claimed_from = state, lease_until = $1, updated_at = $2
         where id in (
             select id from hopper
             where campaign_id = $3 and state = $5 and ready_at <= $2
                 and (state = 'fresh' or tries_left > 0)
             order by ready_at, id limit $4 {lock}
         )
         returning id, attempt, contact_id, claimed_from, tries_left"
    )
}
const CAMPAIGN_SELECT: &str =
    "select id, account_id, settings_json, status, status_reason, created_at from campaigns";
/// Moves a hopper row if it is still where the mover saw it (`HopperMove`); parameters appear
/// first in the order 1, 2, ... (see `RECORD_OUTBOUND_SQL`).
/// A move that records an outcome (an attempt's end) replaces the reason and the error code, so
/// a row shows those of its latest attempt; one without (a delivery, an answer) adds to them.
pub(crate) const MOVE_SQL: &str = "update hopper set state = $1, outcome = coalesce($2, outcome),
        reason = case when $2 is null then coalesce($3, reason) else $3 end,
        error_code = case when $2 is null then coalesce($4, error_code) else $4 end,
        message_id = coalesce($5, message_id),
        sent_at = case when $5 is null then sent_at else $6 end,
        answer = coalesce($7, answer),
        ready_at = case when $5 is null then coalesce($8, ready_at) else $6 end,
        tries_left = coalesce($9, tries_left),
        delivered_at = coalesce(delivered_at, $10),
        closed_at = case when $1 = 'closed' then coalesce(closed_at, $6) else null end,
        attempt = attempt - $11, lease_until = null, updated_at = $6
    where id = $12 and state = $13 and ($14 is null or attempt = $14)";
/// Campaigns whose hopper still takes contacts added to their lists.
pub(crate) const OPEN_CAMPAIGN_STATUSES: &str = "('SCHEDULED', 'RUNNING', 'PAUSED')";

/// Puts contact `$1` (of account `$2`, phone `$3`) in the hopper of every open campaign of list
/// `$6` or of the master list `$7`, fresh with `$4` tries, at `$5`; parameters appear first in
/// the order 1, 2, ... (see `RECORD_OUTBOUND_SQL`).
pub(crate) fn join_open_campaigns_sql() -> String {
    format!(
        "insert into hopper (campaign_id, contact_id, account_id, phone, state, tries_left,
             updated_at)
         select distinct campaign_lists.campaign_id, $1, $2, $3, 'fresh', $4, $5
         from campaign_lists join campaigns on campaigns.id = campaign_lists.campaign_id
         where campaign_lists.list_id in ($6, $7) and campaigns.deleted_at is null
             and campaigns.status in {OPEN_CAMPAIGN_STATUSES}
         on conflict (campaign_id, contact_id) do nothing"
    )
}

pub(crate) fn custom_json(contact: &Contact) -> Result<String> {
    serde_json::to_string(&contact.custom).map_err(other)
}

/// `text` for a `like` pattern with `\\` as its escape: `%` and `_` match themselves.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `$first, $first+1, ...` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|index| format!("${index}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_list(statuses: &[CampaignStatus]) -> String {
    statuses
        .iter()
        .map(|status| format!("'{}'", status.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fold_counts(by_state: Vec<(String, String, i64)>) -> Result<HopperCounts> {
    let mut counts = HopperCounts::default();
    for (state, outcome, count) in by_state {
        counts.total += count;
        match parse::<HopperState>(&state)?.counted_as() {
            HopperState::Fresh => counts.fresh += count,
            HopperState::Retry if outcome == Outcome::InDoubt.as_str() => counts.in_doubt += count,
            HopperState::Retry => counts.retry += count,
            HopperState::Closed => counts.closed += count,
            _ => counts.pending += count,
        }
    }
    Ok(counts)
}

fn contact_from(row: &AnyRow) -> Result<ContactRecord> {
    let custom: String = row.try_get("custom_json").map_err(other)?;
    Ok(ContactRecord {
        id: row.try_get("id").map_err(other)?,
        account_id: row.try_get("account_id").map_err(other)?,
        contact: Contact {
            phone: row.try_get("phone").map_err(other)?,
            mobile: row.try_get("mobile").map_err(other)?,
            first_name: row.try_get("first_name").map_err(other)?,
            last_name: row.try_get("last_name").map_err(other)?,
            email: row.try_get("email").map_err(other)?,
            custom: serde_json::from_str(&custom).map_err(other)?,
        },
        opted_out_at: row.try_get("opted_out_at").map_err(other)?,
    })
}

fn list_from(row: &AnyRow) -> Result<ListRecord> {
    Ok(ListRecord {
        id: row.try_get("id").map_err(other)?,
        account_id: row.try_get("account_id").map_err(other)?,
        name: row.try_get("name").map_err(other)?,
        is_master: row.try_get::<i64, _>("is_master").map_err(other)? == 1,
        size: row.try_get("size").map_err(other)?,
    })
}

fn hopper_from(row: &AnyRow) -> Result<HopperRecord> {
    Ok(HopperRecord {
        id: row.try_get("id").map_err(other)?,
        campaign_id: row.try_get("campaign_id").map_err(other)?,
        contact_id: row.try_get("contact_id").map_err(other)?,
        phone: row.try_get("phone").map_err(other)?,
        state: parse(row.try_get("state").map_err(other)?)?,
        attempt: row.try_get("attempt").map_err(other)?,
        tries_left: row.try_get("tries_left").map_err(other)?,
        ready_at: row.try_get("ready_at").map_err(other)?,
        message_id: row.try_get("message_id").map_err(other)?,
        sent_at: row.try_get("sent_at").map_err(other)?,
        delivered_at: row.try_get("delivered_at").map_err(other)?,
        closed_at: row.try_get("closed_at").map_err(other)?,
        outcome: row
            .try_get::<Option<String>, _>("outcome")
            .map_err(other)?
            .as_deref()
            .map(parse)
            .transpose()?,
        reason: row.try_get("reason").map_err(other)?,
        error_code: row.try_get("error_code").map_err(other)?,
        answer: row.try_get("answer").map_err(other)?,
        updated_at: row.try_get("updated_at").map_err(other)?,
    })
}

impl SqlStore {
    async fn campaign_from(&self, row: &AnyRow) -> Result<CampaignRecord> {
        let id: i64 = row.try_get("id").map_err(other)?;
        let settings: String = row.try_get("settings_json").map_err(other)?;
        let list_ids = sqlx::query_scalar::<Any, i64>(
            "select list_id from campaign_lists where campaign_id = $1 order by list_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(CampaignRecord {
            id,
            account_id: row.try_get("account_id").map_err(other)?,
            settings: serde_json::from_str::<CampaignSettings>(&settings).map_err(other)?,
            status: parse(row.try_get("status").map_err(other)?)?,
            status_reason: row.try_get("status_reason").map_err(other)?,
            list_ids,
            created_at: row.try_get("created_at").map_err(other)?,
        })
    }

    async fn campaigns_where(
        &self,
        condition: &str,
        account_id: Option<i64>,
    ) -> Result<Vec<CampaignRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{CAMPAIGN_SELECT} where deleted_at is null and ($1 is null or account_id = $1)
                         {condition} order by id desc"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let mut campaigns = Vec::with_capacity(rows.len());
        for row in &rows {
            campaigns.push(self.campaign_from(row).await?);
        }
        Ok(campaigns)
    }
}

#[async_trait]
impl ContactStore for SqlStore {
    async fn create_list(&self, account_id: i64, name: &str, now: i64) -> Result<i64> {
        sqlx::query_scalar::<Any, i64>(
            "insert into contact_lists (account_id, name, is_master, created_at)
                         values ($1, $2, 0, $3) returning id",
        )
        .bind(account_id)
        .bind(name)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("list"))
    }

    async fn lists(&self, account_id: i64) -> Result<Vec<ListRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{LIST_SELECT} where account_id = $1 order by is_master desc, id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(list_from).collect()
    }

    async fn list(&self, id: i64) -> Result<ListRecord> {
        self.by_id(
            &format!("{LIST_SELECT} where id = $1"),
            id,
            "list",
            list_from,
        )
        .await
    }

    async fn upsert_contacts(
        &self,
        account_id: i64,
        list_id: i64,
        contacts: &[Contact],
        now: i64,
    ) -> Result<UpsertReport> {
        self.backend
            .upsert_contacts(account_id, list_id, contacts, now)
            .await
    }

    async fn list_contacts(
        &self,
        list_id: i64,
        filter: &ContactFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<ContactRecord>> {
        // A condition per filter, not `$N is null or ...`, so that a page without one keeps
        // to the membership index alone.
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty());
        let mut conditions = String::new();
        if search.is_some() {
            conditions.push_str(
                " and (contacts.phone like $4 escape '\\'
                     or lower(contacts.first_name || ' ' || contacts.last_name) like $4 escape '\\')",
            );
        }
        match filter.opted_out {
            Some(true) => conditions.push_str(" and contacts.opted_out_at is not null"),
            Some(false) => conditions.push_str(" and contacts.opted_out_at is null"),
            None => {}
        }
        let sql = format!(
            "select {CONTACT_COLUMNS} from list_members
             join contacts on contacts.id = list_members.contact_id
             where list_members.list_id = $1 and list_members.contact_id > $2 {conditions}
             order by list_members.contact_id limit $3"
        );
        let mut query = sqlx::query::<Any>(&sql)
            .bind(list_id)
            .bind(after_id)
            .bind(limit);
        if let Some(search) = search {
            query = query.bind(format!("%{}%", like_escaped(&search.to_lowercase())));
        }
        let rows = query.fetch_all(&self.pool).await.map_err(other)?;
        rows.iter().map(contact_from).collect()
    }

    async fn contact(&self, id: i64) -> Result<ContactRecord> {
        self.by_id(
            &format!("select {CONTACT_COLUMNS} from contacts where id = $1"),
            id,
            "contact",
            contact_from,
        )
        .await
    }

    async fn update_contact(&self, id: i64, contact: &Contact, now: i64) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let result = sqlx::query::<Any>(
            "update contacts set phone = $1, mobile = $2, first_name = $3, last_name = $4,
                 email = $5, custom_json = $6, updated_at = $7
             where id = $8",
        )
        .bind(&contact.phone)
        .bind(&contact.mobile)
        .bind(&contact.first_name)
        .bind(&contact.last_name)
        .bind(&contact.email)
        .bind(custom_json(contact)?)
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(classify("contact"))?;
        expect_one_row(result.rows_affected())?;
        sqlx::query::<Any>(
            "update hopper set phone = $1, updated_at = $2
             where contact_id = $3 and state in ('fresh', 'retry') and phone <> $1",
        )
        .bind(&contact.phone)
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        transaction.commit().await.map_err(other)
    }

    async fn delete_contact(&self, id: i64, now: i64) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let result = sqlx::query::<Any>(
            "update contacts set mobile = '', first_name = '', last_name = '', email = '',
                 custom_json = '{}', updated_at = $1
             where id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())?;
        sqlx::query::<Any>("delete from list_members where contact_id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await
            .map_err(other)?;
        sqlx::query::<Any>("delete from hopper where contact_id = $1 and state = 'fresh'")
            .bind(id)
            .execute(&mut *transaction)
            .await
            .map_err(other)?;
        transaction.commit().await.map_err(other)
    }

    async fn remove_from_list(&self, list_id: i64, contact_id: i64) -> Result<()> {
        let result = sqlx::query::<Any>(
            "delete from list_members where list_id = $1 and contact_id = $2
                 and list_id in (select id from contact_lists where is_master = 0)",
        )
        .bind(list_id)
        .bind(contact_id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())
    }

    async fn rename_list(&self, id: i64, name: &str) -> Result<()> {
        let result = sqlx::query::<Any>("update contact_lists set name = $1 where id = $2")
            .bind(name)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(classify("list"))?;
        expect_one_row(result.rows_affected())
    }

    async fn campaigns_using_list(&self, list_id: i64) -> Result<i64> {
        sqlx::query_scalar::<Any, i64>(&format!("select count(*) {CAMPAIGNS_OF_LIST}"))
            .bind(list_id)
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }

    async fn delete_list(&self, id: i64) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let deletable = sqlx::query_scalar::<Any, i64>(&format!(
            "select count(*) from contact_lists where id = $1 and is_master = 0
                 and not exists (select 1 {CAMPAIGNS_OF_LIST})"
        ))
        .bind(id)
        .fetch_one(&mut *transaction)
        .await
        .map_err(other)?;
        expect_one_row(u64::try_from(deletable).unwrap_or(0))?;
        for statement in [
            "delete from list_members where list_id = $1",
            "delete from campaign_lists where list_id = $1",
            "delete from contact_lists where id = $1",
        ] {
            sqlx::query::<Any>(statement)
                .bind(id)
                .execute(&mut *transaction)
                .await
                .map_err(other)?;
        }
        transaction.commit().await.map_err(other)
    }

    async fn contact_by_phone(&self, account_id: i64, phone: &str) -> Result<ContactRecord> {
        let row = sqlx::query::<Any>(&format!(
            "select {CONTACT_COLUMNS} from contacts where account_id = $1 and phone = $2"
        ))
        .bind(account_id)
        .bind(phone)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("contact"))?;
        contact_from(&row)
    }

    async fn set_opted_out(&self, account_id: i64, phone: &str, at: Option<i64>) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update contacts set opted_out_at = $1 where account_id = $2 and phone = $3",
        )
        .bind(at)
        .bind(account_id)
        .bind(phone)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())
    }
}

#[async_trait]
impl CampaignStore for SqlStore {
    async fn create_campaign(
        &self,
        account_id: i64,
        settings: &CampaignSettings,
        status: CampaignStatus,
        now: i64,
    ) -> Result<i64> {
        sqlx::query_scalar::<Any, i64>(
            "insert into campaigns (account_id, template_id, name, settings_json, status,
                             start_at, created_at, updated_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
        )
        .bind(account_id)
        .bind(settings.template_id)
        .bind(&settings.name)
        .bind(serde_json::to_string(settings).map_err(other)?)
        .bind(status.as_str())
        .bind(settings.start_at.unwrap_or(now))
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("campaign"))
    }

    async fn update_campaign(&self, id: i64, settings: &CampaignSettings, now: i64) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update campaigns set template_id = $1, name = $2, settings_json = $3,
                             start_at = coalesce($4, start_at), updated_at = $5
                         where id = $6 and deleted_at is null",
        )
        .bind(settings.template_id)
        .bind(&settings.name)
        .bind(serde_json::to_string(settings).map_err(other)?)
        .bind(settings.start_at)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())
    }

    async fn set_campaign_status(
        &self,
        id: i64,
        change: CampaignChange,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let result = sqlx::query::<Any>(&format!(
            "update campaigns set status = $1, status_reason = $2, updated_at = $3
                         where id = $4 and deleted_at is null and status in ({})",
            status_list(change.from())
        ))
        .bind(change.to().as_str())
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_campaign(&self, id: i64, now: i64) -> Result<()> {
        // Deleting stops it, as an admin's Stop would.
        let stop = CampaignEvent::Stopped.change();
        let sql = format!(
            "update campaigns set deleted_at = $1,
                 status = case when status in ({}) then '{}' else status end, updated_at = $1
             where id = $2 and deleted_at is null",
            status_list(stop.from()),
            stop.to().as_str()
        );
        let result = sqlx::query::<Any>(&sql)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        expect_one_row(result.rows_affected())
    }

    async fn campaign(&self, id: i64) -> Result<CampaignRecord> {
        let row = sqlx::query::<Any>(&format!(
            "{CAMPAIGN_SELECT} where id = $1 and deleted_at is null"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("campaign"))?;
        self.campaign_from(&row).await
    }

    async fn campaigns(&self, account_id: Option<i64>) -> Result<Vec<CampaignRecord>> {
        self.campaigns_where("", account_id).await
    }

    async fn campaigns_in(&self, statuses: &[CampaignStatus]) -> Result<Vec<CampaignRecord>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        self.campaigns_where(&format!("and status in ({})", status_list(statuses)), None)
            .await
    }

    async fn attach_list(&self, campaign_id: i64, list_id: i64, now: i64) -> Result<u64> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        sqlx::query::<Any>(
            "insert into campaign_lists (campaign_id, list_id) values ($1, $2)
             on conflict do nothing",
        )
        .bind(campaign_id)
        .bind(list_id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        let joined = sqlx::query::<Any>(
            "insert into hopper (campaign_id, contact_id, account_id, phone, state, tries_left,
                 updated_at)
             select $1, contacts.id, contacts.account_id, contacts.phone, 'fresh', $2, $3
             from list_members join contacts on contacts.id = list_members.contact_id
             where list_members.list_id = $4
             on conflict (campaign_id, contact_id) do nothing",
        )
        .bind(campaign_id)
        .bind(AUTOMATIC_RETRIES)
        .bind(now)
        .bind(list_id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        transaction.commit().await.map_err(other)?;
        Ok(joined.rows_affected())
    }

    async fn hopper_counts(&self, campaign_id: i64) -> Result<HopperCounts> {
        let rows = sqlx::query_as::<Any, (String, String, i64)>(
            "select state, coalesce(outcome, ''), count(*) from hopper
                         where campaign_id = $1 group by state, outcome",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        fold_counts(rows)
    }

    async fn outcome_counts(&self, campaign_id: i64, limit: i64) -> Result<Vec<OutcomeCount>> {
        sqlx::query_as::<Any, (String, Option<String>, i64)>(
            "select outcome, reason, count(*) from hopper
             where campaign_id = $1 and outcome is not null
             group by outcome, reason order by count(*) desc, outcome, reason limit $2",
        )
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?
        .into_iter()
        .map(|(outcome, reason, count)| {
            Ok(OutcomeCount {
                outcome: parse(&outcome)?,
                reason,
                count,
            })
        })
        .collect()
    }

    async fn funnel(&self, campaign_id: i64) -> Result<Funnel> {
        let row = sqlx::query::<Any>(
            "select
                 count(hopper.sent_at) as sent,
                 coalesce(sum(case when hopper.delivered_at is not null
                     or messages.status in ('delivered', 'read') then 1 else 0 end), 0) as delivered,
                 coalesce(sum(case when messages.status = 'read' then 1 else 0 end), 0) as read,
                 coalesce(sum(case when hopper.answer is not null then 1 else 0 end), 0) as replied,
                 coalesce(sum(case when hopper.outcome = 'failed' then 1 else 0 end), 0) as failed
             from hopper left join messages on messages.account_id = hopper.account_id
                 and messages.provider_message_id = hopper.message_id
             where hopper.campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(Funnel {
            sent: row.try_get("sent").map_err(other)?,
            delivered: row.try_get("delivered").map_err(other)?,
            read: row.try_get("read").map_err(other)?,
            replied: row.try_get("replied").map_err(other)?,
            failed: row.try_get("failed").map_err(other)?,
        })
    }

    async fn failure_counts(&self, campaign_id: i64, limit: i64) -> Result<Vec<FailureCount>> {
        Ok(sqlx::query_as::<Any, (Option<i64>, i64)>(
            "select error_code, count(*) from hopper
             where campaign_id = $1 and (outcome = 'failed' or error_code is not null)
             group by error_code order by count(*) desc, error_code limit $2",
        )
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?
        .into_iter()
        .map(|(code, count)| FailureCount { code, count })
        .collect())
    }

    async fn sends_per_minute(&self, campaign_id: i64, minutes: i64) -> Result<Vec<MinuteCount>> {
        let mut counts = sqlx::query_as::<Any, (i64, i64)>(
            "select sent_at / 60000 as minute, count(*) from hopper
             where campaign_id = $1 and sent_at is not null
             group by sent_at / 60000 order by minute desc limit $2",
        )
        .bind(campaign_id)
        .bind(minutes)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?
        .into_iter()
        .map(|(minute, sent)| MinuteCount {
            minute_ms: minute * 60_000,
            sent,
        })
        .collect::<Vec<_>>();
        counts.reverse();
        Ok(counts)
    }

    async fn hopper_rows(
        &self,
        campaign_id: i64,
        filter: &HopperFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>> {
        // A condition per case, not `$2 is null or ...`, so that the index serves it.
        let in_state = if filter.state.is_some() {
            "and state = $3"
        } else {
            "and $3 = $3"
        };
        let rows = sqlx::query::<Any>(&format!(
            "{HOPPER_SELECT} where campaign_id = $1 and id > $2 {in_state}
                 and ($5 = '' or outcome = $5)
             order by id limit $4"
        ))
        .bind(campaign_id)
        .bind(after_id)
        .bind(filter.state.map_or("", HopperState::as_str))
        .bind(limit)
        .bind(filter.outcome.map_or("", Outcome::as_str))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(hopper_from).collect()
    }

    async fn hopper_row(&self, id: i64) -> Result<HopperRecord> {
        self.by_id(
            &format!("{HOPPER_SELECT} where id = $1"),
            id,
            "hopper",
            hopper_from,
        )
        .await
    }

    async fn hopper_changes(
        &self,
        campaign_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{HOPPER_SELECT} where campaign_id = $1 and updated_at > $2
                         order by updated_at desc, id desc limit $3"
        ))
        .bind(campaign_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(hopper_from).collect()
    }

    async fn reset_hopper(&self, campaign_id: i64, now: i64) -> Result<u64> {
        let result = sqlx::query::<Any>(
            "update hopper set state = 'fresh', tries_left = $1, ready_at = 0,
                             lease_until = null, message_id = null, sent_at = null,
                             delivered_at = null, closed_at = null, outcome = null, reason = null,
                             error_code = null, answer = null, updated_at = $2
                         where campaign_id = $3 and state <> 'sending'",
        )
        .bind(AUTOMATIC_RETRIES)
        .bind(now)
        .bind(campaign_id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(result.rows_affected())
    }

    async fn refill_retries(&self, campaign_id: i64, tries: i64, now: i64) -> Result<u64> {
        let result = sqlx::query::<Any>(
            "update hopper set tries_left = $1, ready_at = $2, updated_at = $2
                         where campaign_id = $3 and state = 'retry'
                             and coalesce(outcome, '') <> $4",
        )
        .bind(tries)
        .bind(now)
        .bind(campaign_id)
        .bind(Outcome::InDoubt.as_str())
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(result.rows_affected())
    }

    async fn resend_in_doubt(
        &self,
        campaign_id: i64,
        tries: i64,
        doubted_before: i64,
        now: i64,
    ) -> Result<u64> {
        let result = sqlx::query::<Any>(
            "update hopper set tries_left = $1, ready_at = $2, updated_at = $2,
                             outcome = $7, reason = $3
                         where campaign_id = $4 and state = 'retry' and outcome = $5
                             and updated_at <= $6",
        )
        .bind(tries)
        .bind(now)
        .bind("Sent again at an admin's request: no webhook confirmed the send in doubt")
        .bind(campaign_id)
        .bind(Outcome::InDoubt.as_str())
        .bind(doubted_before)
        .bind(Outcome::Resent.as_str())
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(result.rows_affected())
    }

    async fn claim_contacts(
        &self,
        campaign_id: i64,
        limit: i64,
        lease_until: i64,
        now: i64,
    ) -> Result<Vec<ClaimedContact>> {
        let claimed = self
            .backend
            .claim_rows(Claim {
                campaign_id,
                limit,
                lease_until,
                now,
            })
            .await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "select {CONTACT_COLUMNS} from contacts where id in ({})",
            placeholders(1, claimed.len())
        );
        let mut query = sqlx::query::<Any>(&sql);
        for (_, _, contact_id, _, _) in &claimed {
            query = query.bind(contact_id);
        }
        let contacts: BTreeMap<i64, ContactRecord> = query
            .fetch_all(&self.pool)
            .await
            .map_err(other)?
            .iter()
            .map(|row| contact_from(row).map(|record| (record.id, record)))
            .collect::<Result<_>>()?;
        let mut result: Vec<ClaimedContact> = claimed
            .into_iter()
            .map(
                |(hopper_id, attempt, contact_id, claimed_from, tries_left)| {
                    let record = contacts.get(&contact_id).ok_or(StoreError::NotFound)?;
                    Ok(ClaimedContact {
                        hopper_id,
                        attempt,
                        retrying: claimed_from == HopperState::Retry.as_str(),
                        tries_left,
                        contact: record.contact.clone(),
                        opted_out_at: record.opted_out_at,
                    })
                },
            )
            .collect::<Result<_>>()?;
        result.sort_by_key(|claimed| claimed.hopper_id);
        Ok(result)
    }

    async fn apply_hopper_moves(
        &self,
        moves: &[HopperMove<'_>],
        messages: &[OutboundMessage<'_>],
        now: i64,
    ) -> Result<Vec<bool>> {
        self.backend.apply_moves(moves, messages, now).await
    }

    async fn expired_leases(&self, campaign_id: i64, now: i64) -> Result<Vec<HopperRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{HOPPER_SELECT} where campaign_id = $1 and state = 'sending' and lease_until < $2
                         order by id"
        ))
        .bind(campaign_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(hopper_from).collect()
    }

    async fn pending_sent_before(
        &self,
        campaign_id: i64,
        sent_before: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{HOPPER_SELECT} where campaign_id = $1 and state = 'pending' and ready_at < $2
                         order by ready_at, id limit $3"
        ))
        .bind(campaign_id)
        .bind(sent_before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(hopper_from).collect()
    }

    async fn hopper_rows_for_phone(
        &self,
        account_id: i64,
        phone: &str,
        states: &[HopperState],
        except_campaign: Option<i64>,
    ) -> Result<Vec<HopperRecord>> {
        let wanted: HashSet<&str> = states.iter().map(|state| state.as_str()).collect();
        let rows = sqlx::query::<Any>(&format!(
            "{HOPPER_SELECT} where account_id = $1 and phone = $2
                             and ($3 is null or campaign_id <> $3)
                         order by id"
        ))
        .bind(account_id)
        .bind(phone)
        .bind(except_campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(hopper_from)
            .filter(|row| {
                row.as_ref()
                    .map_or(true, |row| wanted.contains(row.state.as_str()))
            })
            .collect()
    }

    async fn phone_facts(
        &self,
        account_id: i64,
        campaign_id: i64,
        phones: &[String],
        sent_since: Option<i64>,
        messages_since: i64,
    ) -> Result<PhoneFacts> {
        let mut facts = PhoneFacts::default();
        if phones.is_empty() {
            return Ok(facts);
        }
        let list = placeholders(4, phones.len());
        let busy_elsewhere = format!(
            "select distinct phone from hopper where account_id = $1 and campaign_id <> $2
                 and state in ('pending', 'sending') and $3 = $3 and phone in ({list})"
        );
        let sent_recently = format!(
            "select distinct phone from hopper where account_id = $1 and campaign_id <> $2
                 and sent_at >= $3 and phone in ({list})"
        );
        let queries = [
            (busy_elsewhere, 0),
            (sent_recently, sent_since.unwrap_or(i64::MAX)),
        ];
        let mut found: Vec<HashSet<String>> = Vec::with_capacity(2);
        for (sql, since) in &queries {
            let mut query = sqlx::query_scalar::<Any, String>(sql)
                .bind(account_id)
                .bind(campaign_id)
                .bind(since);
            for phone in phones {
                query = query.bind(phone);
            }
            found.push(
                query
                    .fetch_all(&self.pool)
                    .await
                    .map_err(other)?
                    .into_iter()
                    .collect(),
            );
        }
        facts.sent_recently = found.pop().unwrap_or_default();
        facts.busy_elsewhere = found.pop().unwrap_or_default();
        for (phone, direction, last) in self
            .backend
            .last_messages(account_id, phones, messages_since)
            .await?
        {
            if direction == MessageDirection::Inbound.as_str() {
                facts.wrote_recently.insert(phone);
            } else {
                facts.last_outbound.insert(phone, last);
            }
        }
        Ok(facts)
    }

    async fn message_by_callback(
        &self,
        account_id: i64,
        callback_data: &str,
    ) -> Result<Option<(String, MessageStatus)>> {
        let found = sqlx::query_as::<Any, (String, String)>(
            "select provider_message_id, status from messages
                         where account_id = $1 and callback_data = $2 limit 1",
        )
        .bind(account_id)
        .bind(callback_data)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        found
            .map(|(id, status): (String, String)| Ok((id, parse::<MessageStatus>(&status)?)))
            .transpose()
    }

    async fn templates_sent_since(&self, account_id: i64, since: i64) -> Result<i64> {
        sqlx::query_scalar::<Any, i64>(
            "select count(*) from messages where account_id = $1 and created_at >= $2
                             and direction = 'outbound' and kind = 'template'",
        )
        .bind(account_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(other)
    }
}

/// The last message each way (phone, direction, `created_at`) since a time, per phone.
pub(crate) type LastMessage = (String, String, i64);
