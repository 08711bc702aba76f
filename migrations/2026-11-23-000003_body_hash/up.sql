-- A fingerprint of each comment's text (case and spacing folded), so that
-- the "repeats a recent comment" signal is one index probe rather than a
-- scan of a post's or a sender's comments.
ALTER TABLE comments ADD COLUMN body_hash BIGINT;
CREATE INDEX comments_body_hash ON comments (body_hash) WHERE body_hash IS NOT NULL;
