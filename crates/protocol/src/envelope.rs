//! Frames: the JSON envelope around every request, response and push.
//!
//! ```json
//! {"request_id":"r1","action":"send_event","payload":{}}
//! {"request_id":"r1","action":"send_event","type":"response","success":true,"payload":{}}
//! {"request_id":"r1","action":"incoming_event","type":"push","payload":{}}
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{Action, AgentRequest, AgentResponse, Api, ErrorPayload, ErrorType, Push, Request, Response, Version};

/// A frame a client sends: a customer's [`Request`] by default, or an agent's
/// [`AgentRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFrame<R = Request> {
    /// Echoed on the response and on pushes caused by this request.
    pub request_id: Option<String>,
    /// The action and its payload.
    pub request: R,
    /// The version the frame names (3.3 on); the connection's when absent.
    pub version: Option<Version>,
}

/// A frame the server sends: to a customer by default, or to an agent
/// (`ServerFrame<AgentResponse>`, decoded by [`ServerFrame::decode_agent`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame<R = Response> {
    /// The answer to a request.
    Response(ResponseFrame<R>),
    /// A push.
    Push(PushFrame),
}

/// The answer to a request: to a customer's by default ([`Response`]), or to an agent's
/// ([`crate::AgentResponse`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFrame<R = Response> {
    /// The request's id.
    pub request_id: Option<String>,
    /// The answered action (kept for failed responses, whose payload is only an error).
    pub action: String,
    /// The payload, or the error.
    pub result: Result<R, ErrorPayload>,
}

/// A push.
#[derive(Debug, Clone, PartialEq)]
pub struct PushFrame {
    /// Set only on the copy sent to the connection whose request caused the push.
    pub request_id: Option<String>,
    /// The push.
    pub push: Push,
}

/// The longest `request_id` a frame may carry: answers echo it, so a longer one is refused
/// (and not echoed).
pub const MAX_REQUEST_ID_CHARS: usize = 256;

/// The longest `action` a frame may name; no action is near it.
pub const MAX_ACTION_CHARS: usize = 64;

/// The longest error message a decoder produces: messages quote what they could not read.
const MAX_MESSAGE_CHARS: usize = 300;

/// The `request_id` and `action` of a client frame, as far as they can be echoed back: a
/// string within [`MAX_REQUEST_ID_CHARS`] / [`MAX_ACTION_CHARS`] characters. `Err` is the
/// error for a frame whose id or action is too long, carrying only what may be echoed.
pub fn envelope_ids(frame: &Value) -> Result<(Option<String>, Option<String>), DecodeError> {
    let text = |key: &str| frame.get(key).and_then(Value::as_str);
    let request_id = text("request_id");
    let action = text("action");
    let request_id_ok = request_id.is_none_or(|id| id.chars().count() <= MAX_REQUEST_ID_CHARS);
    let action_ok = action.is_none_or(|action| action.chars().count() <= MAX_ACTION_CHARS);
    let request_id = request_id.filter(|_| request_id_ok).map(str::to_owned);
    let action = action.filter(|_| action_ok).map(str::to_owned);
    if !request_id_ok {
        return Err(DecodeError::validation(
            request_id,
            action,
            format!("request_id may be at most {MAX_REQUEST_ID_CHARS} characters"),
        ));
    }
    if !action_ok {
        return Err(DecodeError::validation(request_id, action, format!("action may be at most {MAX_ACTION_CHARS} characters")));
    }
    Ok((request_id, action))
}

/// Why a frame could not be decoded. Carries what could be read, so the server can still
/// answer with the right `request_id` and `action`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// The frame's `request_id`, if it could be read.
    pub request_id: Option<String>,
    /// The frame's `action`, if it could be read.
    pub action: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The error to answer with: `validation`, or `unsupported_version` for a frame that
    /// names a version this crate does not speak.
    pub kind: ErrorType,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.action {
            Some(action) => write!(f, "{action}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// A `validation` error; the message is cut to a few hundred characters.
    pub fn validation(request_id: Option<String>, action: Option<String>, message: String) -> DecodeError {
        DecodeError { request_id, action, message: capped(message), kind: ErrorType::Validation }
    }

    /// The error a server answers with.
    pub fn to_error_payload(&self) -> ErrorPayload {
        ErrorPayload::new(self.kind.clone(), capped(self.to_string()))
    }
}

/// `message`, cut to [`MAX_MESSAGE_CHARS`] characters (with an ellipsis when cut).
fn capped(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((at, _)) => format!("{}…", &message[..at]),
    }
}

