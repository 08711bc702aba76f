-- PostgreSQL twin of the sqlite migration of the same name: the column
-- only. SQLite's triggers write each approved item's JSON exactly as the
-- server's serialiser does; PostgreSQL's JSON functions space their output
-- differently, so here the column stays NULL and a thread that is not
-- cached is built from the rows themselves (the reader's fallback path,
-- which gives the same bytes).
ALTER TABLE comments ADD COLUMN fragment TEXT;
