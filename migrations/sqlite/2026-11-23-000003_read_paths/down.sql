DROP TRIGGER status_totals_delete;
DROP TRIGGER status_totals_update;
DROP TRIGGER status_totals_insert;
DROP TABLE status_totals;
DROP INDEX comments_body_hash;
ALTER TABLE comments DROP COLUMN body_hash;