/// The envelope fields, before the payload is typed.
#[derive(Deserialize, Serialize)]
struct RawFrame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    action: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    success: Option<bool>,
    #[serde(default)]
    payload: Value,
}

impl RawFrame {
    fn parse(text: &str) -> Result<RawFrame, DecodeError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|err| DecodeError::validation(None, None, format!("malformed JSON: {err}")))?;
        let (request_id, action) = envelope_ids(&value)?;
        serde_json::from_value(value)
            .map_err(|err| DecodeError::validation(request_id, action, format!("malformed frame: {err}")))
    }

    fn error(&self, err: serde_json::Error) -> DecodeError {
        DecodeError::validation(self.request_id.clone(), Some(self.action.clone()), format!("malformed payload: {err}"))
    }

    /// The frame's `version`, which must be one this crate speaks.
    fn version(&self) -> Result<Option<Version>, DecodeError> {
        let Some(named) = &self.version else { return Ok(None) };
        match Version::parse(named) {
            Some(version) => Ok(Some(version)),
            None => Err(DecodeError {
                request_id: self.request_id.clone(),
                action: Some(self.action.clone()),
                message: format!("version {named:?} is not supported; use one of 3.0, 3.2 to 3.6"),
                kind: ErrorType::UnsupportedVersion,
            }),
        }
    }

    fn encode(self) -> String {
        serde_json::to_string(&self).expect("frames always serialise")
    }
}

impl RequestFrame {
    /// Decodes a customer's frame. Unknown actions decode to [`Request::Other`].
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        Self::decode_as(text)
    }
}

impl RequestFrame<AgentRequest> {
    /// Decodes an agent's frame. Unknown actions, the customer API's own among them, decode
    /// to [`AgentRequest::Other`].
    pub fn decode_agent(text: &str) -> Result<Self, DecodeError> {
        Self::decode_as(text)
    }
}

impl<R: Action> RequestFrame<R> {
    /// A request with an id.
    pub fn new(request_id: impl Into<String>, request: R) -> Self {
        RequestFrame { request_id: Some(request_id.into()), request, version: None }
    }

    fn decode_as(text: &str) -> Result<Self, DecodeError> {
        let mut raw = RawFrame::parse(text)?;
        let version = raw.version()?;
        // Taken, not copied: a payload can be a whole thread of events.
        let payload = std::mem::take(&mut raw.payload);
        let request = R::from_parts(&raw.action, payload).map_err(|err| raw.error(err))?;
        Ok(RequestFrame { request_id: raw.request_id, request, version })
    }

    /// Encodes to JSON text, as built.
    pub fn encode(&self) -> String {
        RawFrame {
            version: self.version.map(|version| version.as_str().to_owned()),
            request_id: self.request_id.clone(),
            action: self.request.action().to_owned(),
            kind: None,
            success: None,
            payload: self.request.payload(),
        }
        .encode()
    }

    /// Encodes to JSON text as a connection of `version` expects it (see
    /// [`Version::request_wire`]).
    pub fn encode_for(&self, version: Version) -> String {
        let (action, payload) = version.request_wire(self.request.action(), self.request.payload());
        RawFrame {
            version: self.version.map(|version| version.as_str().to_owned()),
            request_id: self.request_id.clone(),
            action,
            kind: None,
            success: None,
            payload,
        }
        .encode()
    }
}

impl<R: Action> ResponseFrame<R> {
    /// A successful response.
    pub fn ok(request_id: Option<String>, response: R) -> Self {
        ResponseFrame { request_id, action: response.action().to_owned(), result: Ok(response) }
    }

