//! The agent picker: on accounts where visitors pick their agent (manual assignment), the
//! first step of a new conversation lists the departments and their agents with their
//! status. An available agent gets a chat; one who is away or signed out gets a message
//! (the ticket form), which waits for them.

use leptos::prelude::*;

use crate::i18n::{fill, Locale};
use crate::roster::{Entry, Section};

/// The list of departments and agents; `on_pick` gets the agent chosen.
#[component]
pub fn AgentPicker(
    /// Departments and their agents, already narrowed down by the site's options.
    sections: Vec<Section>,
    /// Called with the agent the visitor picked.
    on_pick: Callback<Entry>,
) -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let sections = sections.into_iter().enumerate().map(|(index, section)| {
        let heading_id = format!("cw-picker-{index}");
        let labelled_by = heading_id.clone();
        let entries = section.entries.into_iter().map(|entry| {
            let status = match entry.agent.routing_status.as_str() {
                "accepting_chats" => locale.text.agent_available,
                "not_accepting_chats" => locale.text.agent_away,
                _ => locale.text.agent_offline,
            };
            let initial = entry.agent.name.chars().next().map(|first| first.to_uppercase().to_string()).unwrap_or_default();
            let photo = entry.agent.avatar.as_deref().and_then(crate::rich::web_address);
            let picture = match photo {
                Some(url) => view! { <img class="cw-picker__photo" src=url alt="" width="36" height="36" /> }.into_any(),
                None => view! { <span class="cw-picker__photo" aria-hidden="true">{initial}</span> }.into_any(),
            };
            let detail = match entry.agent.job_title.clone() {
                Some(title) => format!("{title} · {status}"),
                None => status.to_owned(),
            };
            let available = entry.available();
            let agent_id = entry.agent.id.clone();
            let name = entry.agent.name.clone();
            view! {
                <li>
                    <button
                        type="button"
                        class="cw-picker__agent"
                        data-testid="cw-pick"
                        data-agent=agent_id
                        data-available=available.to_string()
                        on:click=move |_| on_pick.run(entry.clone())
                    >
                        {picture}
                        <span class="cw-picker__text">
                            <span class="cw-picker__name">{name}</span>
                            <span class="cw-picker__status" data-available=available.to_string()>{detail}</span>
                        </span>
                    </button>
                </li>
            }
        });
        view! {
            <section class="cw-picker__department" aria-labelledby=labelled_by>
                <h3 class="cw-picker__heading" id=heading_id>{section.name}</h3>
                <ul class="cw-picker__list" role="list">{entries.collect_view()}</ul>
            </section>
        }
    });
    view! {
        <div class="cw-start cw-picker" data-testid="cw-picker">
            <h2 class="cw-start__title">{locale.text.pick_agent}</h2>
            {sections.collect_view()}
        </div>
    }
}

/// The line above a form after a pick: who the visitor writes to, and a way back.
#[component]
pub fn PickedAgent(
    /// The agent's name.
    name: String,
    /// Back to the picker.
    on_change: Callback<()>,
) -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    view! {
        <p class="cw-picked" data-testid="cw-picked">
            {fill(locale.text.picked_agent, &[("name", &name)])} " "
            <button type="button" class="cw-link-button" data-testid="cw-pick-again" on:click=move |_| on_change.run(())>
                {locale.text.pick_again}
            </button>
        </p>
    }
}
