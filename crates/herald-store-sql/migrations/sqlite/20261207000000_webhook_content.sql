-- What a webhook says, as read when it was received (herald_domain::WebhookContent, JSON), for
-- the applier: a webhook is read from the provider's format once. Null for webhooks settled at
-- once, and for those stored before this column (their payload is read again).
alter table webhook_events add column content text;
