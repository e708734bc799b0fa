-- Users, sessions, provider accounts and templates. Times are Unix milliseconds.

create table users (
    id integer primary key,
    username text not null unique,
    password_hash text not null,
    role text not null check (role in ('admin', 'agent')),
    created_at integer not null,
    updated_at integer not null
);

create table sessions (
    token_hash text primary key,
    user_id integer not null references users (id) on delete cascade,
    expires_at integer not null,
    created_at integer not null
);

create index sessions_by_user on sessions (user_id);

create table accounts (
    id integer primary key,
    name text not null,
    provider text not null check (provider in ('meta', 'kaleyra', 'sandbox')),
    settings_json text not null,
    -- AEAD ciphertext of the credentials: nonce followed by the sealed JSON.
    secrets blob not null,
    created_at integer not null,
    updated_at integer not null
);

create table templates (
    id integer primary key,
    account_id integer not null references accounts (id),
    name text not null,
    language text not null,
    file_json text not null,
    status text not null check (status in ('DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED')),
    quality text not null check (quality in ('GREEN', 'YELLOW', 'RED', 'UNKNOWN')),
    rejection_reason text,
    provider_template_id text,
    deleted_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index templates_by_account on templates (account_id, deleted_at);
