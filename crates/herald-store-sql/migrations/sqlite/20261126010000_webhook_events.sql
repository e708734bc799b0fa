-- Every provider webhook, stored before it is acknowledged; a replay (same body) is stored once.

create table webhook_events (
    id integer primary key,
    provider text not null check (provider in ('meta', 'kaleyra', 'sandbox')),
    account_id integer references accounts (id),
    dedupe_key text not null unique,
    payload text not null,
    received_at integer not null,
    processed_at integer
);

create index templates_by_provider_id on templates (account_id, provider_template_id);
