-- Contacts and lists (SPEC section 4), campaigns and their hopper (SPEC section 5).
-- A contact is one row per account and phone: every list it is in (the account's master list
-- always) points at that row, and so does every campaign's hopper, so adding it again with new
-- values updates them everywhere at once.

create table contact_lists (
    id bigserial primary key,
    account_id bigint not null references accounts (id),
    name text not null,
    is_master bigint not null default 0,
    created_at bigint not null,
    unique (account_id, name)
);

create unique index one_master_list_per_account on contact_lists (account_id) where is_master = 1;

insert into contact_lists (account_id, name, is_master, created_at)
select id, 'Master list', 1, created_at from accounts;

create table contacts (
    id bigserial primary key,
    account_id bigint not null references accounts (id),
    phone text not null,
    mobile text not null,
    first_name text not null,
    last_name text not null,
    email text not null,
    custom_json text not null,
    opted_out_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    unique (account_id, phone)
);

create table list_members (
    list_id bigint not null references contact_lists (id),
    contact_id bigint not null references contacts (id),
    primary key (list_id, contact_id)
);

create index list_members_by_contact on list_members (contact_id);

create table campaigns (
    id bigserial primary key,
    account_id bigint not null references accounts (id),
    template_id bigint not null references templates (id),
    name text not null,
    settings_json text not null,
    status text not null check (status in ('SCHEDULED', 'RUNNING', 'PAUSED', 'STOPPED', 'COMPLETED')),
    status_reason text,
    start_at bigint not null,
    deleted_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create index campaigns_by_account on campaigns (account_id, deleted_at);

create table campaign_lists (
    campaign_id bigint not null references campaigns (id),
    list_id bigint not null references contact_lists (id),
    primary key (campaign_id, list_id)
);

create index campaign_lists_by_list on campaign_lists (list_id);

-- One row per contact of a campaign: its hopper state, and once closed its history entry.
-- `attempt` grows with every claim and goes into the message's biz_opaque_callback_data, so a
-- webhook about an earlier attempt never moves a later one. `tries_left` is how many times the
-- sender may still claim a `retry` row on its own; Start Retry Campaign refills it.
create table hopper (
    id bigserial primary key,
    campaign_id bigint not null references campaigns (id),
    contact_id bigint not null references contacts (id),
    account_id bigint not null references accounts (id),
    phone text not null,
    state text not null check (state in ('fresh', 'sending', 'pending', 'waiting', 'retry', 'closed')),
    attempt bigint not null default 0,
    -- The state the last claim took the row from: a claim of a `retry` row first checks that
    -- the previous attempt did not go out after all.
    claimed_from text,
    tries_left bigint not null default 0,
    ready_at bigint not null default 0,
    lease_until bigint,
    message_id text,
    sent_at bigint,
    delivered_at bigint,
    closed_at bigint,
    outcome text,
    reason text,
    error_code bigint,
    answer text,
    updated_at bigint not null,
    unique (campaign_id, contact_id)
);

-- `ready_at` is when the row's clock starts: for fresh and retry rows, when they may be
-- claimed; for pending rows, when the message was sent (the response timeout counts from it).
-- Claims and timeouts are then one range of this index each, whatever the campaign's size.
create index hopper_to_claim on hopper (campaign_id, state, ready_at);
create index hopper_by_state on hopper (campaign_id, state, id);
create index hopper_by_phone on hopper (account_id, phone);
create index hopper_by_change on hopper (campaign_id, updated_at);

create index messages_by_callback on messages (account_id, callback_data) where callback_data is not null;
create index messages_by_time on messages (account_id, created_at)
    where direction = 'outbound' and kind = 'template';
