-- PostgreSQL twin of the sqlite migration of the same name.
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
