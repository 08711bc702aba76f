-- Due process (issue 13, EU Digital Services Act arts. 15-17).
--
-- statements: one statement of reasons per reject or spam decision and per
-- removal of an approved comment, written in the decision's transaction.
-- It copies the reason's clause and ground as they were published when the
-- decision was made, and holds nothing personal: no name, address or text
-- of the comment. `comment_id` is deliberately not a foreign key, so that
-- a reader's erasure may delete the comment while the anonymous record
-- (and the transparency report built on it) stays. `token_hash` is the
-- digest of the random token of the reader's statement page; the token
-- itself is only ever in the reader's e-mail.
CREATE TABLE statements (
    id INTEGER PRIMARY KEY NOT NULL,
    comment_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('not_published', 'removed')),
    status TEXT NOT NULL CHECK (status IN ('rejected', 'spam')),
    ground TEXT NOT NULL CHECK (ground IN ('terms', 'illegal')),
    reason TEXT NOT NULL,
    policy_clause TEXT NOT NULL,
    law TEXT,
    facts TEXT NOT NULL,
    automated_detection BOOLEAN NOT NULL,
    automated_decision BOOLEAN NOT NULL,
    from_notice BOOLEAN NOT NULL,
    moderator_id INTEGER REFERENCES moderators (id),
    submitted_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX statements_comment ON statements (comment_id, id);
CREATE INDEX statements_created ON statements (created_at);

-- notices: a reader's report that a comment is illegal or breaks the
-- comment policy (art. 16). The notifier's name and address are optional
-- and are only ever shown to moderators.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY NOT NULL,
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    category TEXT NOT NULL CHECK (category IN ('illegal', 'terms')),
    explanation TEXT NOT NULL,
    law TEXT,
    notifier_name TEXT,
    notifier_email TEXT,
    good_faith BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    outcome TEXT CHECK (outcome IN ('action_taken', 'no_action')),
    resolution TEXT,
    moderator_id INTEGER REFERENCES moderators (id)
);
CREATE INDEX notices_open ON notices (comment_id) WHERE resolved_at IS NULL;
CREATE INDEX notices_created ON notices (created_at);

-- appeals: a reader's complaint against one statement (art. 20), at most
-- one per decision.
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY NOT NULL,
    statement_id INTEGER NOT NULL UNIQUE REFERENCES statements (id),
    comment_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    outcome TEXT CHECK (outcome IN ('upheld', 'reversed')),
    moderator_id INTEGER REFERENCES moderators (id)
);
CREATE INDEX appeals_open ON appeals (comment_id) WHERE decided_at IS NULL;
CREATE INDEX appeals_created ON appeals (created_at);
