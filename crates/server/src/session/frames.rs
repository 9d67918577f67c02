//! What a connection reads and answers: a request in its API's shapes ([`Incoming`]), an
//! answer ([`Reply`]), and the response frame for it, counted in the metrics as it goes.

use protocol::{AgentRequest, AgentResponse, Api, Request, Response, ResponseFrame, Version};

use crate::errors::ApiResult;
use crate::legacy::LegacyRequest;

/// The requests counter of [`crate::metrics::Metrics`].
pub(super) type Requests = prometheus_client::metrics::family::Family<crate::metrics::RequestLabels, prometheus_client::metrics::counter::Counter>;

/// An action as the metrics name it: one the API has, else `other`, so clients sending
/// made-up actions cannot grow the metrics without bound.
fn action_label(api: Api, action: &str) -> &'static str {
    let known = match api {
        Api::Customer => Request::ACTIONS,
        Api::Agent => AgentRequest::ACTIONS,
    };
    known.iter().find(|name| **name == action).copied().unwrap_or("other")
}

/// A request as the connection's API reads it.
pub(super) enum Incoming {
    /// The Customer Chat API, 3.2 on.
    Customer(Request),
    /// The Customer Chat API 3.0, in its own shapes.
    Legacy(LegacyRequest),
    /// The agent API.
    Agent(AgentRequest),
}

impl Incoming {
    pub(super) fn action(&self) -> &str {
        match self {
            Incoming::Customer(request) => request.action(),
            Incoming::Legacy(request) => request.action(),
            Incoming::Agent(request) => request.action(),
        }
    }

    pub(super) fn is_ping(&self) -> bool {
        matches!(self, Incoming::Customer(Request::Ping) | Incoming::Legacy(LegacyRequest::Ping) | Incoming::Agent(AgentRequest::Ping))
    }

    pub(super) fn into_login(self) -> Option<protocol::Login> {
        match self {
            Incoming::Customer(Request::Login(login))
            | Incoming::Legacy(LegacyRequest::Login(login))
            | Incoming::Agent(AgentRequest::Login(login)) => Some(login),
            _ => None,
        }
    }
}

/// An answer in the connection's API.
pub(super) enum Reply {
    /// The Customer Chat API's (3.0's answers included, as `Response::Other`).
    Customer(Response),
    /// The agent API's.
    Agent(AgentResponse),
}

impl Reply {
    pub(super) fn ping(api: Api) -> Reply {
        match api {
            Api::Customer => Reply::Customer(Response::Ping),
            Api::Agent => Reply::Agent(AgentResponse::Ping),
        }
    }
}

/// A response frame for `result`, in the shapes of `api` and `version`.
pub(super) fn encode(api: Api, version: Version, request_id: Option<String>, action: &str, result: ApiResult<Reply>, requests: &Requests) -> String {
    let labels = crate::metrics::RequestLabels {
        api: match api {
            Api::Customer => "customer",
            Api::Agent => "agent",
        }
        .to_owned(),
        action: action_label(api, action).to_owned(),
        outcome: match &result {
            Ok(_) => "ok".to_owned(),
            Err(error) => error.kind.as_str().to_owned(),
        },
    };
    requests.get_or_create(&labels).inc();
    match (result, api) {
        (Ok(Reply::Customer(response)), _) => ResponseFrame::ok(request_id, response).encode_in(api, version),
        (Ok(Reply::Agent(response)), _) => ResponseFrame::ok(request_id, response).encode_in(api, version),
        (Err(error), Api::Customer) => ResponseFrame::<Response>::error(request_id, action, error).encode_in(api, version),
        (Err(error), Api::Agent) => ResponseFrame::<AgentResponse>::error(request_id, action, error).encode_in(api, version),
    }
}
