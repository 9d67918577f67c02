//! Signing in and out: the sign-in form (e-mail and password, into the server's session
//! cookie), the account dialog (change the password, sign out here or everywhere), and
//! the small HTTP helper both use. The cookie is HttpOnly, so the app never sees it; it
//! asks the server who is signed in.

use leptos::prelude::*;
use serde_json::{json, Value};

use super::Handle;

/// How this tab's socket signs in.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// The browser session (the cookie goes with the socket's upgrade).
    Session,
    /// A token from a link (`#token=`), for programs and test setups.
    Token(String),
}

impl Credential {
    /// The token `login` carries: empty for the session.
    pub fn login_token(&self) -> String {
        match self {
            Credential::Session => String::new(),
            Credential::Token(token) => token.clone(),
        }
    }
}

/// Sends JSON to one of the server's `/account/` routes; the answer's JSON (if any), or the
/// server's explanation of a refusal.
pub async fn call(method: &str, path: &str, body: Option<Value>) -> Result<Option<Value>, String> {
    use gloo_net::http::Request;
    let url = format!("/account/{path}");
    let request = match (method, body) {
        ("GET", _) => Request::get(&url).build(),
        (_, Some(body)) => Request::post(&url).header("Content-Type", "application/json").body(body.to_string()),
        (_, None) => Request::post(&url).build(),
    };
    let response = request.map_err(|error| error.to_string())?.send().await.map_err(|_| "The server cannot be reached. Try again.".to_owned())?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let answer = serde_json::from_str::<Value>(&text).ok();
    if (200..300).contains(&status) {
        return Ok(answer);
    }
    let message = answer.as_ref().and_then(|answer| answer.pointer("/error/message")).and_then(Value::as_str);
    Err(match message {
        Some(message) => capitalised(message),
        None => format!("The server answered {status}."),
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|first| first.to_uppercase().collect::<String>()).unwrap_or_default();
    let rest: String = chars.collect();
    if rest.ends_with('.') { format!("{first}{rest}") } else { format!("{first}{rest}.") }
}

/// Whether the browser is signed in already (the cookie is the server's to read).
pub async fn signed_in() -> bool {
    matches!(call("GET", "me", None).await, Ok(Some(_)))
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// The sign-in form: e-mail and password; a refusal is said next to the button.
#[component]
pub fn SignIn(credential: RwSignal<Option<Credential>>) -> impl IntoView {
    let email = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(email), Some(password)) = (email.get(), password.get()) else { return };
        let body = json!({ "email": email.value().trim(), "password": password.value() });
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match call("POST", "sign_in", Some(body)).await {
                Ok(_) => credential.set(Some(Credential::Session)),
                Err(message) => {
                    error.set(Some(message));
                    password.set_value("");
                    let _ = password.focus();
                }
            }
            busy.set(false);
        });
    };
    view! {
        <main class="signin">
            <form on:submit=submit data-testid="console-signin" aria-describedby="signin-error">
                <h1>"Sign in to answer chats"</h1>
                <label for="console-email">"E-mail"</label>
                <input id="console-email" node_ref=email type="email" autocomplete="username" required=true autofocus=true/>
                <label for="console-password">"Password"</label>
                <input id="console-password" node_ref=password type="password" autocomplete="current-password" required=true
                    aria-invalid=move || error.with(Option::is_some).then_some("true")/>
                <p id="signin-error" class="dialog__error" role="alert" data-testid="console-signin-error">{move || error.get()}</p>
                <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Signing in…" } else { "Sign in" }}</button>
            </form>
        </main>
    }
}

/// The account dialog: who is signed in, a new password, and signing out here or on every
/// device. A tab opened with a token can only forget it.
#[component]
pub fn AccountDialog(open: RwSignal<bool>, credential: Credential) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let session = credential == Credential::Session;
    let (current, new, again) = (NodeRef::<leptos::html::Input>::new(), NodeRef::<leptos::html::Input>::new(), NodeRef::<leptos::html::Input>::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let close = move || {
        open.set(false);
        error.set(None);
        done.set(None);
        super::focus("[data-testid=agent-account]");
    };
    Effect::new(move |_| {
        if open.get() {
            gloo_timers::callback::Timeout::new(0, || super::focus("[data-testid=agent-account-dialog] input, [data-testid=agent-sign-out]")).forget();
        }
    });
    let change = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(current), Some(new), Some(again)) = (current.get(), new.get(), again.get()) else { return };
        done.set(None);
        if new.value() != again.value() {
            error.set(Some("The new password and its repetition differ.".to_owned()));
            let _ = again.focus();
            return;
        }
        let body = json!({ "current_password": current.value(), "new_password": new.value() });
        leptos::task::spawn_local(async move {
            match call("POST", "password", Some(body)).await {
                Ok(_) => {
                    error.set(None);
                    done.set(Some("Password changed. Your other devices are signed out.".to_owned()));
                    for input in [&current, &new, &again] {
                        input.set_value("");
                    }
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    let sign_out = move |everywhere: bool| {
        leptos::task::spawn_local(async move {
            if session {
                let path = if everywhere { "sign_out_everywhere" } else { "sign_out" };
                if let Err(message) = call("POST", path, None).await {
                    error.set(Some(message));
                    return;
                }
            } else if let Some(storage) = super::session_storage() {
                let _ = storage.remove_item(super::TOKEN_KEY);
            }
            reload();
        });
    };
    let who = move || {
        handle.desk.with(|desk| {
            let role = match desk.my_permission.as_deref() {
                Some("owner") => "owner",
                Some("administrator") => "administrator",
                _ => "agent",
            };
            format!("{} ({}), {role}", desk.my_name.clone().unwrap_or_default(), desk.me.clone().unwrap_or_default())
        })
    };
    view! {
        <Show when=move || open.get()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="account-heading" data-testid="agent-account-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
                <h2 id="account-heading">"Your account"</h2>
                <p data-testid="agent-account-who">{who}</p>
                <Show when=move || session>
                    <form on:submit=change data-testid="agent-password-form">
                        <h3>"Change your password"</h3>
                        <label>"Current password"
                            <input type="password" node_ref=current autocomplete="current-password" required=true data-testid="agent-password-current"/>
                        </label>
                        <label>"New password (10 characters or more)"
                            <input type="password" node_ref=new autocomplete="new-password" minlength="10" required=true data-testid="agent-password-new"/>
                        </label>
                        <label>"New password again"
                            <input type="password" node_ref=again autocomplete="new-password" minlength="10" required=true data-testid="agent-password-again"/>
                        </label>
                        <p class="dialog__error" role="alert" data-testid="agent-account-error">{move || error.get()}</p>
                        <p role="status" data-testid="agent-account-done">{move || done.get()}</p>
                        <div class="dialog__actions"><button type="submit">"Change password"</button></div>
                    </form>
                </Show>
                <div class="dialog__actions">
                    <button type="button" data-testid="agent-sign-out" on:click=move |_| sign_out(false)>
                        {if session { "Sign out" } else { "Forget this token" }}
                    </button>
                    <Show when=move || session>
                        <button type="button" data-testid="agent-sign-out-everywhere" on:click=move |_| sign_out(true)>"Sign out everywhere"</button>
                    </Show>
                    <button type="button" on:click=move |_| close()>"Close"</button>
                </div>
            </div>
        </Show>
    }
}
