//! The chat window: header, banners, the step before chatting (consent, pre-chat or ticket
//! form), the transcript, the typing line, the rating and the composer.
//!
//! Which step shows is decided in `step` from plain facts, and tested there.

use leptos::prelude::*;
use protocol::{Access, Event, EventBody, Form, FormKind, UpdateCustomer};

use super::agent_picker::{AgentPicker, PickedAgent};
use super::{
    Composer, ConnectionBanner, FormView, GreetingCard, MessageList, QueueLine, RatingPanel, SoundToggle, UploadList,
    Uploads, WebviewLayer,
};
use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::forms::Filled;
use crate::i18n::{fill, Locale};
use crate::roster::{Entry, Section};
use crate::store::{ConnectionStatus, Item, Opening};

mod step;

use step::{Facts, Forms, Step};

/// The whole chat window, a labelled dialog. Escape minimises it.
#[component]
pub fn ChatWindow(
    /// Window title.
    #[prop(into)]
    title: String,
) -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let config = expect_context::<WidgetConfig>();
    let tooltip = title.clone();
    let state = chat.state;
    let connection = Memo::new(move |_| state.with(|chat_state| chat_state.connection.as_str()));
    let online = Memo::new(move |_| state.with(|chat_state| chat_state.connection == ConnectionStatus::Online));
    let groups_online = Memo::new(move |_| state.with(|chat_state| chat_state.agents_online));
    let has_chat = Memo::new(move |_| state.with(|chat_state| chat_state.chat_id.is_some() || !chat_state.messages.is_empty()));
    let chat_active = Memo::new(move |_| state.with(|chat_state| chat_state.chat_active));
    let typing = Memo::new(move |_| {
        state.with(|chat_state| {
            chat_state.agent_typing.as_ref().map(|agent_id| chat_state.agent_name(agent_id).unwrap_or(locale.text.agent).to_owned())
        })
    });

    let host_events = super::HostEvents::in_context();
    let viewing = RwSignal::new(None::<super::Viewing>);
    provide_context(viewing);
    let webview = use_context::<RwSignal<Option<super::OpenWebview>>>();
    let uploads = Uploads::provide();
    let _ = uploads;
    let consent_key = format!("{}.consent", config.identity_key());
    let consented = RwSignal::new(config.url_privacy.is_none() || crate::persist::read(&consent_key).is_some());
    let forms = RwSignal::new(Forms::default());
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let ticket_sent = RwSignal::new(false);

    // Who the visitor can talk to, when the account lets them pick or the site limits the
    // agents: fetched once connected, again whenever a group's availability changes, and
    // each time the window opens (so the statuses shown are fresh).
    let site = StoredValue::new(config.clone());
    let manual = Memo::new(move |_| state.with(|chat_state| chat_state.manual_assignment));
    let roster = RwSignal::new(None::<protocol::ListAgentsResponse>);
    let picked = RwSignal::new(None::<Entry>);
    // After an ended chat, a visitor who picks their agent starts the next one from the list.
    let repick = RwSignal::new(false);
    let statuses = Memo::new(move |_| state.with(|chat_state| chat_state.group_statuses.clone()));
    let window_open = Memo::new(move |_| state.with(|chat_state| chat_state.open));
    Effect::new(move |_| {
        statuses.track();
        window_open.track();
        let wanted = manual.get() || site.with_value(|site| !site.operators.is_empty());
        if online.get() && wanted {
            leptos::task::spawn_local(async move {
                match chat.list_agents().await {
                    Ok(list) => roster.set(Some(list)),
                    Err(error) => leptos::logging::warn!("livechat: could not list the agents: {error}"),
                }
            });
        }
    });
    let sections = Memo::new(move |_| -> Option<Vec<Section>> {
        roster.with(|list| list.as_ref().map(|list| site.with_value(|site| crate::roster::sections(list, site.limits()))))
    });
    // Someone the visitor may talk to takes chats now: the agent picked; else, when the site
    // limits the agents and their list is known, one of them; else any group's agent.
    let agents_online = Memo::new(move |_| match picked.get() {
        Some(entry) => entry.available(),
        None => {
            let allowed_all_away = roster.with(|list| {
                list.as_ref().is_some_and(|list| {
                    site.with_value(|site| !site.operators.is_empty() && !crate::roster::anyone_available(list, site.limits()))
                })
            });
            !allowed_all_away && groups_online.get()
        }
    });
    let pick = move |entry: Option<Entry>| {
        repick.set(false);
        let route = match &entry {
            Some(entry) => Access { group_ids: vec![entry.group_id], agent_ids: vec![entry.agent.id.clone()] },
            None => site.with_value(WidgetConfig::route),
        };
        state.update(|chat_state| chat_state.set_route(route));
        picked.set(entry);
    };

    // Fetch the group's forms once connected.
    Effect::new(move |fetched: Option<bool>| {
        let fetched = fetched.unwrap_or(false);
        if fetched || !online.get() {
            return fetched;
        }
        leptos::task::spawn_local(async move {
            let fetch = |kind| async move {
                chat.get_form(0, kind).await.map(|form| form.form.filter(|_| form.enabled)).unwrap_or(None)
            };
            let prechat = fetch(FormKind::Prechat).await;
            let ticket = fetch(FormKind::Ticket).await;
            let postchat = fetch(FormKind::Postchat).await;
            forms.set(Forms { prechat: Some(prechat), ticket: Some(ticket), postchat: Some(postchat) });
        });
        true
    });
    // The post-chat form is answered (or skipped) once per ended thread.
    let postchat_done = RwSignal::new(None::<String>);
    let thread_id = Memo::new(move |_| state.with(|chat_state| chat_state.thread_id.clone()));
    let postchat = Memo::new(move |_| {
        let ended = has_chat.get() && !chat_active.get() && !ticket_sent.get();
        let done = postchat_done.get().is_some_and(|done| thread_id.get().as_ref() == Some(&done));
        forms.with(|forms| forms.postchat.clone().flatten()).filter(|_| ended && !done)
    });
    let send_postchat = move |filled: Filled, form_id: String| {
        if state.with_untracked(|chat_state| chat_state.chat_id.is_none()) {
            return;
        }
        // The answers join the outbox, which delivers them however long the link is down,
        // so the form gives way to the rating at once; it comes back only if the server
        // refuses them.
        let thread = thread_id.get_untracked();
        postchat_done.set(thread.clone());
        leptos::task::spawn_local(async move {
            let event = Event::new(EventBody::FilledForm { form_id, fields: filled.fields });
            if let Err(error) = chat.send_outgoing(Item::AfterChat { event }).await {
                if postchat_done.get_untracked() == thread {
                    postchat_done.set(None);
                }
                form_error.set(Some(error.to_string()));
            }
        });
    };

    let start_with = move |filled: Filled, form: Form, ticket: bool| {
        let route = state.with_untracked(|chat_state| chat_state.route.clone());
        let form_id = form.id.clone();
        let asked: Vec<String> = form.fields.iter().map(|field| field.kind.clone()).collect();
        busy.set(true);
        form_error.set(None);
        leptos::task::spawn_local(async move {
            if filled.name.is_some() || filled.email.is_some() {
                let update = UpdateCustomer { name: filled.name.clone(), email: filled.email.clone(), ..Default::default() };
                let _ = chat.update_customer(update).await;
            }
            let event = Event::new(EventBody::FilledForm { form_id, fields: filled.fields.clone() });
            // A group chooser's answer wins over the site's departments.
            let opening = Opening { access: routed(route, filled.group_id), continuous: ticket };
            let result = chat.send_outgoing(Item::Event { event, opening }).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    ticket_sent.set(ticket);
                    if let Some(host_events) = host_events {
                        let operator = picked.with_untracked(|entry| entry.as_ref().map(|entry| entry.agent.id.clone()));
                        announce_form(host_events, &filled, &asked, ticket, operator);
                    }
                }
                Err(error) => form_error.set(Some(error.to_string())),
            }
        });
    };

    // A pick is for one conversation: when it ends, the next starts from the list again.
    Effect::new(move |was_active: Option<bool>| {
        let active = chat_active.get();
        if was_active == Some(true) && !active && manual.get_untracked() && picked.with_untracked(Option::is_some) {
            pick(None);
        }
        active
    });
    let pick_first = Memo::new(move |_| manual.get() && has_chat.get() && !chat_active.get() && picked.with(Option::is_none));
    let step = Memo::new(move |_| {
        let sections = sections.get();
        let forms = forms.get();
        step::decide(Facts {
            consented: consented.get(),
            manual: manual.get(),
            picked: picked.with(Option::is_some),
            repick: repick.get(),
            has_chat: has_chat.get(),
            sections: sections.as_deref(),
            agents_online: agents_online.get(),
            forms: &forms,
        })
    });

    let url_privacy = config.url_privacy.clone();
    let links: Vec<(String, &str)> = [
        (config.url_contact.clone(), locale.text.contact),
        (config.url_faq.clone(), locale.text.faq),
        (config.url_privacy.clone(), locale.text.privacy),
    ]
    .into_iter()
    .filter_map(|(url, label)| Some((url?, label)))
    .collect();
    let rating_mode = config.rating;

    view! {
        <section
            class="cw-window"
            role="dialog"
            aria-labelledby="cw-title"
            aria-describedby="cw-status"
            data-testid="cw-window"
            data-connection=move || connection.get()
            data-step=move || step.with(Step::name)
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    // Escape closes what is on top first: the image viewer, a webview, then
                    // the window itself.
                    if viewing.with_untracked(Option::is_some) {
                        viewing.set(None);
                    } else if let Some(webview) = webview.filter(|webview| webview.with_untracked(Option::is_some)) {
                        webview.set(None);
                    } else {
                        chat.set_open(false);
                    }
                }
            }
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                #[cfg(target_arch = "wasm32")]
                if let Some(files) = ev.data_transfer().and_then(|data| data.files()) {
                    if step.with_untracked(|step| *step == Step::Chat) {
                        uploads.send_files(files);
                    }
                }
            }
        >
            <header class="cw-header">
                <div class="cw-header__text">
                    <h1 id="cw-title" class="cw-header__title" title=tooltip>{title}</h1>
                    <p
                        id="cw-status"
                        class="cw-header__status"
                        data-online=move || agents_online.get().to_string()
                        title=move || if agents_online.get() { locale.text.status_online } else { locale.text.status_offline }
                    >
                        {move || if agents_online.get() { locale.text.status_online } else { locale.text.status_offline }}
                    </p>
                </div>
                <div class="cw-header__actions">
                <Show when=move || chat_active.get()>
                    <button
                        type="button"
                        class="cw-icon-button cw-header__end"
                        aria-label=locale.text.end_chat
                        title=locale.text.end_chat
                        data-testid="cw-end-chat"
                        on:click=move |_| {
                            if let Some(chat_id) = state.with_untracked(|chat_state| chat_state.chat_id.clone()) {
                                leptos::task::spawn_local(async move {
                                    let _ = chat.deactivate_chat(&chat_id).await;
                                });
                            }
                        }
                    >
                        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                            <path d="M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4M10 16l-4-4 4-4M6 12h10" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round" />
                        </svg>
                    </button>
                </Show>
                <SoundToggle />
                {super::Expanded::in_context().map(|expanded| view! {
                    <button
                        type="button"
                        class="cw-icon-button"
                        aria-pressed=move || expanded.0.get().to_string()
                        aria-label=move || if expanded.0.get() { locale.text.restore } else { locale.text.maximize }
                        title=move || if expanded.0.get() { locale.text.restore } else { locale.text.maximize }
                        data-testid="cw-maximize"
                        on:click=move |_| expanded.0.update(|value| *value = !*value)
                    >
                        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                            {move || if expanded.0.get() {
                                view! { <path d="M9 4v5H4M15 20v-5h5" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" /> }.into_any()
                            } else {
                                view! { <path d="M4 9V4h5M20 15v5h-5" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" /> }.into_any()
                            }}
                        </svg>
                    </button>
                })}
                <button
                    type="button"
                    class="cw-icon-button cw-header__minimize"
                    aria-label=locale.text.minimize
                    title=locale.text.minimize
                    data-testid="cw-minimize"
                    on:click=move |_| chat.set_open(false)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                        <path d="M5 12h14" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                    </svg>
                </button>
                </div>
            </header>
            <ConnectionBanner />
            <GreetingCard />
            {move || match step.get() {
                Step::Consent => {
                    let key = consent_key.clone();
                    let url = url_privacy.clone().unwrap_or_default();
                    view! {
                        <div class="cw-consent" data-testid="cw-consent">
                            <p>
                                {locale.text.consent} " "
                                <a href=url target="_blank" rel="noopener noreferrer">
                                    {locale.text.privacy}
                                    <span class="cw-visually-hidden">" " {locale.text.new_tab}</span>
                                </a>
                            </p>
                            <button type="button" class="cw-button" data-testid="cw-consent-accept"
                                on:click=move |_| {
                                    crate::persist::write(&key, "1");
                                    consented.set(true);
                                }>
                                {locale.text.start_chat}
                            </button>
                        </div>
                    }
                    .into_any()
                }
                Step::Pick(sections) => view! {
                    <AgentPicker sections on_pick=Callback::new(move |entry| pick(Some(entry))) />
                }
                .into_any(),
                Step::Form(form, ticket) => {
                    let form_for_start = form.clone();
                    let picked_line = picked.get_untracked().map(|entry| view! {
                        <PickedAgent name=entry.agent.name on_change=Callback::new(move |()| pick(None)) />
                    });
                    let (heading, submit) = if ticket {
                        (Some(locale.text.ticket_title), locale.text.ticket_send)
                    } else {
                        (None, locale.text.start_chat)
                    };
                    view! {
                        <div class="cw-start" data-testid=if ticket { "cw-ticket" } else { "cw-prechat" }>
                            {heading.map(|heading| view! { <h2 class="cw-start__title">{heading}</h2> })}
                            {picked_line}
                            <FormView
                                form
                                id_prefix=if ticket { "cw-ticket" } else { "cw-prechat" }
                                submit_label=submit
                                busy=busy
                                on_submit=Callback::new(move |filled| start_with(filled, form_for_start.clone(), ticket))
                            />
                            <p class="cw-form__error" role="alert">{move || form_error.get()}</p>
                        </div>
                    }
                    .into_any()
                }
                Step::Chat => view! {
                    <MessageList />
                    <Show when=move || ticket_sent.get()>
                        <p class="cw-note" role="status" data-testid="cw-ticket-sent">{locale.text.ticket_sent}</p>
                    </Show>
                    <QueueLine />
                    {move || postchat.get().map(|form| {
                        let form_id = form.id.clone();
                        view! {
                            <div class="cw-postchat" data-testid="cw-postchat">
                                <FormView
                                    form
                                    id_prefix="cw-postchat"
                                    submit_label=locale.text.submit
                                    busy=busy
                                    on_submit=Callback::new(move |filled| send_postchat(filled, form_id.clone()))
                                    on_skip=Callback::new(move |()| postchat_done.set(thread_id.get_untracked()))
                                />
                            </div>
                        }
                    })}
                    <Show when=move || has_chat.get() && !chat_active.get() && !ticket_sent.get() && postchat.with(Option::is_none)>
                        <RatingPanel mode=rating_mode />
                    </Show>
                    <p class="cw-typing" aria-live="polite" data-testid="cw-typing">
                        {move || typing.get().map(|name| fill(locale.text.typing, &[("name", &name)]))}
                    </p>
                    <UploadList />
                    <Show when=move || pick_first.get() fallback=|| view! { <Composer /> }>
                        <button type="button" class="cw-button cw-new-chat" data-testid="cw-new-chat" on:click=move |_| repick.set(true)>
                            {locale.text.new_chat}
                        </button>
                    </Show>
                }
                .into_any(),
            }}
            <WebviewLayer />
            {(!links.is_empty()).then(|| view! {
                <nav class="cw-links" aria-label=locale.text.contact data-testid="cw-links">
                    {links.into_iter().map(|(url, label)| view! {
                        <a href=url target="_blank" rel="noopener noreferrer">
                            {label.to_owned()}
                            <span class="cw-visually-hidden">" " {locale.text.new_tab}</span>
                        </a>
                    }).collect_view()}
                </nav>
            })}
        </section>
    }
}

