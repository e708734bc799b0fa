-- A list membership is its primary key and nothing else: stored without a rowid, the key is the
-- table, and each membership is written to two B-trees (the table and list_members_by_contact)
-- instead of three. An import writes two memberships per contact (its list and the master list),
-- so this is a quarter of an import's B-tree writes. PostgreSQL has no rowid to drop.

create table list_members_by_key (
    list_id integer not null references contact_lists (id),
    contact_id integer not null references contacts (id),
    primary key (list_id, contact_id)
) without rowid;

insert into list_members_by_key (list_id, contact_id) select list_id, contact_id from list_members;

drop table list_members;

alter table list_members_by_key rename to list_members;

create index list_members_by_contact on list_members (contact_id);
