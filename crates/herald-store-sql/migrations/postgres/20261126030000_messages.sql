-- Every message to and from contacts, keyed by the provider's id. A status webhook may arrive
-- before the sender has recorded its message: it creates the row (kind still null), and the
-- sender's record fills it in. `status_rank` lets one conditional upsert refuse a status that
-- would move the message backwards.

create table messages (
    id bigserial primary key,
    account_id bigint not null references accounts (id),
    provider_message_id text not null,
    direction text not null check (direction in ('inbound', 'outbound')),
    kind text check (kind in ('button', 'button_reply', 'list', 'list_reply', 'location', 'media', 'template', 'text', 'other')),
    phone text not null,
    status text not null check (status in ('accepted', 'sent', 'failed', 'delivered', 'read', 'received')),
    status_rank bigint not null,
    status_at bigint not null,
    delivered_at bigint,
    error_code bigint,
    error_message text,
    body text,
    reply_to text,
    callback_data text,
    payload text,
    created_at bigint not null,
    updated_at bigint not null,
    unique (account_id, provider_message_id)
);

create index messages_by_phone on messages (account_id, phone, id);
