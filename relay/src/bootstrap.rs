//! First start: the first admin (its password printed once) and a sandbox demo account, so that
//! a fresh relay is usable with no configuration.

use herald_api::{AccountInput, AccountSecrets, AccountSettings};
use herald_contacts::Contact;
use herald_domain::{Provider, Role};

use crate::accounts::insert_account;
use crate::auth;
use crate::config::Settings;
use crate::state::AppState;

/// Name of the first admin.
pub const FIRST_ADMIN: &str = "admin";

/// Creates what a fresh database lacks; returns lines to show the operator once.
pub async fn first_start(state: &AppState, settings: &Settings) -> anyhow::Result<Vec<String>> {
    let mut notices = Vec::new();
    if state.store.count_users().await? == 0 {
        let (password, shown) = match &settings.admin_password {
            Some(password) => (
                password.clone(),
                "the password in HERALD_ADMIN_PASSWORD".to_owned(),
            ),
            None => {
                let password = auth::new_password();
                (
                    password.clone(),
                    format!("password {password} (shown once: keep it)"),
                )
            }
        };
        let hash = auth::hash_password(&password)?;
        state
            .store
            .create_user(FIRST_ADMIN, &hash, Role::Admin, state.clock.now_ms())
            .await?;
        notices.push(format!(
            "First start: sign in as \"{FIRST_ADMIN}\" with {shown}"
        ));
    }
    if state.store.list_accounts().await?.is_empty() {
        let demo = AccountInput {
            name: "Sandbox demo".to_owned(),
            provider: Provider::Sandbox,
            settings: AccountSettings {
                waba_id: Some("sandbox-waba".to_owned()),
                phone_number_id: Some("sandbox-phone".to_owned()),
                messages_per_second: Some(80),
                messaging_limit: Some(250),
                ..AccountSettings::default()
            },
            secrets: AccountSecrets {
                access_token: Some(auth::new_token()),
                app_secret: Some(auth::new_token()),
                verify_token: Some(auth::new_token()),
                api_key: None,
                callback_token: None,
            },
        };
        let account = insert_account(state, &demo)
            .await
            .map_err(|error| anyhow::anyhow!("cannot create the sandbox account: {error}"))?
            .record
            .id;
        let list = state
            .store
            .create_list(account, "Demo list", state.clock.now_ms())
            .await?;
        state
            .store
            .upsert_contacts(account, list, &demo_contacts(), state.clock.now_ms())
            .await?;
        notices.push(
            "First start: created the account \"Sandbox demo\" (sandbox provider) and its \"Demo list\" of 5 contacts".to_owned(),
        );
    }
    Ok(notices)
}

/// The demo list's contacts: four the sandbox delivers to, and its number that "does not exist"
/// (15550009999), so a first campaign shows a failure too.
fn demo_contacts() -> Vec<Contact> {
    [
        ("4915112345001", "Anna", "Schmidt", "gold"),
        ("393402211333", "Marco", "Rossi", "silver"),
        ("447700900123", "Olivia", "Brown", "gold"),
        ("14155550100", "Sam", "Lee", "bronze"),
        ("15550009999", "Nobody", "Home", "bronze"),
    ]
    .into_iter()
    .map(|(phone, first_name, last_name, tier)| Contact {
        phone: phone.to_owned(),
        mobile: phone.to_owned(),
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        custom: [("tier".to_owned(), tier.to_owned())].into(),
        ..Contact::default()
    })
    .collect()
}
