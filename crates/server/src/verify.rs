//! Identity verification (`verify_identity`, an extension of the protocol). A site that
//! embeds the widget with `custom: '<session id or signed token>'` lets the widget hand that
//! value to the server, which asks the site (the license's `verification_url`) who is
//! logged in under it, and shows the answer to agents.
//!
//! The value is the site's secret: it goes to the site's own address and nowhere else, and
//! it is never stored, logged or shown. What is kept is the outcome ([`Verification`]): the
//! site's answer, cleaned and capped, or why there was none. The visitor learns only that
//! the check ran. Agents see the outcome on the customer (`verification` in their
//! `get_customer`, `list_chats` and `get_chat`) and get a `customer_updated` push each time
//! one is recorded.
//!
//! The session runs the call in a task of its own, like a link preview. Because a visitor
//! can ask again and again, the same value from the same customer within 60 seconds reuses
//! the recorded outcome instead of calling the site, and at most 32 calls run at once in
//! the whole server.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use protocol::{AgentUser, CustomerUpdated, ErrorPayload, ErrorType, Push, User, UserType};
use serde_json::json;

use crate::errors::{validation, ApiResult};
use crate::config::License;
use crate::db::{Verification, VerificationStatus};
use crate::outbound::{self, Slot, UrlPolicy};
use crate::{ids, App};

/// The longest value accepted, in bytes.
pub(crate) const MAX_VALUE_BYTES: usize = 1024;

/// The most bytes of the site's answer read.
const MAX_ANSWER_BYTES: usize = 4 * 1024;

/// The most characters of the site's answer kept.
const MAX_TEXT_CHARS: usize = 500;

/// How long the outcome for one value is reused.
const REUSE_FOR: Duration = Duration::from_secs(60);

/// The most calls to sites running at once, for the whole server.
const MAX_CONCURRENT_CHECKS: usize = 32;

/// A verification to run. It carries the value, so it lives only as long as the call;
/// it has no `Debug`, so the value cannot reach a log by accident.
pub(crate) struct Check {
    license_id: u64,
    customer_id: String,
    url: String,
    timeout: Duration,
    value: String,
    /// Names the value in [`RECENT`] without keeping it.
    fingerprint: String,
}

/// The last value each customer (license and customer id) had checked, by fingerprint, and
/// when its outcome was recorded.
type Recent = HashMap<(u64, String), (String, Instant)>;

/// In memory only: a restart forgets it, which costs one more call.
static RECENT: LazyLock<Mutex<Recent>> = LazyLock::new(Default::default);

