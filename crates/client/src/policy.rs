//! Connection policies every client follows: how long to wait before reconnecting, and
//! what a disconnection reason or a refused login means.

use std::time::Duration;

/// First retry delay.
const BASE_DELAY: Duration = Duration::from_millis(300);
/// Longest retry delay.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How long to wait before reconnect attempt `attempt` (1-based). `jitter` is a uniform
/// random number in [0, 1); it spreads the delay by ±30% so that many widgets dropped by
/// one server restart do not come back all at once.
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(16);
    let delay = BASE_DELAY.saturating_mul(1 << exponent).min(MAX_DELAY);
    delay.mul_f64(0.7 + 0.6 * jitter.clamp(0.0, 1.0))
}

/// What the client does after the server closed the connection with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Reconnect with backoff; `new_token` when the old one must not be reused.
    Reconnect {
        /// Fetch a fresh access token first.
        new_token: bool,
    },
    /// Stay disconnected until the visitor acts (or `connect()`).
    WaitForUser,
    /// Stop for good (the SDK's "destroy").
    Stop,
}

/// What a refused login means for the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The token was bad or expired: get a new one and try again.
    NewToken,
    /// The server said why; react as to that disconnection reason.
    As(protocol::DisconnectReason),
    /// Something passing (the server failed, a limit): try again after the backoff.
    Retry,
}

/// How a refused login ends the connection: a bad token is replaced; a banned customer or a
/// license on another product stops for good; a license full of visitors waits for the
/// visitor; anything else is tried again after the backoff.
pub fn refused(error: &protocol::ErrorType) -> Refused {
    use protocol::{DisconnectReason, ErrorType};
    match error {
        ErrorType::Authentication => Refused::NewToken,
        ErrorType::CustomerBanned => Refused::As(DisconnectReason::CustomerBanned),
        ErrorType::WrongProductVersion => Refused::As(DisconnectReason::ProductVersionChanged),
        ErrorType::UsersLimitReached => Refused::As(DisconnectReason::UsersLimitReached),
        _ => Refused::Retry,
    }
}

/// The reaction the Customer SDK documents for each disconnection reason.
/// `misdirected_connection` reconnects, to the region it names (see [`region_server`]).
pub fn reaction(reason: &protocol::DisconnectReason) -> Reaction {
    use protocol::{DisconnectReason, ReconnectPolicy};
    match reason.policy() {
        ReconnectPolicy::Reconnect => Reaction::Reconnect { new_token: *reason == DisconnectReason::AccessTokenExpired },
        ReconnectPolicy::WaitForUser => Reaction::WaitForUser,
        ReconnectPolicy::Destroy => Reaction::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_disconnection_reason_gets_its_documented_reaction() {
        use protocol::DisconnectReason;
        let again = Reaction::Reconnect { new_token: false };
        let cases = [
            ("access_token_expired", Reaction::Reconnect { new_token: true }),
            ("connection_timeout", again),
            ("internal_error", again),
            ("misdirected_connection", again),

            ("service_temporarily_unavailable", again),
            ("too_many_unauthorized_connections", again),
            ("some_future_reason", again),
            ("inactivity_timeout", Reaction::WaitForUser),
            ("users_limit_reached", Reaction::WaitForUser),
            ("customer_banned", Reaction::Stop),
            ("customer_temporarily_blocked", Reaction::Stop),
            ("license_not_found", Reaction::Stop),
            ("license_expired", Reaction::Stop),
            ("too_many_connections", Reaction::Stop),
            ("unsupported_version", Reaction::Stop),
            ("product_version_changed", Reaction::Stop),
            ("logged_out_remotely", Reaction::Stop),
            ("identity_mismatch", Reaction::Stop),
            ("ping_timeout", again),
            ("connection_evicted", again),
        ];
        for (reason, expected) in cases {
            assert_eq!(reaction(&DisconnectReason::parse(reason)), expected, "{reason}");
        }
    }

    #[test]
    fn a_refused_login_stops_waits_renews_or_retries_as_its_error_says() {
        use protocol::{DisconnectReason, ErrorType};
        assert_eq!(refused(&ErrorType::Authentication), Refused::NewToken);
        assert_eq!(refused(&ErrorType::CustomerBanned), Refused::As(DisconnectReason::CustomerBanned));
        assert_eq!(reaction(&DisconnectReason::CustomerBanned), Reaction::Stop);
        assert_eq!(refused(&ErrorType::UsersLimitReached), Refused::As(DisconnectReason::UsersLimitReached));
        assert_eq!(reaction(&DisconnectReason::UsersLimitReached), Reaction::WaitForUser);
        assert_eq!(refused(&ErrorType::WrongProductVersion), Refused::As(DisconnectReason::ProductVersionChanged));
        assert_eq!(reaction(&DisconnectReason::ProductVersionChanged), Reaction::Stop);
        for passing in [ErrorType::Internal, ErrorType::TooManyRequests, ErrorType::LimitReached] {
            assert_eq!(refused(&passing), Refused::Retry, "{passing}");
        }
    }

    #[test]
    fn backoff_doubles_from_300_ms_to_a_30_s_ceiling_with_30_percent_jitter() {
        let middle: Vec<u128> = (1..=9).map(|attempt| retry_delay(attempt, 0.5).as_millis()).collect();
        assert_eq!(middle, [300, 600, 1200, 2400, 4800, 9600, 19200, 30000, 30000]);
        assert_eq!(retry_delay(1, 0.0).as_millis(), 210);
        assert_eq!(retry_delay(1, 1.0).as_millis(), 390);
        assert_eq!(retry_delay(u32::MAX, 0.99).as_millis(), 38_820);
        assert_eq!(retry_delay(0, 0.5).as_millis(), 300, "attempt 0 is treated as the first");
    }
}
