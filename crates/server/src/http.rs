//! HTTP routes: websocket upgrades, the customer token endpoint, pages and static files.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use protocol::Version;

use crate::client::ClientAddr;
use crate::config::License;
use crate::session::{self, Api, Refusal, MAX_FRAME_BYTES};
use crate::tenant::{path_version, Tenant};
use crate::{ids, App};

/// The iframe document's policy: only our own scripts (and WebAssembly), no inline script,
/// connections only to this server. `frame-ancestors *` because any site may embed it;
/// `frame-src https:` for the pages rich-message webview buttons open (sandboxed frames);
/// `style-src https:` for a site's own stylesheet (`css_file`).
const WIDGET_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' https:; \
    img-src 'self' data: https: http:; connect-src 'self'; frame-src 'self' https:; frame-ancestors *; \
    base-uri 'none'; form-action 'none'";

/// The agent app: WebAssembly started by its own script file, sockets to this server, images
/// from anywhere (visitors' files and cards), nothing framed, nothing framing it.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data: https: http:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Every route of the server.
pub fn router(app: App) -> Router {
    let dist = app.config.widget_dist.clone();
    // The widget's files (WebAssembly, JS, CSS) and the loader go out brotli- or
    // gzip-compressed when the browser accepts it: the build's own copies (`.br`, `.gz`,
    // compressed once at the highest levels) where there are, else compressed here.
    let widget = tower::ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(WIDGET_CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(ServeDir::new(&dist).precompressed_br().precompressed_gzip().append_index_html_on_directories(true));
    let loader = ServeFile::new(dist.join("embed.js")).precompressed_br().precompressed_gzip();
    // The agent app's files, built by trunk beside the widget's.
    let console_dist = app.config.console_dist();
    if !console_dist.join("index.html").exists() {
        tracing::warn!("the agent app is not built in {}: /agent/ answers 503 until it is", console_dist.display());
    }
    let console = tower::ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSOLE_CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(ServeDir::new(&console_dist).precompressed_br().precompressed_gzip().append_index_html_on_directories(true).not_found_service(tower::service_fn(|_| async {
            Ok::<_, std::convert::Infallible>(
                (StatusCode::SERVICE_UNAVAILABLE, "The agent app is not built here: run scripts/run, or build crates/console with trunk.")
                    .into_response(),
            )
        })));

    Router::new()
        .route("/{version}/customer/rtm/ws", get(customer_socket))
        .route("/{version}/agent/rtm/ws", get(agent_socket))
        .route("/customer/token", post(customer_token))
        .nest("/account", crate::account_http::routes())
        .merge(crate::operations::routes())
        .route("/{version}/customer/action/upload_file", crate::uploads::upload_route(&app).layer(web_api_cors()))
        .route("/{version}/agent/action/upload_file", crate::uploads::agent_upload_route(&app))
        .route("/{version}/customer/action/{action}", crate::web_api::action_route().layer(web_api_cors()))
        .route("/uploads/{id}/{name}", get(crate::uploads::serve))
        // The demo page stands for a customer's site, which sets its own policy (or none).
        .route("/", get(|| async { Html(include_str!("../static/demo/index.html")) }))
        .route("/demo.css", get(|| css(include_str!("../static/demo/demo.css"))))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .nest_service(
            "/embed.js",
            Router::new()
                .fallback_service(loader)
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ))
                .layer(CompressionLayer::new()),
        )
        .nest_service("/agent", console)
        .nest_service(
            "/widget",
            Router::new()
                .fallback_service(widget)
                .layer(axum::middleware::from_fn_with_state(app.clone(), guard_widget_page)),
        )
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .with_state(app)
}

