//! Colloquy: a moderated comment system for policy and diplomacy blogs.

pub mod app;
pub mod backup;
pub mod cache;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod housekeeping;
pub mod http;
pub mod import;
pub mod limits;
pub mod metrics;
pub mod routes;
pub mod service;
pub mod state;
