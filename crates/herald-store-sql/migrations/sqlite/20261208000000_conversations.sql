-- What agents did with a contact's conversation, by inbound message id (not by time: the ids
-- order the contact's messages exactly, whatever the clocks say). Unread: the contact's
-- messages after `read_through`. Closed: no message from the contact after `closed_through`
-- (0: open); a new message reopens it without a write.
create table conversations (
    account_id bigint not null references accounts (id),
    phone text not null,
    read_through bigint not null default 0,
    closed_through bigint not null default 0,
    primary key (account_id, phone)
);
