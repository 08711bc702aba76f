-- Imports (issue 12): which of our rows each id of an imported file
-- became, so that importing the same file again adds nothing and an
-- interrupted import can simply be run again. `source` is the system
-- (`disqus`, `wordpress`, `isso`, `colloquy`, `dipnote`), `kind` what the
-- id names (`post`, `comment` or `reply`), `our_id` the post's or the
-- comment's id. `parent_source_id` keeps a comment's parent as the file
-- named it until every comment is stored and the parents are linked.
CREATE TABLE import_ids (
    source TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('post', 'comment', 'reply')),
    source_id TEXT NOT NULL,
    our_id INTEGER NOT NULL,
    parent_source_id TEXT,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
CREATE INDEX import_ids_unlinked ON import_ids (source, our_id)
WHERE parent_source_id IS NOT NULL;
