-- Every provider webhook, stored before it is acknowledged; a replay (same body) is stored once.

create table webhook_events (
    id bigserial primary key,
    provider text not null check (provider in ('meta', 'kaleyra', 'sandbox')),
    account_id bigint references accounts (id),
    dedupe_key text not null unique,
    payload text not null,
    received_at bigint not null,
    processed_at bigint
);

create index templates_by_provider_id on templates (account_id, provider_template_id);
