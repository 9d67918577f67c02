//! The agent app's account routes: `POST /account/sign_in`, `sign_out`,
//! `sign_out_everywhere` and `password`, and `GET /account/me` (who is signed in; 204 for
//! nobody).
//!
//! The session lives in an HttpOnly, SameSite=Strict cookie. Every route that changes
//! something refuses a browser request from another site (its `Origin` must be this
//! server's), and so does the agent socket before it takes the cookie.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use protocol::{ChangePassword, ErrorPayload, ErrorType, SignIn, SignedIn};

use crate::accounts::{BrowserSession, SignInRefusal, SESSION_COOKIE, SESSION_TTL};
use crate::client::ClientAddr;
use crate::config::Agent;
use crate::App;

/// The routes, under `/account`.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/sign_in", post(sign_in))
        .route("/sign_out", post(sign_out))
        .route("/sign_out_everywhere", post(sign_out_everywhere))
        .route("/password", post(change_password))
        .route("/me", get(me))
}

fn error(status: StatusCode, kind: ErrorType, message: &str) -> Response {
    crate::web_errors::error_response_with(status, &ErrorPayload::new(kind, message))
}

fn internal() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, ErrorType::Internal, "internal server error")
}

/// The cookie's value in a request, if it has one.
fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(name, value)| (name == SESSION_COOKIE && !value.is_empty()).then_some(value))
}

/// Whether a browser sent the request from this server's own pages. Requests without an
/// `Origin` (programs, not browsers) pass: a browser always names it on `POST`s and
/// websocket upgrades, which is where a cookie could be abused.
pub(crate) fn same_origin(app: &App, headers: &HeaderMap, required: bool) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|origin| origin.to_str().ok()) else { return !required };
    if let Some(public) = &app.config.public_url {
        return origin.eq_ignore_ascii_case(public.trim_end_matches('/'));
    }
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok());
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    matches!((host, authority), (Some(host), Some(authority)) if host.eq_ignore_ascii_case(authority))
}

/// The signed-in session a socket upgrade or a request carries: only from this server's
/// own pages.
pub(crate) fn browser_session(app: &App, headers: &HeaderMap) -> Option<BrowserSession> {
    let token = cookie_token(headers)?;
    same_origin(app, headers, true).then(|| app.browser_session(token)).flatten()
}

/// The agent an HTTP request beside the socket speaks for (agent uploads): a bearer token
/// (the configuration's or an API token) or, from this server's own pages, the session.
pub(crate) fn request_agent(app: &App, headers: &HeaderMap) -> Option<Agent> {
    if let Some(token) = crate::web_api::bearer_token(headers) {
        return app.token_agent(token).ok().flatten().map(|(agent, ..)| agent);
    }
    let session = browser_session(app, headers)?;
    app.directory().agent(&session.agent_id).cloned()
}

fn session_cookie(app: &App, value: &str, max_age: Duration) -> HeaderValue {
    let secure = if app.public_url().starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", max_age.as_secs());
    HeaderValue::from_str(&cookie).expect("the cookie is plain ASCII")
}

fn signed_in(app: &App, agent: &Agent) -> SignedIn {
    let permission = app.role_of(&agent.id).map(|role| role.permission()).unwrap_or("normal");
    SignedIn { agent_id: agent.id.clone(), name: agent.name.clone(), permission: permission.to_owned() }
}

fn cross_site() -> Response {
    error(StatusCode::FORBIDDEN, ErrorType::Authorization, "requests from other sites are refused")
}

