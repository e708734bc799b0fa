-- The Interactions page lists the contacts that wrote most recently: the newest inbound
-- messages of an account, found without walking the campaign traffic around them.
create index messages_inbound on messages (account_id, id) where direction = 'inbound';
