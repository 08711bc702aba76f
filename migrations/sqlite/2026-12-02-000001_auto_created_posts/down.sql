ALTER TABLE posts DROP COLUMN auto_created;
