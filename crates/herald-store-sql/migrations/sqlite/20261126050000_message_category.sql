-- The category a template was sent under (MARKETING, UTILITY...): a later template of another
-- category replaces the customer service window (SPEC section 5), so the window is replayed
-- from what each message was, not from what its template is today.
alter table messages add column category text;
