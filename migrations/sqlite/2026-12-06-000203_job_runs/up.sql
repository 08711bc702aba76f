-- Background jobs run once across every instance on one database
-- (issue 14): before a periodic job (the housekeeping sweep, the pruning
-- of shared rate limits) an instance claims its turn with one UPDATE that
-- moves `due_at` on only if it had come; of instances racing for the
-- same turn exactly one changes the row. `runs` counts the turns taken.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY NOT NULL,
    due_at BIGINT NOT NULL,
    runs BIGINT NOT NULL
);
