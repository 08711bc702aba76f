-- PostgreSQL twin of the sqlite migration of the same name: the text
-- fingerprint column and the status totals kept by triggers.
ALTER TABLE comments ADD COLUMN body_hash BIGINT;
CREATE INDEX comments_body_hash ON comments (body_hash) WHERE body_hash IS NOT NULL;

CREATE TABLE status_totals (
    status TEXT PRIMARY KEY,
    total BIGINT NOT NULL
);
INSERT INTO status_totals (status, total)
SELECT s.status, (SELECT COUNT(*) FROM comments c WHERE c.status = s.status)
FROM (VALUES ('pending'), ('approved'), ('rejected'), ('spam')) AS s (status);

CREATE FUNCTION status_totals_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_totals SET total = total - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE status_totals SET total = total + 1 WHERE status = NEW.status;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER status_totals_insert AFTER INSERT ON comments
FOR EACH ROW EXECUTE FUNCTION status_totals_follow();
CREATE TRIGGER status_totals_update AFTER UPDATE OF status ON comments
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION status_totals_follow();
CREATE TRIGGER status_totals_delete AFTER DELETE ON comments
FOR EACH ROW EXECUTE FUNCTION status_totals_follow();
