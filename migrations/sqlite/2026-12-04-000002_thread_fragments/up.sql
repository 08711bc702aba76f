-- Each approved item's public JSON object, kept beside it so that a
-- thread page that is not cached is one indexed read and a concatenation
-- rather than four strings per row escaped into JSON again. Its fields
-- are those of the thread's items in API.md, in order, without the two
-- that depend on more than the row: the permalink (the post's page) and
-- the replies (the rest of the thread), which the reader appends.
--
-- Kept by triggers in the same statement as every change to a row, so it
-- cannot go stale whatever writes the row (a decision, an edit, an
-- erasure, an official reply, an import, an older binary): only approved
-- rows hold one, the others hold NULL.
ALTER TABLE comments ADD COLUMN fragment TEXT;

UPDATE comments SET fragment = json_object(
    'id', id,
    'parent_id', parent_id,
    'kind', kind,
    'author_name', author_name,
    'author_location', author_location,
    'body_html', body_html,
    'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch'))
WHERE status = 'approved';

CREATE TRIGGER comments_fragment_insert AFTER INSERT ON comments
WHEN NEW.status = 'approved'
BEGIN
    UPDATE comments SET fragment = json_object(
        'id', NEW.id,
        'parent_id', NEW.parent_id,
        'kind', NEW.kind,
        'author_name', NEW.author_name,
        'author_location', NEW.author_location,
        'body_html', NEW.body_html,
        'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.created_at, 'unixepoch'))
    WHERE id = NEW.id;
END;

CREATE TRIGGER comments_fragment_update
AFTER UPDATE OF status, parent_id, kind, author_name, author_location, body_html, created_at, fragment ON comments
WHEN NEW.status = 'approved'
BEGIN
    UPDATE comments SET fragment = json_object(
        'id', NEW.id,
        'parent_id', NEW.parent_id,
        'kind', NEW.kind,
        'author_name', NEW.author_name,
        'author_location', NEW.author_location,
        'body_html', NEW.body_html,
        'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.created_at, 'unixepoch'))
    WHERE id = NEW.id;
END;

CREATE TRIGGER comments_fragment_clear
AFTER UPDATE OF status ON comments
WHEN NEW.status <> 'approved' AND NEW.fragment IS NOT NULL
BEGIN
    UPDATE comments SET fragment = NULL WHERE id = NEW.id;
END;
