-- PostgreSQL twin of the sqlite migration of the same name.
ALTER TABLE posts ADD COLUMN auto_created BOOLEAN NOT NULL DEFAULT FALSE;
