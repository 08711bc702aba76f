-- Rate limits shared by every instance on this database (issue 14).
--
-- One row per limited key: the kind of action and the keyed hash of the
-- client's address (never the address), or of an account name. `tat` is
-- the bucket's "theoretical arrival time" in seconds since the epoch
-- (GCRA, the algorithm governor uses in memory on SQLite): a try is let
-- through while `tat - now` stays within the burst, and each one pushes
-- `tat` one interval on. `allowed` holds the outcome of the last try, so
-- that one `INSERT … ON CONFLICT DO UPDATE … RETURNING` both decides and
-- tells. UNLOGGED: nothing here is worth a WAL write, and a crash that
-- empties the table only forgives a few minutes of limits.
CREATE UNLOGGED TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tat DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN NOT NULL
);
