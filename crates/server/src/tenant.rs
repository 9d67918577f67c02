//! Who a request speaks for: the API version its path names, the license its query names
//! (`license_id`, or `organization_id` from 3.4), and the customer its access token names.
//!
//! The websocket routes, the Web API, its `GET` methods and uploads all resolve these the
//! same way, so the rules live here rather than in any one of them.

use std::time::Duration;

use protocol::{ErrorPayload, ErrorType, Version};
use serde::Deserialize;

use crate::config::License;
use crate::errors::ApiResult;
use crate::{ids, App};

/// Tenant query parameters: `license_id` (v3.2) or `organization_id` (v3.5).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Tenant {
    pub license_id: Option<String>,
    pub organization_id: Option<String>,
}

/// The API version a URL's first path segment (`v3.5`) names, if this server speaks it.
pub(crate) fn path_version(segment: &str) -> Option<Version> {
    segment.starts_with('v').then(|| Version::parse(segment)).flatten()
}

impl App {
    /// The license a tenant query names; `license_id` wins when both are given.
    pub(crate) fn tenant(&self, tenant: &Tenant) -> Option<License> {
        match (&tenant.license_id, &tenant.organization_id) {
            (Some(id), _) => id.parse().ok().and_then(|id| self.directory().license_by_id(id).cloned()),
            (None, Some(organization_id)) => self.directory().license_by_organization(organization_id).cloned(),
            (None, None) => None,
        }
    }

    /// The customer behind an access token, and how long the token stays valid.
    pub(crate) fn customer_for_token(&self, license: &License, token: &str) -> ApiResult<(String, Duration)> {
        let owner = self.db.token_owner(&ids::hash_secret(token))?;
        let Some((customer_id, _, expires_at)) = owner.filter(|owner| owner.1 == license.id) else {
            return Err(ErrorPayload::new(ErrorType::Authentication, "invalid access token"));
        };
        let remaining = expires_at - ids::unix_now();
        if remaining <= 0 {
            return Err(ErrorPayload::new(ErrorType::Authentication, "access token expired; get a new one"));
        }
        Ok((customer_id, Duration::from_secs(remaining as u64)))
    }
}
