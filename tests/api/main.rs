//! Black-box tests of the HTTP contract: each test gets the real server on
//! a random port over a fresh SQLite file, or over a fresh PostgreSQL
//! database when `COLLOQUY_TEST_POSTGRES` names a cluster
//! (`scripts/test-postgres`; see `test_database`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod admin_mail;
mod admin_page;
mod auth;
mod browser;
mod cache;
mod cli;
mod connections;
mod cookies;
mod copy_db;
mod day_one;
mod due_process;
mod errors;
mod feeds;
mod hardening;
mod hardening_render;
mod helpers;
mod impersonation;
mod imports;
mod isolation;
mod layering;
mod mail;
mod metrics;
mod moderation;
mod openapi;
mod pg_cluster;
mod pg_instances;
mod pg_pair;
mod pg_schema;
mod postgres;
mod posts;
mod preview;
mod privacy;
mod rate_limits;
mod render_properties;
mod sanitising;
mod sessions;
mod sqlite_only;
mod submit;
mod test_database;
mod thread;
mod transparency;
mod widget;
mod widget_reader;
mod workspace;
