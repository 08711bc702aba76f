//! Tests of the SQLite file itself: `colloquy backup` and `restore`
//! copy the file (on PostgreSQL they refuse; `postgres::` checks that and
//! `pg_dump`/`pg_restore` instead), and the power-loss test watches the
//! server's fsyncs of its write-ahead log file under strace (PostgreSQL's
//! durability is its own: `synchronous_commit`). They always run over
//! SQLite files of their own, whatever `COLLOQUY_TEST_POSTGRES` says, so
//! `scripts/test-postgres` skips them (`--skip sqlite_only::`).

mod backup;
mod power_loss;
