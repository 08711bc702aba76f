-- Posts that a reader's first comment created (posts.auto_create): the
-- public list shows them only once they have an approved comment, and
-- editors see them marked in the workspace.
ALTER TABLE posts ADD COLUMN auto_created BOOLEAN NOT NULL DEFAULT 0;
