//! Colloquy: a moderated comment system for policy and diplomacy blogs.

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
