//! What operators and load balancers ask: `/healthz` (the process answers), `/readyz` (the
//! database answers too, and in a cluster the bus is connected) and `/metrics` (Prometheus
//! text format; loopback clients and the configuration's `metrics_from` networks only).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::client::ClientAddr;
use crate::App;

/// The routes.
pub(crate) fn routes() -> Router<App> {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(ready)).route("/metrics", get(metrics))
}

async fn ready(State(app): State<App>) -> Response {
    if app.config.nats_url.is_some() && !app.cluster.get().is_some_and(|cluster| cluster.connected()) {
        tracing::warn!("not ready: the bus to the other nodes is not connected");
        return (StatusCode::SERVICE_UNAVAILABLE, "the bus to the other nodes is not connected").into_response();
    }
    match app.db.ready() {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer").into_response()
        }
    }
}

async fn metrics(State(app): State<App>, client: ClientAddr) -> Response {
    let address = crate::limits::address_key(client.0);
    if !address.is_loopback() && !app.config.metrics_from.iter().any(|net| net.contains(&address)) {
        return (StatusCode::FORBIDDEN, "metrics are for the networks metrics_from lists").into_response();
    }
    let (customers, agents) = app.hub.n_by_api();
    let mut queues = Vec::new();
    for license in &app.directory().licenses {
        match app.db.waiting(license.id) {
            Ok(waiting) => queues.push((license.id, waiting.len())),
            Err(error) => tracing::warn!(%error, "reading the queue for metrics failed"),
        }
    }
    let text = app.metrics.render(&[("customer", customers), ("agent", agents)], &queues);
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}
