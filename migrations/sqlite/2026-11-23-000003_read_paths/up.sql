-- Read paths that stay fast at a million comments.

-- A fingerprint of each comment's text (case and spacing folded), so that
-- the "repeats a recent comment" signal is one index probe rather than a
-- scan of a post's or a sender's comments.
ALTER TABLE comments ADD COLUMN body_hash BIGINT;
CREATE INDEX comments_body_hash ON comments (body_hash) WHERE body_hash IS NOT NULL;

-- How many comments each status holds, kept by triggers in the same
-- transaction as every change, so the queue's totals and tab counts are
-- one row read rather than a count over hundreds of thousands of rows.
CREATE TABLE status_totals (
    status TEXT PRIMARY KEY NOT NULL,
    total BIGINT NOT NULL
);
INSERT INTO status_totals (status, total)
SELECT s.status, (SELECT COUNT(*) FROM comments c WHERE c.status = s.status)
FROM (SELECT 'pending' AS status UNION ALL SELECT 'approved' UNION ALL SELECT 'rejected' UNION ALL SELECT 'spam') AS s;
CREATE TRIGGER status_totals_insert AFTER INSERT ON comments
BEGIN
    UPDATE status_totals SET total = total + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER status_totals_update AFTER UPDATE OF status ON comments
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE status_totals SET total = total - 1 WHERE status = OLD.status;
    UPDATE status_totals SET total = total + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER status_totals_delete AFTER DELETE ON comments
BEGIN
    UPDATE status_totals SET total = total - 1 WHERE status = OLD.status;
END;
