//! Mail and webhooks, against a real SMTP server process and a real HTTP
//! receiver.

mod fault;
mod forms;
mod moderators;
mod readers;
pub mod smtp;
