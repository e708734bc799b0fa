-- The applier asks for unapplied webhooks in order; without this it scans every stored webhook.
create index webhook_events_unprocessed on webhook_events (id) where processed_at is null;
