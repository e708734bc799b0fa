-- An admin disables a user instead of deleting it (its name stays in what it did): a disabled
-- user cannot sign in and its sessions end.
alter table users add column disabled_at bigint;
