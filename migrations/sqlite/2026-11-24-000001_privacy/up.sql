-- Privacy: retention of readers' e-mail addresses and IP hashes, and the
-- erasure of a reader's comments on request.

-- Posts whose public thread a process other than the server changed (the
-- `colloquy reader erase` command). Each running server polls this table
-- every few seconds and drops those posts from its cache; rows are pruned
-- after a day. AUTOINCREMENT keeps ids rising even after pruning, so a
-- server's "last seen" id stays meaningful.
CREATE TABLE cache_invalidations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    at BIGINT NOT NULL
);

-- The retention purge walks only the comments that still hold personal
-- data, by decision time, rather than every comment every five minutes.
CREATE INDEX comments_personal ON comments (moderated_at)
WHERE email IS NOT NULL OR ip_hash IS NOT NULL;
