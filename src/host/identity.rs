//! Access tokens from the host page's own sign-in (the `identity_provider` option): the
//! connection asks, the loader calls the site's function and answers over the port.
//!
//! One [`Identity`] is made at start-up; the bridge posts its requests and hands it the
//! answers, and the connection gets [`Identity::source`], a function it calls for a token.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::FutureExt;

use crate::connection::TokenSource;

type Answer = Result<String, String>;

#[derive(Default)]
struct Waiting {
    ask: Option<Rc<dyn Fn(u64)>>,
    next_id: u64,
    pending: Vec<(u64, oneshot::Sender<Answer>)>,
}

/// Token requests waiting for the site's answer. Cheap to clone.
#[derive(Clone, Default)]
pub struct Identity(Rc<RefCell<Waiting>>);

impl Identity {
    /// How a request reaches the loader (set once the port is up).
    pub fn install(&self, ask: impl Fn(u64) + 'static) {
        self.0.borrow_mut().ask = Some(Rc::new(ask));
    }

    /// The loader's answer to request `id`.
    pub fn answer(&self, id: u64, answer: Answer) {
        let sender = {
            let mut waiting = self.0.borrow_mut();
            let at = waiting.pending.iter().position(|(pending, _)| *pending == id);
            at.map(|at| waiting.pending.remove(at).1)
        };
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }

    /// A token from the site, or why not (no loader, the function failed, or no answer
    /// within 15 seconds).
    pub async fn fetch(&self) -> Answer {
        let (sender, receiver) = oneshot::channel();
        let (id, ask) = {
            let mut waiting = self.0.borrow_mut();
            waiting.next_id += 1;
            let id = waiting.next_id;
            waiting.pending.push((id, sender));
            (id, waiting.ask.clone())
        };
        // Called outside the borrow: posting may run other code.
        let Some(ask) = ask else { return Err("identity_provider needs the loader".to_owned()) };
        ask(id);
        let timeout = gloo_timers::future::TimeoutFuture::new(15_000);
        futures::select! {
            answer = receiver.fuse() => answer.unwrap_or_else(|_| Err("the loader went away".to_owned())),
            () = timeout.fuse() => Err("identity_provider did not answer within 15 s".to_owned()),
        }
    }

    /// What the connection calls for a token.
    pub fn source(&self) -> TokenSource {
        let identity = self.clone();
        Rc::new(move || {
            let identity = identity.clone();
            Box::pin(async move { identity.fetch().await })
        })
    }
}
