ALTER TABLE comments DROP COLUMN fragment;
