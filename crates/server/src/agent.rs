//! The agent API: the LiveChat Agent Chat API names for what an agent needs to answer
//! chats (`login`, `list_chats`, `get_chat`, `send_event`, `deactivate_chat`).
//!
//! Agents see every chat of their license and receive its pushes (`incoming_chat`,
//! `incoming_event`, `user_added_to_chat`, `chat_deactivated`). Sending the first event
//! in a chat joins the agent to it.

use protocol::{Request, Response};

use crate::chat::{validation, Actor, ApiResult};
use crate::App;

/// Answers one request from a logged-in agent.
pub fn dispatch(app: &App, actor: &Actor<'_>, request: Request) -> ApiResult<Response> {
    match request {
        Request::ListChats(request) => crate::customer::list_chats(app, actor, request).map(Response::ListChats),
        Request::GetChat(request) => {
            let row = app.accessible_chat(actor, &request.chat_id)?;
            app.chat_view(&row, request.thread_id.as_deref()).map(Response::GetChat)
        }
        Request::ListThreads(request) => app.list_threads(actor, request).map(Response::ListThreads),
        Request::SendEvent(request) => app.send_event(actor, request).map(Response::SendEvent),
        Request::DeactivateChat(request) => {
            let chat_id = request.chat_id().ok_or_else(|| validation("chat_id is required"))?.to_owned();
            app.deactivate_chat(actor, &chat_id).map(|()| Response::DeactivateChat)
        }
        Request::StartChat(_) | Request::ActivateChat(_) => Err(validation("agents cannot start chats")),
        Request::Login(_) | Request::Ping => unreachable!("handled by the session"),
        Request::Other { action, .. } => Err(validation(format!("unknown action {action:?}"))),
    }
}
