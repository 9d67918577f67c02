//! The agent app's core, shared by its views and its tests: [`desk`], everything the agent
//! sees, changed only by named transitions; and [`session`], the agent API's client
//! without IO, which turns the agent's intents into requests and the server's frames into
//! those transitions.
//!
//! [`app`] is the browser shell: the connection task and the views (Leptos), built for the
//! browser only.
//!
//! [`report`] words a report's figures, lays out its charts and writes its CSV.
//!
//! Architecture invariant: no IO, no clock, no DOM in `desk`, `session` and `report`. The shell feeds
//! frames and the time in, and sends what comes out; views never touch the socket.

#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod app;
pub mod card;
pub mod desk;
pub mod intent;
pub mod report;
pub mod session;