    /// A failed response.
    pub fn error(request_id: Option<String>, action: impl Into<String>, error: ErrorPayload) -> Self {
        ResponseFrame { request_id, action: action.into(), result: Err(error) }
    }
}

impl ServerFrame {
    /// Decodes a frame the server sent a customer. Unknown actions decode to `Other`.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        Self::decode_as(text)
    }
}

impl ServerFrame<AgentResponse> {
    /// Decodes a frame the server sent an agent (3.2 and 3.3 shapes: events with
    /// `recipients`). Unknown actions decode to `Other`.
    pub fn decode_agent(text: &str) -> Result<Self, DecodeError> {
        Self::decode_as(text)
    }
}

impl<R: Action> ServerFrame<R> {
    fn decode_as(text: &str) -> Result<Self, DecodeError> {
        let mut raw = RawFrame::parse(text)?;
        // Taken, not copied: a `get_chat` answer can hold a thousand events.
        let payload = std::mem::take(&mut raw.payload);
        match raw.kind.as_deref() {
            Some("push") => {
                let push = Push::from_parts(&raw.action, payload).map_err(|err| raw.error(err))?;
                Ok(ServerFrame::Push(PushFrame { request_id: raw.request_id, push }))
            }
            Some("response") => {
                let result = if raw.success == Some(false) {
                    let error = payload.get("error").cloned().unwrap_or(Value::Null);
                    Err(serde_json::from_value(error).map_err(|err| raw.error(err))?)
                } else {
                    Ok(R::from_parts(&raw.action, payload).map_err(|err| raw.error(err))?)
                };
                Ok(ServerFrame::Response(ResponseFrame { request_id: raw.request_id, action: raw.action, result }))
            }
            other => Err(DecodeError {
                request_id: raw.request_id,
                action: Some(raw.action),
                message: format!("unknown frame type {other:?}"),
                kind: ErrorType::Validation,
            }),
        }
    }

    /// Encodes to JSON text, in the shapes of version 3.2.
    pub fn encode(&self) -> String {
        match self {
            ServerFrame::Push(frame) => frame.encode(),
            ServerFrame::Response(frame) => frame.encode(),
        }
    }
}

impl<R: Action> ResponseFrame<R> {
    /// Encodes to JSON text, in the shapes of version 3.2.
    pub fn encode(&self) -> String {
        self.encode_for(Version::V3_2)
    }

    /// Encodes to JSON text as `version` of the Customer Chat API spells it.
    pub fn encode_for(&self, version: Version) -> String {
        self.encode_in(Api::Customer, version)
    }

    /// Encodes to JSON text as `version` of `api` spells it.
    pub fn encode_in(&self, api: Api, version: Version) -> String {
        let (success, payload) = match &self.result {
            Ok(response) => (true, version.response_wire(api, response.action(), response.payload())),
            Err(error) => (false, json!({ "error": error })),
        };
        // Responses carry no `version`, in any version.
        RawFrame {
            version: None,
            request_id: self.request_id.clone(),
            action: self.action.clone(),
            kind: Some("response".to_owned()),
            success: Some(success),
            payload,
        }
        .encode()
    }
}

impl PushFrame {
    /// Encodes to JSON text, in the shapes of version 3.2.
    pub fn encode(&self) -> String {
        self.encode_for(Version::V3_2).expect("every push exists in 3.2")
    }

    /// Encodes to JSON text as `version` of the Customer Chat API spells it; `None` when
    /// that version has no such push.
    pub fn encode_for(&self, version: Version) -> Option<String> {
        self.encode_in(Api::Customer, version)
    }

    /// Encodes to JSON text as `version` of `api` spells it; `None` when that version has
    /// no such push.
    pub fn encode_in(&self, api: Api, version: Version) -> Option<String> {
        let (action, payload) = version.push_wire(api, self.push.action(), self.push.payload())?;
        let frame = RawFrame {
            version: version.is_versioned().then(|| version.as_str().to_owned()),
            request_id: self.request_id.clone(),
            action,
            kind: Some("push".to_owned()),
            success: None,
            payload,
        };
        Some(frame.encode())
    }
}
