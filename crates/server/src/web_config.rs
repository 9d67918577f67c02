//! The customer Web API's `GET` methods (3.3 on, except the properties lists, which 3.2
//! has too): what a client reads before it has a token, so none is needed.
//!
//! - `get_dynamic_configuration`: the group a visitor lands in, whether it is online, and
//!   the versions of its configuration and localization;
//! - `get_configuration`: the group's forms (pre-chat and ticket) and properties;
//! - `get_localization`: translations this server keeps for the widget's texts (none: the
//!   widget carries its own, so the map is empty);
//! - `list_license_properties`, `list_group_properties`: properties set on the license or a
//!   group (none are configurable here, so both maps are empty).
//!
//! Every answer is what the configuration in use says; unknown groups are `group_not_found`.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::{ErrorPayload, ErrorType, FormKind, Version};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::errors::{group_not_found, validation, ApiResult};
use crate::config::{Group, License};
use crate::routing::GroupStatus;
use crate::tenant::{path_version, Tenant};
use crate::web_errors::error_response;
use crate::App;

/// The query of every `GET` method: the tenant, and each method's own parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigQuery {
    license_id: Option<String>,
    organization_id: Option<String>,
    group_id: Option<String>,
    /// `list_group_properties` names the group `id` from 3.3.
    id: Option<String>,
    language: Option<String>,
}

/// `GET /{version}/customer/action/{action}`.
pub(crate) async fn get_action(
    State(app): State<App>,
    client: crate::client::ClientAddr,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<ConfigQuery>, QueryRejection>,
) -> Response {
    if let Err(refused) = app.limit_address(client) {
        return refused;
    }
    let Ok(Path((version, action))) = path else {
        return error_response(&validation("the URL is malformed"));
    };
    let Ok(Query(query)) = query else {
        return error_response(&validation("the query string is malformed"));
    };
    let Some(version) = path_version(&version) else {
        return error_response(&ErrorPayload::new(ErrorType::UnsupportedVersion, format!("API version {version:?} is not served here")));
    };
    match answer(&app, version, &action, &query) {
        Ok(body) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err(error) => error_response(&error),
    }
}

fn answer(app: &App, version: Version, action: &str, query: &ConfigQuery) -> ApiResult<Value> {
    let since = |first: Version| {
        if version >= first {
            Ok(())
        } else {
            Err(validation(format!("{action} is not in API {version}; it is available from {first}")))
        }
    };
    match action {
        "get_dynamic_configuration" => {
            since(Version::V3_3)?;
            let license = tenant(app, query)?;
            let group = group(app, &license, query.group_id.as_deref().unwrap_or("0"))?;
            dynamic_configuration(app, version, &license, &group)
        }
        "get_configuration" => {
            since(Version::V3_3)?;
            let license = tenant(app, query)?;
            let group = group(app, &license, required(&query.group_id, "group_id")?)?;
            Ok(configuration(&group))
        }
        "get_localization" => {
            since(Version::V3_3)?;
            let license = tenant(app, query)?;
            group(app, &license, required(&query.group_id, "group_id")?)?;
            required(&query.language, "language")?;
            Ok(json!({}))
        }
        "list_license_properties" => {
            since(Version::V3_2)?;
            tenant(app, query)?;
            Ok(json!({}))
        }
        "list_group_properties" => {
            since(Version::V3_2)?;
            let license = tenant(app, query)?;
            // 3.2 names the group `group_id`, 3.3 on `id`.
            let id = query.id.as_ref().or(query.group_id.as_ref());
            group(app, &license, required(&id.cloned(), "id")?)?;
            Ok(json!({}))
        }
        _ => Err(validation(format!("{action} is not a GET method; POST it with a token"))),
    }
}

fn required<'a>(value: &'a Option<String>, name: &str) -> ApiResult<&'a str> {
    value.as_deref().filter(|value| !value.is_empty()).ok_or_else(|| validation(format!("the query needs {name}")))
}

fn tenant(app: &App, query: &ConfigQuery) -> ApiResult<License> {
    let tenant = Tenant { license_id: query.license_id.clone(), organization_id: query.organization_id.clone() };
    app.tenant(&tenant).ok_or_else(|| {
        ErrorPayload::new(ErrorType::Other("license_not_found".to_owned()), "name a known license_id or organization_id in the query")
    })
}

fn group(app: &App, license: &License, id: &str) -> ApiResult<Group> {
    let id: u32 = id.parse().map_err(|_| validation(format!("group id {id:?} is not a number")))?;
    app.directory().group(license.id, id).cloned().ok_or_else(group_not_found)
}

/// A digest of what `get_configuration` would answer for the group, so clients can cache
/// it until it changes.
fn config_version(group: &Group) -> String {
    let digest = Sha256::digest(configuration(group).to_string().as_bytes());
    digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

fn dynamic_configuration(app: &App, version: Version, license: &License, group: &Group) -> ApiResult<Value> {
    let mut online = Vec::new();
    for candidate in app.directory().groups_of(license.id) {
        if app.group_status(license.id, candidate.id)? != GroupStatus::Offline {
            online.push(candidate.id);
        }
    }
    let limits = &app.config.limits;
    let mut livechat = json!({
        "group_id": group.id,
        "client_limit_exceeded": app.hub.n_customers(license.id) >= limits.customers_per_license,
        "domain_allowed": true,
        "config_version": config_version(group),
        "localization_version": config_version(group),
        "language": "en",
    });
    // Left out while no group takes chats, as the reference shows.
    if !online.is_empty() {
        livechat["online_group_ids"] = json!(online);
    }
    Ok(match version {
        Version::V3_6 => json!({
            "organization_id": license.organization_id,
            "default_widget": "livechat",
            "livechat_active": true,
            "livechat": livechat,
        }),
        Version::V3_4 | Version::V3_5 => {
            livechat["organization_id"] = json!(license.organization_id);
            livechat
        }
        _ => livechat,
    })
}

fn configuration(group: &Group) -> Value {
    let mut body = json!({
        "buttons": [],
        "integrations": {},
        "properties": { "group": {}, "license": {} },
    });
    for (kind, key) in [(FormKind::Prechat, "prechat_form"), (FormKind::Ticket, "ticket_form")] {
        if let Some(form) = group.forms.get(&kind) {
            body[key] = json!(form);
        }
    }
    body
}
