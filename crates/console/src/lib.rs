//! The agent app's core, shared by its views and its tests: [`desk`], everything the agent
//! sees, changed only by named transitions; and [`session`], the agent API's client
//! without IO, which turns the agent's intents into requests and the server's frames into
//! those transitions.
//!
//! Architecture invariant: no IO, no clock, no DOM here. The browser shell feeds frames and
//! the time in, and sends what comes out.

#![warn(missing_docs)]

pub mod desk;
pub mod session;
