//! The settings dialog (owners and administrators): the license (name, assignment, the
//! site's verification address, the sites allowed to embed the widget), groups and their
//! forms ([`super::form_editor`]), agents and greetings. The agent edits a draft; Save
//! sends it whole, the server checks it by the rules a configuration file obeys and puts it
//! in force at once; a refusal names the setting at fault.

use leptos::prelude::*;
use protocol::{AgentSettings, BusinessHours, GreetingSettings, LicenseSettings, OpenHours, TriggerSettings};

use super::Handle;
use super::form_editor::GroupsEditor;
use crate::session::Intent;

/// Which part of the settings is on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tab {
    License,
    Groups,
    Agents,
    Greetings,
}

/// The draft being edited.
pub type Draft = RwSignal<Option<LicenseSettings>>;

/// Changes the draft, if there is one.
pub fn edit(draft: Draft, change: impl FnOnce(&mut LicenseSettings)) {
    draft.update(|draft| {
        if let Some(draft) = draft.as_mut() {
            change(draft);
        }
    });
}

/// Reads the draft (a default when there is none yet).
pub fn read<T: Default>(draft: Draft, look: impl FnOnce(&LicenseSettings) -> T) -> T {
    draft.with(|draft| draft.as_ref().map(look).unwrap_or_default())
}

/// A number of items that only tells when it changes, so a list re-renders when items
/// come or go, not at every keystroke in one of them.
pub fn count(draft: Draft, of: impl Fn(&LicenseSettings) -> usize + Send + Sync + 'static) -> Memo<usize> {
    Memo::new(move |_| read(draft, |settings| of(settings)))
}