fn recent() -> MutexGuard<'static, Recent> {
    RECENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// Checks a customer's `verify_identity` before anything is sent: the license must have
    /// a `verification_url` and the value must be 1 to 1024 bytes. `None` means the same
    /// value was checked less than a minute ago, and that outcome stands.
    pub(crate) fn prepare_verification(
        &self,
        license: &License,
        customer_id: &str,
        value: &str,
    ) -> ApiResult<Option<Check>> {
        let Some(url) = &license.verification_url else {
            return Err(ErrorPayload::new(
                ErrorType::NotAllowed,
                "identity verification is not configured for this license",
            ));
        };
        if value.trim().is_empty() {
            return Err(validation("value must not be empty"));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(validation(format!("value is longer than {MAX_VALUE_BYTES} bytes")));
        }
        let fingerprint = ids::hash_secret(value);
        let key = (license.id, customer_id.to_owned());
        let checked_lately =
            recent().get(&key).is_some_and(|(seen, at)| *seen == fingerprint && at.elapsed() < REUSE_FOR);
        if checked_lately && self.db.verification(customer_id)?.is_some() {
            return Ok(None);
        }
        Ok(Some(Check {
            license_id: license.id,
            customer_id: customer_id.to_owned(),
            url: url.clone(),
            timeout: license.verification_timeout,
            value: value.to_owned(),
            fingerprint,
        }))
    }

    /// Asks the site, records the outcome (an answer or a failure alike) and tells the
    /// license's agents. Errors only when the outcome cannot be recorded or too many checks
    /// are running.
    pub(crate) async fn verify_identity(&self, check: Check) -> ApiResult<()> {
        static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
        let _slot = Slot::take(&IN_FLIGHT, MAX_CONCURRENT_CHECKS).ok_or_else(|| {
            ErrorPayload::new(ErrorType::ServiceUnavailable, "too many identity checks are running; try again later")
        })?;
        let verification = self.ask_site(&check).await;
        self.db.set_verification(&check.customer_id, &verification)?;
        {
            let mut recent = recent();
            recent.retain(|_, (_, at)| at.elapsed() < REUSE_FOR);
            recent.insert((check.license_id, check.customer_id.clone()), (check.fingerprint, Instant::now()));
        }
        let customer = json!({ "id": check.customer_id, "verification": verification });
        self.hub.push_to_agents(check.license_id, &Push::CustomerUpdated(CustomerUpdated { customer }));
        Ok(())
    }

    /// A chat's users as agents see them: the customer with what the site said about them,
    /// once it was asked.
    pub(crate) fn with_verification(&self, users: Vec<User>) -> ApiResult<Vec<AgentUser>> {
        users
            .into_iter()
            .map(|user| {
                let verification = match user.kind {
                    UserType::Customer => self.db.verification(&user.id)?,
                    _ => None,
                };
                Ok(AgentUser { user, verification })
            })
            .collect()
    }

    /// POSTs the form to the site and turns what happened into an outcome.
    async fn ask_site(&self, check: &Check) -> Verification {
        // The site owner configured the address, so private and loopback hosts are fine.
        // Size and time limits are applied here; `send` follows no redirects.
        let policy =
            UrlPolicy { allow_private: true, extra_roots: self.url_policy.extra_roots.clone(), ..UrlPolicy::default() };
        let body = form(&[
            ("custom", &check.value),
            ("license_id", &check.license_id.to_string()),
            ("customer_id", &check.customer_id),
        ]);
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("user-agent", "chat-server-identity-check"),
            ("accept", "text/plain, */*;q=0.5"),
        ];
        let call = async {
            let url = outbound::parse_url(&check.url).map_err(|problem| ErrorPayload::new(ErrorType::Validation, problem))?;
            let mut response = outbound::send(outbound::POST, &url, &headers, body.into_bytes(), &policy).await?;
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                return Ok(Err(status));
            }
            let content_type = response.headers().get("content-type").and_then(|value| value.to_str().ok()).map(str::to_owned);
            let answer = outbound::read_body(&mut response, MAX_ANSWER_BYTES, false).await?;
            Ok::<_, ErrorPayload>(Ok(outbound::decode_text(&answer, content_type.as_deref())))
        };
        let (status, text) = match tokio::time::timeout(check.timeout, call).await {
            Ok(Ok(Ok(answer))) => (VerificationStatus::Answered, clean(&answer)),
            Ok(Ok(Err(status))) => (VerificationStatus::Failed, format!("the site answered {status}")),
            Ok(Err(error)) => (VerificationStatus::Failed, clean(&error.message)),
            Err(_) => (VerificationStatus::Failed, format!("no answer within {}", outbound::describe(check.timeout))),
        };
        Verification { status, text, checked_at: self.clock.timestamp() }
    }
}

/// An `application/x-www-form-urlencoded` body.
fn form(fields: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = fields.iter().map(|(name, value)| format!("{name}={}", form_encode(value))).collect();
    encoded.join("&")
}

/// Form encoding as browsers do it: letters, digits and `*-._` stay, a space becomes `+`,
/// every other byte of the UTF-8 text becomes `%XX`.
fn form_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => encoded.push(char::from(byte)),
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// The site's answer as agents see it: control characters and the invisible characters
/// that reorder text removed (line breaks and tabs become spaces), runs of white space
/// collapsed, trimmed, at most 500 characters.
fn clean(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter_map(|character| match character {
            character if character.is_control() => character.is_whitespace().then_some(' '),
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            character => Some(character),
        })
        .collect();
    let collapsed = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut capped: String = collapsed.chars().take(MAX_TEXT_CHARS).collect();
    capped.truncate(capped.trim_end().len());
    capped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_encoded_like_a_browser_does() {
        assert_eq!(
            form(&[("custom", "PHPSESSID=s830 a&b+ü/~"), ("license_id", "1"), ("customer_id", "c-1")]),
            "custom=PHPSESSID%3Ds830+a%26b%2B%C3%BC%2F%7E&license_id=1&customer_id=c-1"
        );
        assert_eq!(form_encode("A-z_0.9*"), "A-z_0.9*");
    }

    #[test]
    fn answers_lose_control_characters_and_are_capped() {
        assert_eq!(
            clean("  Jane Doe,\r\n\tcustomer #1042\u{7}\u{0}, logged in \n"),
            "Jane Doe, customer #1042, logged in"
        );
        assert_eq!(clean("evil\u{202e}txt.exe \u{2066}x\u{2069}"), "eviltxt.exe x");
        assert_eq!(clean("\u{1b}[31m red"), "[31m red");
        let long = "é".repeat(600);
        assert_eq!(clean(&long).chars().count(), MAX_TEXT_CHARS);
        assert_eq!(clean(&format!("{} b", "a".repeat(499))), "a".repeat(499), "no trailing space after the cut");
        assert_eq!(clean(" \n "), "");
    }
}