/// The widget's page, when its URL names the site that opens it (`host`, the loader's
/// iframe or popup) and the license (`account`): a license that lists its sites
/// (`allowed_origins`) is opened only by them. A page from another site is refused, and the
/// page's policy lets only the listed sites frame it. (The widget itself then takes its
/// port only from `host`, and only for the `account` in its URL.)
async fn guard_widget_page(State(app): State<App>, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    #[derive(Deserialize)]
    struct PageQuery {
        host: Option<String>,
        account: Option<String>,
    }
    let query = request.uri().query().and_then(|query| serde_urlencoded_query::<PageQuery>(query));
    let allowed = query.as_ref().and_then(|query| query.account.as_deref()).and_then(|account| {
        let tenant = match account.bytes().all(|byte| byte.is_ascii_digit()) {
            true => Tenant { license_id: Some(account.to_owned()), organization_id: None },
            false => Tenant { license_id: None, organization_id: Some(account.to_owned()) },
        };
        app.tenant(&tenant).map(|license| license.allowed_origins).filter(|origins| !origins.is_empty())
    });
    let Some(allowed) = allowed else { return next.run(request).await };
    let host = query.and_then(|query| query.host);
    if host.is_some_and(|host| !allowed.contains(&host)) {
        return (StatusCode::FORBIDDEN, [(header::CONTENT_SECURITY_POLICY, "default-src 'none'")], "This site may not open the chat.")
            .into_response();
    }
    let mut response = next.run(request).await;
    let policy = WIDGET_CSP.replace("frame-ancestors *", &format!("frame-ancestors {}", allowed.join(" ")));
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

fn serde_urlencoded_query<T: serde::de::DeserializeOwned>(query: &str) -> Option<T> {
    Query::<T>::try_from_uri(&format!("/?{query}").parse().ok()?).ok().map(|Query(value)| value)
}

/// The customer Web API is called from any site that embeds a chat client (the Customer
/// SDK uploads files and checks goals from the site's own pages), with a bearer token and
/// never with cookies, so every origin may call it.
fn web_api_cors() -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-version"),
            HeaderName::from_static("x-region"),
        ])
        .max_age(std::time::Duration::from_secs(24 * 60 * 60))
}

async fn css(text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], text).into_response()
}

impl App {
    fn socket_license(&self, version: Option<Version>, tenant: &Tenant) -> Result<License, Refusal> {
        version.ok_or(Refusal::UnsupportedVersion)?;
        self.tenant(tenant).ok_or(Refusal::LicenseNotFound)
    }
}

/// Frames are small (a message is at most 16 KB of text), so each socket gets small
/// buffers instead of the 128 KiB defaults: idle connections then cost a few KiB each.
/// The read buffer is 1 KiB, what most frames fit in; a larger frame takes a few more
/// reads (measured at 10,000 idle sockets: 8.4 KiB each with it, 11.2 KiB with 4 KiB).
fn small_buffers(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(0)
}

/// Whether a browser request for a license comes from a page allowed to use it: any page
/// when the license lists no sites; otherwise this server's own pages (the widget's frame,
/// which only listed sites may embed), the listed sites, and requests no browser sent (no
/// `Origin`).
pub(crate) fn origin_allowed(app: &App, license: &License, headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|origin| origin.to_str().ok()) else { return true };
    license.allowed_origins.is_empty()
        || license.allowed_origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin))
        || crate::account_http::same_origin(app, headers, true)
}

fn foreign_site() -> Response {
    token_error(StatusCode::FORBIDDEN, "origin_not_allowed", "this site may not use the chat of this license")
}

async fn customer_socket(
    State(app): State<App>,
    client: ClientAddr,
    Path(version): Path<String>,
    Query(tenant): Query<Tenant>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let version = path_version(&version);
    let license = app.socket_license(version, &tenant);
    if license.as_ref().is_ok_and(|license| !origin_allowed(&app, license, &headers)) {
        return foreign_site();
    }
    // A refused connection is told why in the newest version's words.
    let version = version.unwrap_or(Version::LATEST);
    small_buffers(upgrade)
        .on_upgrade(move |socket| session::serve(app, socket, Api::Customer, version, license, client.0, None))
}