/// The dialog; it reads the settings each time it opens.
#[component]
pub fn SettingsDialog(open: RwSignal<bool>) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let draft: Draft = RwSignal::new(None);
    let tab = RwSignal::new(Tab::License);
    let close = move || {
        open.set(false);
        desk.update(crate::desk::Desk::forget_new_passwords);
        super::focus("[data-testid=agent-settings]");
    };
    Effect::new(move |_| {
        if open.get() {
            draft.set(None);
            handle.send(Intent::LoadSettings);
        }
    });
    // The draft starts from, and after a save goes back to, what the server has; a memo,
    // so other changes to the desk (a message, a push) leave the draft alone.
    let on_server = Memo::new(move |_| desk.with(|desk| desk.settings.clone()));
    Effect::new(move |_| {
        let settings = on_server.get();
        if open.get_untracked() {
            draft.set(settings);
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(settings) = draft.get_untracked() {
            handle.send(Intent::SaveSettings(settings));
        }
    };
    let tab_button = move |which: Tab, label: &'static str, test_id: &'static str| {
        view! {
            <button type="button" role="tab" data-testid=test_id aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)>{label}</button>
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="dialog dialog--wide settings" role="dialog" aria-modal="true" aria-labelledby="settings-heading" data-testid="agent-settings-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
                <h2 id="settings-heading">"Settings"</h2>
                <div role="tablist" class="settings__tabs" aria-label="Settings">
                    {tab_button(Tab::License, "License", "agent-settings-tab-license")}
                    {tab_button(Tab::Groups, "Groups and forms", "agent-settings-tab-groups")}
                    {tab_button(Tab::Agents, "Agents", "agent-settings-tab-agents")}
                    {tab_button(Tab::Greetings, "Greetings", "agent-settings-tab-greetings")}
                </div>
                <Show when=move || draft.with(Option::is_some) fallback=|| view! { <p role="status">"Loading…"</p> }>
                    <form on:submit=save data-testid="agent-settings-form">
                        <div role="tabpanel">
                            {move || match tab.get() {
                                Tab::License => view! { <LicenseTab draft/> }.into_any(),
                                Tab::Groups => view! { <GroupsEditor draft/> }.into_any(),
                                Tab::Agents => view! { <AgentsTab draft/> }.into_any(),
                                Tab::Greetings => view! { <GreetingsTab draft/> }.into_any(),
                            }}
                        </div>
                        <p class="dialog__error" role="alert" data-testid="agent-settings-error">{move || desk.with(|desk| desk.settings_error.clone())}</p>
                        <Show when=move || desk.with(|desk| !desk.new_passwords.is_empty())>
                            <div class="token-secret" role="status" data-testid="agent-settings-passwords">
                                <p>"First passwords of the agents just added (shown only this once; they change them after signing in):"</p>
                                <ul>
                                    {move || desk.with(|desk| desk.new_passwords.iter().map(|entry| view! {
                                        <li><code data-testid="agent-settings-password" data-agent=entry.agent_id.clone()>{format!("{}: {}", entry.agent_id, entry.password)}</code></li>
                                    }).collect_view())}
                                </ul>
                            </div>
                        </Show>
                        <div class="dialog__actions">
                            <span role="status" data-testid="agent-settings-status">{move || desk.with(|desk| match (desk.settings_saving, desk.settings_saved) {
                                (true, _) => "Saving…",
                                (false, true) => "Saved: in force now.",
                                (false, false) => "",
                            })}</span>
                            <button type="button" on:click=move |_| draft.set(desk.with_untracked(|desk| desk.settings.clone()))>"Undo changes"</button>
                            <button type="submit" data-testid="agent-settings-save">"Save"</button>
                            <button type="button" on:click=move |_| close()>"Close"</button>
                        </div>
                    </form>
                </Show>
            </div>
        </Show>
    }
}

/// The license itself.
#[component]
fn LicenseTab(draft: Draft) -> impl IntoView {
    let origins = move || read(draft, |settings| settings.allowed_origins.join("\n"));
    view! {
        <label>"Business name"
            <input type="text" required=true data-testid="agent-settings-name" prop:value=move || read(draft, |settings| settings.name.clone())
                on:input=move |event| edit(draft, |settings| settings.name = event_target_value(&event))/>
        </label>
        <label class="settings__check">
            <input type="checkbox" prop:checked=move || read(draft, |settings| settings.manual_assignment)
                on:change=move |event| edit(draft, |settings| settings.manual_assignment = event_target_checked(&event))/>
            "Visitors choose their agent from a list"
        </label>
        <label>"Identity verification address (the site's, http or https; empty: off)"
            <input type="url" prop:value=move || read(draft, |settings| settings.verification_url.clone().unwrap_or_default())
                on:input=move |event| edit(draft, |settings| settings.verification_url = Some(event_target_value(&event)).filter(|url| !url.trim().is_empty()))/>
        </label>
        <label>"Sites allowed to use the widget, one origin per line (empty: any site)"
            <textarea rows="3" data-testid="agent-settings-origins" prop:value=origins placeholder="https://shop.example"
                on:change=move |event| edit(draft, |settings| {
                    settings.allowed_origins = event_target_value(&event).lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect();
                })></textarea>
        </label>
        <HoursEditor draft/>
    }
}

const DAYS: [(&str, &str); 7] = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday")];

/// Business hours: on or off, the time zone, and each day's first open stretch (further
/// stretches a configuration file may list are kept as they are).
#[component]
fn HoursEditor(draft: Draft) -> impl IntoView {
    let on = Memo::new(move |_| read(draft, |settings| settings.business_hours.is_some()));
    let toggle = move |event: leptos::ev::Event| {
        let checked = event_target_checked(&event);
        let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
        edit(draft, |settings| {
            settings.business_hours = checked.then(|| BusinessHours {
                utc_offset_minutes: offset,
                days: DAYS[..5].iter().map(|(day, _)| OpenHours { day: (*day).to_owned(), open: "09:00".to_owned(), close: "17:00".to_owned() }).collect(),
            });
        });
    };
    let with_hours = move |change: Box<dyn FnOnce(&mut BusinessHours)>| {
        edit(draft, |settings| {
            if let Some(hours) = settings.business_hours.as_mut() {
                change(hours);
            }
        })
    };
    let stretch = move |day: &'static str| move || {
        read(draft, |settings| settings.business_hours.as_ref().and_then(|hours| hours.days.iter().find(|open| open.day == day).cloned()))
    };
    let offsets = (-24..=28).map(|half_hours: i32| {
        let minutes = half_hours * 30;
        let sign = if minutes < 0 { '-' } else { '+' };
        (minutes, format!("UTC{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60))
    });
    view! {
        <fieldset class="settings__hours" data-testid="agent-settings-hours">
            <legend>"Business hours"</legend>
            <label class="settings__check">
                <input type="checkbox" data-testid="agent-settings-hours-on" prop:checked=move || on.get() on:change=toggle/>
                "Show online only during business hours"
            </label>
            <Show when=move || on.get()>
                <label>"Time zone"
                    <select data-testid="agent-settings-hours-zone"
                        prop:value=move || read(draft, |settings| settings.business_hours.as_ref().map(|hours| hours.utc_offset_minutes.to_string()).unwrap_or_default())
                        on:change=move |event| {
                            let minutes = event_target_value(&event).parse().unwrap_or(0);
                            with_hours(Box::new(move |hours| hours.utc_offset_minutes = minutes));
                        }>
                        {offsets.clone().map(|(minutes, label)| view! { <option value=minutes.to_string()>{label}</option> }).collect_view()}
                    </select>
                </label>
                {DAYS.iter().map(|(day, name)| {
                    let day = *day;
                    let current = stretch(day);
                    let set_time = move |opening: bool, value: String| with_hours(Box::new(move |hours| {
                        if let Some(open) = hours.days.iter_mut().find(|open| open.day == day) {
                            if opening { open.open = value } else { open.close = value }
                        }
                    }));
                    view! {
                        <div class="settings__day" data-testid="agent-settings-hours-day" data-day=day>
                            <label class="settings__check">
                                <input type="checkbox" prop:checked=move || current().is_some() on:change=move |event| {
                                    let open = event_target_checked(&event);
                                    with_hours(Box::new(move |hours| {
                                        hours.days.retain(|stretch| stretch.day != day);
                                        if open {
                                            hours.days.push(OpenHours { day: day.to_owned(), open: "09:00".to_owned(), close: "17:00".to_owned() });
                                        }
                                    }));
                                }/>
                                {*name}
                            </label>
                            <Show when=move || current().is_some()>
                                <input type="time" aria-label=format!("{name} opens") prop:value=move || current().map(|open| open.open).unwrap_or_default()
                                    on:change=move |event| set_time(true, event_target_value(&event))/>
                                <input type="time" aria-label=format!("{name} closes") prop:value=move || current().map(|open| open.close).unwrap_or_default()
                                    on:change=move |event| set_time(false, event_target_value(&event))/>
                            </Show>
                        </div>
                    }
                }).collect_view()}
            </Show>
        </fieldset>
    }
}

/// Agents: who they are, their role, groups and how many chats they take at once.
#[component]
fn AgentsTab(draft: Draft) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let me = move || handle.desk.with(|desk| desk.me.clone().unwrap_or_default());
    let agents = count(draft, |settings| settings.agents.len());
    let add = move |_| {
        edit(draft, |settings| {
            settings.agents.push(AgentSettings {
                id: String::new(),
                name: String::new(),
                job_title: String::new(),
                avatar: None,
                token: None,
                role: Some("agent".to_owned()),
                groups: vec![0],
                max_chats: 6,
                disabled: false,
            });
        });
        super::focus("[data-testid=agent-settings-agent-row]:last-of-type input");
    };
    let field = move |index: usize, look: fn(&AgentSettings) -> String| move || read(draft, |settings| settings.agents.get(index).map(look).unwrap_or_default());
    view! {
        <ul class="settings__list" data-testid="agent-settings-agents" aria-label="Agents">
            {move || (0..agents.get()).map(|index| {
                let is_me = move || read(draft, |settings| settings.agents.get(index).map(|agent| agent.id.clone()).unwrap_or_default()) == me();
                view! {
                    <li class="settings__item settings__agent" data-testid="agent-settings-agent-row">
                        <label>"E-mail"
                            <input type="email" required=true prop:value=field(index, |agent| agent.id.clone())
                                on:input=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.id = event_target_value(&event).trim().to_owned() })/>
                        </label>
                        <label>"Name"
                            <input type="text" required=true prop:value=field(index, |agent| agent.name.clone())
                                on:input=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.name = event_target_value(&event) })/>
                        </label>
                        <label>"Job title"
                            <input type="text" prop:value=field(index, |agent| agent.job_title.clone())
                                on:input=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.job_title = event_target_value(&event) })/>
                        </label>
                        <label>"Role"
                            <select prop:value=field(index, |agent| agent.role.clone().unwrap_or_else(|| "agent".to_owned()))
                                on:change=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.role = Some(event_target_value(&event)) })>
                                <option value="owner">"Owner"</option>
                                <option value="admin">"Administrator"</option>
                                <option value="agent">"Agent"</option>
                            </select>
                        </label>
                        <label>"Groups (ids, comma-separated)"
                            <input type="text" inputmode="numeric" prop:value=field(index, |agent| agent.groups.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
                                on:change=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) {
                                    agent.groups = event_target_value(&event).split(',').filter_map(|id| id.trim().parse().ok()).collect();
                                })/>
                        </label>
                        <label>"Chats at once"
                            <input type="number" min="1" max="100" prop:value=field(index, |agent| agent.max_chats.to_string())
                                on:input=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.max_chats = event_target_value(&event).parse().unwrap_or(agent.max_chats) })/>
                        </label>
                        <label class="settings__check">
                            <input type="checkbox" disabled=is_me
                                prop:checked=move || read(draft, |settings| settings.agents.get(index).is_some_and(|agent| agent.disabled))
                                on:change=move |event| edit(draft, |settings| if let Some(agent) = settings.agents.get_mut(index) { agent.disabled = event_target_checked(&event) })/>
                            "Disabled"
                        </label>
                        <button type="button" disabled=is_me aria-label="Remove this agent"
                            on:click=move |_| edit(draft, |settings| { if index < settings.agents.len() { settings.agents.remove(index); } })>"Remove"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <p class="settings__hint">"An agent added here gets a first password when you save. Disabling an agent keeps their settings but signs them out and keeps them out; removing one deletes their settings."</p>
        <button type="button" data-testid="agent-settings-add-agent" on:click=add>"Add agent"</button>
    }
}

