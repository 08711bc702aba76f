-- Mail and webhooks (issue 11): readers who asked to hear back, the
-- single-use tokens that confirm them, and the outbox that every message
-- and webhook delivery is written to in the transaction of its event.

-- A comment's author asked to be told what becomes of it (`notify`), in
-- the widget's language when it said (`lang`).
ALTER TABLE comments ADD COLUMN notify BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN lang TEXT;

-- Moderators' addresses, for the digest of waiting comments.
ALTER TABLE moderators ADD COLUMN email TEXT;

-- One row per address a reader gave with `notify`: `unconfirmed` until
-- the confirmation form is posted, `confirmed` after, `unsubscribed` for
-- good. `confirm_sent_at` limits confirmation requests to one a day. The
-- id (never the address) is what an unsubscribe link names.
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en',
    created_at BIGINT NOT NULL,
    confirm_sent_at BIGINT,
    confirmed_at BIGINT,
    unsubscribed_at BIGINT
);

-- Confirmation tokens, stored as SHA-256 hashes only; single-use
-- (`used_at`) and expiring.
CREATE TABLE mail_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX mail_tokens_by_email ON mail_tokens (email);

-- Every message and webhook delivery. `dedupe_key` names the event and
-- the recipient, so one event never queues the same delivery twice;
-- `lease_until`/`lease_owner` let exactly one sender (of several
-- processes) take an item; `state` is `due`, `sent`, `failed` (gave up:
-- shown to admins, who may retry or drop it) or `dropped`.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    comment_id INTEGER,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'due',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    lease_until BIGINT,
    lease_owner TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
