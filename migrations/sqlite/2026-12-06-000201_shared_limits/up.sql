-- Twin of migrations/postgres/2026-12-06-000201_shared_limits: on SQLite
-- one process serves the file, and its rate limits stay in memory
-- (governor), so there is nothing to create.
SELECT 1;
