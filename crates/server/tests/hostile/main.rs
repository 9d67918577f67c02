//! Hostile clients, in a test binary of their own: each test asserts a control visitor's
//! one-second round trip, so they run one at a time and never beside the other
//! integration tests.

#[allow(dead_code)]
#[path = "../common/postgres.rs"]
mod postgres;
#[allow(dead_code)]
#[path = "../it/support.rs"]
mod support;

mod attacks;
mod content;
