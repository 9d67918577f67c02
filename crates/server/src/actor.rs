//! Who makes a request ([`Actor`]), what they may see of a chat (customers never see
//! agents' internal notes), and how an action answers ([`Answer`]).

use std::future::Future;
use std::pin::Pin;

use protocol::{ErrorPayload, ErrorType, Event, Thread};

use crate::errors::ApiResult;
use crate::hub::{ConnId, Origin, Peer};

/// The user making a request, and the request that carries it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// Tenant.
    pub license_id: u64,
    /// Customer or agent, with id.
    pub peer: &'a Peer,
    /// The requesting connection ([`crate::hub::NO_SOCKET`] for the Web API).
    pub conn: ConnId,
    /// The request's id.
    pub request_id: Option<&'a str>,
}

impl Actor<'_> {
    pub(crate) fn user_id(&self) -> &str {
        match self.peer {
            Peer::Customer(id) | Peer::Agent(id) => id,
        }
    }

    /// Where the push a request creates as its result goes tagged.
    pub(crate) fn origin(&self) -> Origin<'_> {
        Origin { conn: self.conn, request_id: self.request_id }
    }

    /// The customer making the request; agents are refused what only customers do.
    pub(crate) fn customer_id(&self) -> ApiResult<&str> {
        match self.peer {
            Peer::Customer(id) => Ok(id),
            Peer::Agent(_) => Err(ErrorPayload::new(ErrorType::NotAllowed, "only customers can do this")),
        }
    }
}

/// How an action answers a request.
pub(crate) enum Answer<R> {
    /// At once.
    Now(ApiResult<R>),
    /// From work that calls another site (a link preview, an identity check) and may take
    /// seconds: a websocket session runs it in a task of its own so the connection keeps
    /// answering meanwhile, and the Web API awaits it.
    Later(Pin<Box<dyn Future<Output = ApiResult<R>> + Send>>),
}

impl<R: Send + 'static> Answer<R> {
    /// An answer that comes once `work` is done.
    pub(crate) fn later(work: impl Future<Output = ApiResult<R>> + Send + 'static) -> Answer<R> {
        Answer::Later(Box::pin(work))
    }

    /// The same answer, turned into another type.
    pub(crate) fn map<S: Send + 'static>(self, convert: impl FnOnce(R) -> S + Send + 'static) -> Answer<S> {
        match self {
            Answer::Now(result) => Answer::Now(result.map(convert)),
            Answer::Later(work) => Answer::later(async move { work.await.map(convert) }),
        }
    }
}

impl<R> From<ApiResult<R>> for Answer<R> {
    fn from(result: ApiResult<R>) -> Answer<R> {
        Answer::Now(result)
    }
}

/// Whether only agents may see an event (an internal note).
pub(crate) fn agents_only(event: &Event) -> bool {
    event.recipients.as_deref() == Some("agents")
}

/// Leaves agents' internal notes out of a thread a customer looks at, and their authors
/// out of its users (a supervisor who only wrote notes stays unseen).
pub(crate) fn hide_notes(viewer: &Peer, thread: &mut Thread) {
    if matches!(viewer, Peer::Customer(_)) {
        thread.events.retain(|event| !agents_only(event));
        let authors: Vec<&str> = thread.events.iter().filter_map(|event| event.author_id.as_deref()).collect();
        thread.user_ids.retain(|user| authors.contains(&user.as_str()));
    }
}