/// Where a chat started from a form goes: the route (the site's departments and operators,
/// or the agent the visitor picked), with a group chooser's answer in place of its groups.
fn routed(route: Access, chosen_group: Option<u32>) -> Option<Access> {
    let route = match chosen_group {
        Some(group) => Access { group_ids: vec![group], ..route },
        None => route,
    };
    (route != Access::default()).then_some(route)
}

/// Tells the host page what a submitted form said: `offlinemessage` for a ticket, and
/// `namerequired` / `emailrequired` / `phonerequired` for each of those fields a form asked.
/// `operator` is the agent the visitor picked, if the account lets them pick.
fn announce_form(host_events: super::HostEvents, filled: &Filled, asked: &[String], ticket: bool, operator: Option<String>) {
    use serde_json::json;
    if ticket {
        let message = filled
            .fields
            .iter()
            .find(|field| matches!(field["type"].as_str(), Some("textarea" | "question")))
            .and_then(|field| field["answer"].as_str());
        let data = json!({ "name": filled.name, "email": filled.email, "phone": filled.phone, "message": message, "operator_id": operator });
        host_events.emit("offlinemessage", data);
    }
    for (kind, event, key, value) in [
        ("name", "namerequired", "name", &filled.name),
        ("email", "emailrequired", "email", &filled.email),
        ("phone", "phonerequired", "phone", &filled.phone),
    ] {
        if asked.iter().any(|asked| asked == kind) {
            host_events.emit(event, json!({ "accepted": value.is_some(), key: value }));
        }
    }
}
