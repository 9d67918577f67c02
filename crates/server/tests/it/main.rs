//! Integration tests: the real server on a loopback port with a real SQLite file, driven
//! by real websocket clients.

mod auth;
mod chat;
mod liveness;
mod restart;
mod support;
