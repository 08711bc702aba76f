-- The moderators' workspace: bans, banned and suspect terms, claims on
-- queue items, and the record of posts closed by `auto_close_days`.

-- Senders refused on submit, by e-mail (stored lowercased) or by the keyed
-- hash of their IP address. A ban without `expires_at` lasts until lifted;
-- lifting deletes the row (the moderation log keeps the record).
CREATE TABLE bans (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'ip_hash')),
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- The comment the ban was made from, for context in the list.
    comment_id INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    moderator_id INTEGER REFERENCES moderators (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    UNIQUE (kind, value)
);

-- Terms matched on folded text (case, diacritics, look-alike characters).
-- `banned` rejects the comment with `reason`; `suspect` holds it with a
-- signal. `folded` is the folded form, unique so that one term is not on
-- both lists.
CREATE TABLE terms (
    id INTEGER PRIMARY KEY NOT NULL,
    term TEXT NOT NULL,
    folded TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('banned', 'suspect')),
    reason TEXT,
    moderator_id INTEGER REFERENCES moderators (id),
    created_at BIGINT NOT NULL
);

-- "Being handled": who opened a queue item last, and when. A claim is
-- fresh for a short time; a decision removes it.
CREATE TABLE claims (
    comment_id INTEGER PRIMARY KEY NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    moderator_id INTEGER NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    claimed_at BIGINT NOT NULL
);

-- Posts whose comments `auto_close_days` closed. A post is closed this way
-- once: an editor who reopens it afterwards is not overruled.
CREATE TABLE auto_closed_posts (
    post_id INTEGER PRIMARY KEY NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    closed_at BIGINT NOT NULL
);
