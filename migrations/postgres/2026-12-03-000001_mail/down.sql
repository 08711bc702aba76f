DROP TABLE outbox;
DROP TABLE mail_tokens;
DROP TABLE subscribers;
ALTER TABLE moderators DROP COLUMN email;
ALTER TABLE comments DROP COLUMN lang;
ALTER TABLE comments DROP COLUMN notify;
