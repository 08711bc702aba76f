DROP TRIGGER status_totals_delete ON comments;
DROP TRIGGER status_totals_update ON comments;
DROP TRIGGER status_totals_insert ON comments;
DROP FUNCTION status_totals_follow();
DROP TABLE status_totals;
DROP INDEX comments_body_hash;
ALTER TABLE comments DROP COLUMN body_hash;
