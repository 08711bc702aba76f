-- Twin of migrations/postgres/2026-12-06-000202_thread_changes: one
-- process serves a SQLite file and its dispatcher keeps its cache exact
-- (other processes leave marks in cache_invalidations), so nothing here.
SELECT 1;
