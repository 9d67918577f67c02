//! Integration tests: the real server on a loopback port with a real SQLite file, driven
//! by real websocket clients. With `CHAT_TEST_DB=postgres` every server runs on a
//! database of its own in a real PostgreSQL server that the tests start.

#[path = "../common/postgres.rs"]
mod postgres;
mod accounts;
mod actions;
mod agent;
mod auth;
mod chat;
mod config_file;
mod desk;
mod liveness;
mod operations;
mod restart;
mod routing;
mod settings;
mod startup;
mod static_files;
mod support;
mod url_info;
mod uploads;
mod verification;
mod versions;
mod web_api;
