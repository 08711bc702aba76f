-- Every instance on this database hears what changes a public thread
-- (issue 14): the change's own transaction notifies the channel
-- `colloquy_threads` at its commit, whichever process made it (a server,
-- `colloquy reader erase`, an import), and each server's listener drops
-- what its cache holds of that post. The payload is `p<post id>` for a
-- thread or count, `s<post id>` when slug lookups must be forgotten too
-- (a post created, a slug changed). PostgreSQL sends one notification per
-- distinct payload per transaction, however many rows changed.
--
-- As in the dispatcher, only what a reader can see counts: comments that
-- are or were approved, and posts. Columns a thread never shows (the
-- flag count, the e-mail address, the IP hash, the notify choice) change
-- nothing.
CREATE FUNCTION colloquy_comment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.post_id = NEW.post_id
        AND to_jsonb(OLD) - 'flag_count' - 'email' - 'ip_hash' - 'notify'
            = to_jsonb(NEW) - 'flag_count' - 'email' - 'ip_hash' - 'notify' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('colloquy_threads', 'p' || OLD.post_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('colloquy_threads', 'p' || NEW.post_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER comments_notify_insert AFTER INSERT ON comments
    FOR EACH ROW WHEN (NEW.status = 'approved') EXECUTE FUNCTION colloquy_comment_changed();
CREATE TRIGGER comments_notify_update AFTER UPDATE ON comments
    FOR EACH ROW WHEN (OLD.status = 'approved' OR NEW.status = 'approved')
    EXECUTE FUNCTION colloquy_comment_changed();
CREATE TRIGGER comments_notify_delete AFTER DELETE ON comments
    FOR EACH ROW WHEN (OLD.status = 'approved') EXECUTE FUNCTION colloquy_comment_changed();

CREATE FUNCTION colloquy_post_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.slug IS DISTINCT FROM OLD.slug THEN
            PERFORM pg_notify('colloquy_threads', 's' || NEW.id);
        ELSIF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
            PERFORM pg_notify('colloquy_threads', 'p' || NEW.id);
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('colloquy_threads', 's' || NEW.id);
    ELSE
        PERFORM pg_notify('colloquy_threads', 's' || OLD.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER posts_notify AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION colloquy_post_changed();