async fn agent_socket(
    State(app): State<App>,
    client: ClientAddr,
    Path(version): Path<String>,
    Query(tenant): Query<Tenant>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let browser = crate::account_http::browser_session(&app, &headers);
    // Agents name no tenant in the URL: their token says which license they work for. The
    // agent API starts at 3.2.
    let version = path_version(&version).filter(|version| *version >= Version::V3_2);
    let license = if version.is_some() {
        match app.tenant(&tenant) {
            Some(license) => Ok(license),
            None if tenant.license_id.is_none() && tenant.organization_id.is_none() => {
                app.directory().licenses.first().cloned().ok_or(Refusal::LicenseNotFound)
            }
            None => Err(Refusal::LicenseNotFound),
        }
    } else {
        Err(Refusal::UnsupportedVersion)
    };
    let version = version.unwrap_or(Version::LATEST);
    small_buffers(upgrade).on_upgrade(move |socket| session::serve(app, socket, Api::Agent, version, license, client.0, browser))
}

/// Issues a customer access token. The identity secret it returns is what the widget keeps
/// (in its own storage, first-party to this server) to be the same customer next time; no
/// cookies are involved.
async fn customer_token(
    State(app): State<App>,
    client: ClientAddr,
    headers: axum::http::HeaderMap,
    body: Option<Json<protocol::TokenRequest>>,
) -> Response {
    if let Err(refused) = app.limit_address(client) {
        return refused;
    }
    let Some(Json(request)) = body else {
        return token_error(StatusCode::BAD_REQUEST, "validation", "send a JSON body with license_id or organization_id");
    };
    // A license is a whole number, as a JSON number or a string of digits; `1e0`, `1.0` or
    // `-1` name none.
    let license_id = match &request.license_id {
        None => None,
        Some(serde_json::Value::Number(number)) if number.is_u64() => Some(number.to_string()),
        Some(serde_json::Value::String(text)) if !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()) => Some(text.clone()),
        Some(_) => return token_error(StatusCode::BAD_REQUEST, "validation", "license_id must be a whole number"),
    };
    let tenant = Tenant { license_id, organization_id: request.organization_id.clone() };
    let Some(license) = app.tenant(&tenant) else {
        return token_error(StatusCode::NOT_FOUND, "license_not_found", "no such license or organization");
    };
    if !origin_allowed(&app, &license, &headers) {
        return foreign_site();
    }
    match app.issue_customer_token(&license, request.identity.as_deref()) {
        Ok(Some(body)) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Ok(None) => token_error(StatusCode::FORBIDDEN, "customer_banned", "the customer is banned"),
        Err(err) => {
            tracing::error!(%err, "issuing a token failed");
            token_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
        }
    }
}

fn token_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "type": kind, "message": message } }))).into_response()
}

impl App {
    /// A token for the customer `identity` names (a new customer when it names none that
    /// checks out); `None` for a banned customer, who gets no more tokens.
    fn issue_customer_token(&self, license: &License, identity: Option<&str>) -> Result<Option<protocol::CustomerToken>, crate::db::DbError> {
        let known = match identity.and_then(|identity| identity.split_once(':')) {
            Some((customer_id, secret)) => self
                .db
                .customer_identity_matches(customer_id, license.id, &ids::hash_secret(secret))?
                .then(|| (customer_id.to_owned(), secret.to_owned())),
            None => None,
        };
        let (customer_id, secret) = match known {
            Some(known) if self.db.customer(&known.0)?.is_some_and(|customer| customer.banned) => return Ok(None),
            Some(known) => known,
            None => {
                let (customer_id, secret) = (ids::uuid(), ids::secret());
                self.db.create_customer(&customer_id, license.id, &ids::hash_secret(&secret), &self.clock.timestamp())?;
                (customer_id, secret)
            }
        };
        let token = ids::secret();
        let ttl = self.config.timings.token_ttl.as_secs() as i64;
        self.db.store_token(&ids::hash_secret(&token), &customer_id, license.id, ids::unix_now() + ttl)?;
        Ok(Some(protocol::CustomerToken {
            access_token: token,
            token_type: "Bearer".to_owned(),
            expires_in: ttl,
            identity: format!("{customer_id}:{secret}"),
            entity_id: customer_id,
            license_id: license.id,
            organization_id: license.organization_id.clone(),
        }))
    }
}
