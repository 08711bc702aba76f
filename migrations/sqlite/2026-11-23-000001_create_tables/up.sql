-- Posts: the blog entries that comments hang under.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    url TEXT,
    summary TEXT NOT NULL DEFAULT '',
    body_source TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    comments_open BOOLEAN NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX posts_published ON posts (published_at DESC, id DESC);

-- Moderator accounts. Passwords are argon2id PHC strings.
CREATE TABLE moderators (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('moderator', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Reader comments and official replies. The IP address is only ever stored
-- as a keyed hash; body_html is the sanitised rendering of body_source.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments (id),
    kind TEXT NOT NULL CHECK (kind IN ('reader', 'official')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    author_name TEXT NOT NULL,
    author_location TEXT,
    email TEXT,
    ip_hash TEXT,
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    spam_score INTEGER NOT NULL DEFAULT 0,
    signals TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    flag_count INTEGER NOT NULL DEFAULT 0,
    moderator_id INTEGER REFERENCES moderators (id),
    created_at BIGINT NOT NULL,
    moderated_at BIGINT
);
-- Threads: every approved item of one post, in time order, from one index.
CREATE INDEX comments_thread ON comments (post_id, status, created_at, id);
-- The queue: one status, oldest first, keyset paged.
CREATE INDEX comments_queue ON comments (status, created_at, id);
-- Reader flags raise a comment in the queue.
CREATE INDEX comments_flagged ON comments (created_at, id) WHERE flag_count > 0;
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;
-- Author history and repeated-text checks.
CREATE INDEX comments_email ON comments (email) WHERE email IS NOT NULL;
CREATE INDEX comments_ip_hash ON comments (ip_hash, created_at) WHERE ip_hash IS NOT NULL;

-- Server-side sessions: only a hash of the cookie's token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    moderator_id INTEGER NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_moderator ON sessions (moderator_id);

-- The moderation log: append-only (enforced by triggers below).
CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    moderator_id INTEGER REFERENCES moderators (id),
    action TEXT NOT NULL,
    comment_id INTEGER REFERENCES comments (id),
    post_id INTEGER REFERENCES posts (id),
    reason TEXT,
    detail TEXT
);
CREATE INDEX moderation_log_comment ON moderation_log (comment_id) WHERE comment_id IS NOT NULL;
CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON moderation_log
BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END;
CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON moderation_log
BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END;

-- Reader reports on approved comments; one counted report per IP hash.
CREATE TABLE flags (
    id INTEGER PRIMARY KEY NOT NULL,
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    ip_hash TEXT NOT NULL,
    resolved BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (comment_id, ip_hash)
);

-- Values the instance generates once and keeps (e.g. the IP hashing key
-- when the operator has not configured one).
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