async fn sign_in(State(app): State<App>, client: ClientAddr, headers: HeaderMap, body: Option<Json<SignIn>>) -> Response {
    if !same_origin(&app, &headers, false) {
        return cross_site();
    }
    let Some(Json(request)) = body else {
        return error(StatusCode::BAD_REQUEST, ErrorType::Validation, "send a JSON body with email and password");
    };
    // Hashing is slow on purpose, so it runs off the async workers.
    let worker = app.clone();
    let result = tokio::task::spawn_blocking(move || {
        worker.sign_in(request.email.trim(), &request.password, client.0).map(|(token, agent)| (token, signed_in(&worker, &agent)))
    })
    .await;
    match result {
        Ok(Ok((token, answer))) => {
            let cookie = session_cookie(&app, &token, SESSION_TTL);
            (StatusCode::OK, [(header::SET_COOKIE, cookie), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(answer))
                .into_response()
        }
        Ok(Err(SignInRefusal::Wrong)) => error(StatusCode::UNAUTHORIZED, ErrorType::Authentication, "wrong e-mail or password"),
        Ok(Err(SignInRefusal::TooMany(wait))) => {
            let minutes = wait.as_secs().div_ceil(60);
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorType::TooManyRequests,
                &format!("too many failed sign-ins; try again in {minutes} minute{}", if minutes == 1 { "" } else { "s" }),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
            response
        }
        Ok(Err(SignInRefusal::Internal)) | Err(_) => internal(),
    }
}

/// The session of a request that changes something: same site, signed in.
fn signed_in_session(app: &App, headers: &HeaderMap) -> Result<BrowserSession, Response> {
    if !same_origin(app, headers, false) {
        return Err(cross_site());
    }
    let token = cookie_token(headers).ok_or_else(|| error(StatusCode::UNAUTHORIZED, ErrorType::Authentication, "not signed in"))?;
    app.browser_session(token).ok_or_else(|| error(StatusCode::UNAUTHORIZED, ErrorType::Authentication, "the sign-in has ended; sign in again"))
}

fn signed_out(app: &App) -> Response {
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(app, "", Duration::ZERO))]).into_response()
}

async fn sign_out(State(app): State<App>, headers: HeaderMap) -> Response {
    match signed_in_session(&app, &headers) {
        Ok(session) if app.sign_out(&session).is_err() => internal(),
        Ok(_) => signed_out(&app),
        // Signed out already: the cookie goes all the same.
        Err(response) if response.status() == StatusCode::UNAUTHORIZED => signed_out(&app),
        Err(response) => response,
    }
}

async fn sign_out_everywhere(State(app): State<App>, headers: HeaderMap) -> Response {
    match signed_in_session(&app, &headers) {
        Ok(session) if app.sign_out_everywhere(&session.agent_id).is_err() => internal(),
        Ok(_) => signed_out(&app),
        Err(response) => response,
    }
}

async fn change_password(State(app): State<App>, headers: HeaderMap, body: Option<Json<ChangePassword>>) -> Response {
    let session = match signed_in_session(&app, &headers) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(Json(request)) = body else {
        return error(StatusCode::BAD_REQUEST, ErrorType::Validation, "send a JSON body with current_password and new_password");
    };
    if let Err(message) = crate::accounts::check_new_password(&request.new_password) {
        return error(StatusCode::BAD_REQUEST, ErrorType::Validation, &message);
    }
    let worker = app.clone();
    let result = tokio::task::spawn_blocking(move || {
        if !worker.password_is(&session.agent_id, &request.current_password) {
            return Ok(false);
        }
        worker.set_password(&session.agent_id, &request.new_password, None, Some(&session.token_hash)).map(|()| true)
    })
    .await;
    match result {
        Ok(Ok(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(false)) => error(StatusCode::FORBIDDEN, ErrorType::Authentication, "the current password is not right"),
        Ok(Err(_)) | Err(_) => internal(),
    }
}

async fn me(State(app): State<App>, headers: HeaderMap) -> Response {
    let session = cookie_token(&headers).and_then(|token| app.browser_session(token));
    match session.and_then(|session| app.directory().agent(&session.agent_id).cloned()) {
        Some(agent) => ([(header::CACHE_CONTROL, "no-store")], Json(signed_in(&app, &agent))).into_response(),
        // Nobody: not an error, since the app asks before it knows (and a browser would
        // log a 401 as one).
        None => (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, "no-store")]).into_response(),
    }
}
