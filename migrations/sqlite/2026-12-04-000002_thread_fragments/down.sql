DROP TRIGGER comments_fragment_clear;
DROP TRIGGER comments_fragment_update;
DROP TRIGGER comments_fragment_insert;
ALTER TABLE comments DROP COLUMN fragment;
