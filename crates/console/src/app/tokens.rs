//! The API tokens dialog (owners and administrators): the license's tokens, a form to
//! make one (its name, the agent it signs in as, when it expires), its secret shown once
//! to copy, and revoking with a second click to confirm.

use leptos::prelude::*;
use protocol::CreateApiToken;

use super::Handle;
use crate::session::Intent;

/// Expiry choices, in days (`None`: never).
const EXPIRIES: [(&str, Option<u32>); 4] = [("Never", None), ("30 days", Some(30)), ("90 days", Some(90)), ("1 year", Some(365))];

/// The dialog; it lists the tokens each time it opens.
#[component]
pub fn TokensDialog(open: RwSignal<bool>) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let name = NodeRef::<leptos::html::Input>::new();
    let agent = NodeRef::<leptos::html::Select>::new();
    let expiry = RwSignal::new(0usize);
    let confirming = RwSignal::new(None::<u64>);
    let close = move || {
        open.set(false);
        confirming.set(None);
        desk.update(crate::desk::Desk::forget_new_api_token);
        super::focus("[data-testid=agent-api-tokens]");
    };
    Effect::new(move |_| {
        if open.get() {
            handle.send(Intent::ListApiTokens);
            gloo_timers::callback::Timeout::new(0, || super::focus("[data-testid=agent-token-name]")).forget();
        }
    });
    let create = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(input) = name.get() else { return };
        let agent_id = agent.get().map(|select| select.value()).filter(|value| !value.is_empty());
        let expires_in_days = EXPIRIES[expiry.get_untracked()].1;
        handle.send(Intent::CreateApiToken(CreateApiToken { name: input.value().trim().to_owned(), agent_id, expires_in_days }));
        input.set_value("");
    };
    let copy = move |_| {
        let Some(secret) = desk.with_untracked(|desk| desk.new_api_token.as_ref().map(|created| created.token.clone())) else { return };
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&secret);
        }
    };
    let revoke = move |id: u64| {
        if confirming.get_untracked() == Some(id) {
            confirming.set(None);
            handle.send(Intent::RevokeApiToken(id));
            // The row and its button go: focus stays in the dialog.
            super::focus("[data-testid=agent-token-name]");
        } else {
            confirming.set(Some(id));
        }
    };
    let agents = move || desk.with(|desk| desk.agents.iter().map(|agent| (agent.id.clone(), if agent.name.is_empty() { agent.id.clone() } else { agent.name.clone() })).collect::<Vec<_>>());
    let me = move || desk.with(|desk| desk.me.clone().unwrap_or_default());
    view! {
        <Show when=move || open.get()>
            <div class="dialog dialog--wide" role="dialog" aria-modal="true" aria-labelledby="tokens-heading" data-testid="agent-tokens-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
                <h2 id="tokens-heading">"API tokens"</h2>
                <p>"A token lets a program (a bot, an integration) sign in to the agent API as an agent. Keep it secret; revoke it when it is no longer used."</p>
                <Show when=move || desk.with(|desk| desk.new_api_token.is_some())>
                    <div class="token-secret" role="status" data-testid="agent-token-secret">
                        <p>"Copy the new token now: it is shown only this once."</p>
                        <input type="text" readonly=true aria-label="New token" data-testid="agent-token-value"
                            prop:value=move || desk.with(|desk| desk.new_api_token.as_ref().map(|created| created.token.clone()).unwrap_or_default())/>
                        <button type="button" on:click=copy>"Copy"</button>
                        <button type="button" data-testid="agent-token-done" on:click=move |_| desk.update(crate::desk::Desk::forget_new_api_token)>"Done"</button>
                    </div>
                </Show>
                <form on:submit=create data-testid="agent-token-form">
                    <label>"What it is for"
                        <input type="text" node_ref=name maxlength="80" required=true data-testid="agent-token-name" placeholder="CRM sync"/>
                    </label>
                    <label>"Signs in as"
                        <select node_ref=agent data-testid="agent-token-agent">
                            {move || agents().into_iter().map(|(id, label)| {
                                let selected = id == me();
                                view! { <option value=id.clone() selected=selected>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Expires"
                        <select data-testid="agent-token-expiry" on:change=move |event| expiry.set(event_target_value(&event).parse().unwrap_or(0))>
                            {EXPIRIES.iter().enumerate().map(|(index, (label, _))| view! { <option value=index.to_string()>{*label}</option> }).collect_view()}
                        </select>
                    </label>
                    <div class="dialog__actions"><button type="submit">"Make token"</button></div>
                </form>
                <table class="tokens" data-testid="agent-token-list">
                    <caption>"Tokens in use"</caption>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Signs in as"</th><th scope="col">"Made"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        <For each=move || desk.with(|desk| desk.api_tokens.clone()) key=|token| (token.id, token.last_used_at.clone()) let:token>
                            {
                                let id = token.id;
                                let label = format!("Revoke {}", token.name);
                                view! {
                                    <tr data-testid="agent-token-row">
                                        <td>{token.name.clone()}</td>
                                        <td>{token.agent_id.clone()}</td>
                                        <td>{day(&token.created_at)}</td>
                                        <td>{token.expires_at.as_deref().map_or_else(|| "Never".to_owned(), day)}</td>
                                        <td>{token.last_used_at.as_deref().map_or_else(|| "Not yet".to_owned(), day)}</td>
                                        <td>
                                            <button type="button" data-testid="agent-token-revoke" aria-label=label on:click=move |_| revoke(id)>
                                                {move || if confirming.get() == Some(id) { "Confirm revoke" } else { "Revoke" }}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
                <Show when=move || desk.with(|desk| desk.api_tokens.is_empty())>
                    <p data-testid="agent-token-none">"No tokens yet."</p>
                </Show>
                <div class="dialog__actions"><button type="button" on:click=move |_| close()>"Close"</button></div>
            </div>
        </Show>
    }
}

/// The day of an RFC 3339 time.
fn day(at: &str) -> String {
    at.get(..10).unwrap_or(at).to_owned()
}