/// Greetings: text, who greets, and when one goes out by itself.
#[component]
fn GreetingsTab(draft: Draft) -> impl IntoView {
    let greetings = count(draft, |settings| settings.greetings.len());
    let add = move |_| {
        edit(draft, |settings| {
            let id = settings.greetings.iter().map(|greeting| greeting.id).max().unwrap_or(0) + 1;
            let agent = settings.agents.first().map(|agent| agent.id.clone()).unwrap_or_default();
            settings.greetings.push(GreetingSettings { id, group_id: 0, agent, text: String::new(), trigger: None });
        });
    };
    let with = move |index: usize, change: Box<dyn FnOnce(&mut GreetingSettings)>| {
        edit(draft, |settings| {
            if let Some(greeting) = settings.greetings.get_mut(index) {
                change(greeting);
            }
        });
    };
    let look = move |index: usize, look: fn(&GreetingSettings) -> String| move || read(draft, |settings| settings.greetings.get(index).map(look).unwrap_or_default());
    let agents = move || read(draft, |settings| settings.agents.iter().map(|agent| (agent.id.clone(), agent.name.clone())).collect::<Vec<_>>());
    let groups = move || read(draft, |settings| settings.groups.iter().map(|group| (group.id, group.name.clone())).collect::<Vec<_>>());
    view! {
        <ul class="settings__list" data-testid="agent-settings-greetings">
            {move || (0..greetings.get()).map(|index| view! {
                <li class="settings__item">
                    <label>"Greeting"
                        <textarea rows="2" required=true prop:value=look(index, |greeting| greeting.text.clone())
                            on:input=move |event| with(index, Box::new(move |greeting| greeting.text = event_target_value(&event)))></textarea>
                    </label>
                    <label>"Group"
                        <select prop:value=look(index, |greeting| greeting.group_id.to_string())
                            on:change=move |event| with(index, Box::new(move |greeting| greeting.group_id = event_target_value(&event).parse().unwrap_or(0)))>
                            {move || groups().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Shown as"
                        <select prop:value=look(index, |greeting| greeting.agent.clone())
                            on:change=move |event| with(index, Box::new(move |greeting| greeting.agent = event_target_value(&event)))>
                            {move || agents().into_iter().map(|(id, name)| view! { <option value=id.clone()>{name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="settings__check">
                        <input type="checkbox" prop:checked=move || read(draft, |settings| settings.greetings.get(index).is_some_and(|greeting| greeting.trigger.is_some()))
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                with(index, Box::new(move |greeting| greeting.trigger = on.then(|| TriggerSettings { url: None, after_seconds: 30 })));
                            }/>
                        "Sent by itself"
                    </label>
                    <Show when=move || read(draft, |settings| settings.greetings.get(index).is_some_and(|greeting| greeting.trigger.is_some()))>
                    <label>"On pages matching (* for anything; empty: every page)"
                        <input type="text" prop:value=look(index, |greeting| greeting.trigger.as_ref().and_then(|trigger| trigger.url.clone()).unwrap_or_default())
                            on:input=move |event| with(index, Box::new(move |greeting| if let Some(trigger) = greeting.trigger.as_mut() {
                                trigger.url = Some(event_target_value(&event)).filter(|url| !url.trim().is_empty());
                            }))/>
                    </label>
                    <label>"After this many seconds on the page"
                        <input type="number" min="0" prop:value=look(index, |greeting| greeting.trigger.as_ref().map(|trigger| trigger.after_seconds.to_string()).unwrap_or_default())
                            on:input=move |event| with(index, Box::new(move |greeting| if let Some(trigger) = greeting.trigger.as_mut() {
                                trigger.after_seconds = event_target_value(&event).parse().unwrap_or(0);
                            }))/>
                    </label>
                    </Show>
                    <button type="button" on:click=move |_| edit(draft, |settings| { if index < settings.greetings.len() { settings.greetings.remove(index); } })>"Remove greeting"</button>
                </li>
            }).collect_view()}
        </ul>
        <button type="button" on:click=add>"Add greeting"</button>
    }
}
