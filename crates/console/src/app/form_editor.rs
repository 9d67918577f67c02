//! Groups and their forms in the settings dialog: each group's name and whether it takes
//! offline messages, and an editor for its pre-chat, post-chat and ticket forms with every
//! field type the widget shows (headers, name, e-mail, phone, questions, long answers,
//! subject, and choices: radio, select, checkbox, and the group chooser that routes).

use leptos::prelude::*;
use protocol::{FieldSettings, FormSettings, FormsSettings, GroupSettings, LicenseSettings, OptionSettings};

use super::settings::{count, edit, read, Draft};

/// Field types, with the words the editor uses for them.
const FIELD_TYPES: [(&str, &str); 11] = [
    ("header", "Heading text"),
    ("name", "Name"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("question", "Short answer"),
    ("textarea", "Long answer"),
    ("subject", "Subject"),
    ("radio", "One choice (buttons)"),
    ("select", "One choice (list)"),
    ("checkbox", "Several choices"),
    ("group_chooser", "Department (routes the chat)"),
];

/// Types whose fields have options.
fn has_options(kind: &str) -> bool {
    matches!(kind, "radio" | "select" | "checkbox" | "group_chooser")
}

/// The three forms, with their names.
const FORMS: [(&str, &str); 3] = [("prechat", "Before a chat"), ("postchat", "After a chat"), ("ticket", "While nobody is online")];

fn form_mut<'a>(forms: &'a mut FormsSettings, kind: &str) -> &'a mut Option<FormSettings> {
    match kind {
        "postchat" => &mut forms.postchat,
        "ticket" => &mut forms.ticket,
        _ => &mut forms.prechat,
    }
}

fn form_of<'a>(forms: &'a FormsSettings, kind: &str) -> Option<&'a FormSettings> {
    match kind {
        "postchat" => forms.postchat.as_ref(),
        "ticket" => forms.ticket.as_ref(),
        _ => forms.prechat.as_ref(),
    }
}

/// An id not used by `taken`: `prefix` and the first free number.
fn fresh_id<'a>(prefix: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    (1..).map(|n| format!("{prefix}{n}")).find(|id| !taken.clone().any(|used| used == id)).unwrap_or_default()
}

/// The form being edited, changed through `change` when it exists.
fn edit_form(draft: Draft, group: usize, kind: &str, change: impl FnOnce(&mut FormSettings)) {
    edit(draft, |settings| {
        if let Some(form) = settings.groups.get_mut(group).and_then(|group| form_mut(&mut group.forms, kind).as_mut()) {
            change(form);
        }
    });
}

fn read_form<T: Default>(draft: Draft, group: usize, kind: &str, look: impl FnOnce(&FormSettings) -> T) -> T {
    read(draft, |settings| settings.groups.get(group).and_then(|group| form_of(&group.forms, kind)).map(look).unwrap_or_default())
}

/// Groups, then the forms of the one chosen.
#[component]
pub fn GroupsEditor(draft: Draft) -> impl IntoView {
    let groups = count(draft, |settings| settings.groups.len());
    let chosen = RwSignal::new(0usize);
    let kind = RwSignal::new("prechat");
    let add = move |_| {
        edit(draft, |settings| {
            let id = settings.groups.iter().map(|group| group.id).max().map_or(0, |max| max + 1);
            settings.groups.push(GroupSettings { id, name: format!("Group {id}"), offline_messages: true, forms: FormsSettings::default() });
        });
    };
    let group_field = move |index: usize, look: fn(&GroupSettings) -> String| move || read(draft, |settings| settings.groups.get(index).map(look).unwrap_or_default());
    view! {
        <table class="settings__table" data-testid="agent-settings-groups">
            <caption class="visually-hidden">"Groups"</caption>
            <thead><tr><th scope="col">"Id"</th><th scope="col">"Name"</th><th scope="col">"Offline messages"</th><th scope="col">"Forms"</th><th scope="col"><span class="visually-hidden">"Remove"</span></th></tr></thead>
            <tbody>
                {move || (0..groups.get()).map(|index| view! {
                    <tr>
                        <td>{group_field(index, |group| group.id.to_string())}</td>
                        <td><input type="text" required=true aria-label="Group name" prop:value=group_field(index, |group| group.name.clone())
                            on:input=move |event| edit(draft, |settings| if let Some(group) = settings.groups.get_mut(index) { group.name = event_target_value(&event) })/></td>
                        <td><input type="checkbox" aria-label="Takes offline messages" prop:checked=move || read(draft, |settings| settings.groups.get(index).is_some_and(|group| group.offline_messages))
                            on:change=move |event| edit(draft, |settings| if let Some(group) = settings.groups.get_mut(index) { group.offline_messages = event_target_checked(&event) })/></td>
                        <td><button type="button" data-testid="agent-settings-edit-forms" aria-pressed=move || (chosen.get() == index).to_string()
                            on:click=move |_| chosen.set(index)>"Edit forms"</button></td>
                        <td><button type="button" disabled=move || index == 0 aria-label="Remove this group"
                            on:click=move |_| {
                                edit(draft, |settings| { if index < settings.groups.len() { settings.groups.remove(index); } });
                                chosen.set(0);
                            }>"Remove"</button></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <button type="button" on:click=add>"Add group"</button>
        <h3>{move || format!("Forms of {}", read(draft, |settings| settings.groups.get(chosen.get()).map(|group| group.name.clone()).unwrap_or_default()))}</h3>
        <div role="group" aria-label="Which form" class="settings__tabs">
            {FORMS.iter().map(|(which, label)| view! {
                <button type="button" aria-pressed=move || (kind.get() == *which).to_string() data-testid=format!("agent-settings-form-{which}")
                    on:click=move |_| kind.set(which)>{*label}</button>
            }).collect_view()}
        </div>
        {move || view! { <FormEditor draft group=chosen.get() kind=kind.get()/> }}
    }
}

/// One form: on or off, and its fields in order.
#[component]
fn FormEditor(draft: Draft, group: usize, kind: &'static str) -> impl IntoView {
    let enabled = Memo::new(move |_| read_form(draft, group, kind, |_| true));
    let fields = count(draft, move |settings: &LicenseSettings| {
        settings.groups.get(group).and_then(|group| form_of(&group.forms, kind)).map_or(0, |form| form.fields.len())
    });
    let toggle = move |event: leptos::ev::Event| {
        let on = event_target_checked(&event);
        edit(draft, |settings| {
            if let Some(entry) = settings.groups.get_mut(group) {
                let id = format!("{kind}-{}", entry.id);
                *form_mut(&mut entry.forms, kind) = on.then(|| FormSettings { id, fields: Vec::new() });
            }
        });
    };
    let add = move |_| {
        edit_form(draft, group, kind, |form| {
            let id = fresh_id("f", form.fields.iter().map(|field| field.id.as_str()));
            form.fields.push(FieldSettings { id, kind: "question".to_owned(), label: String::new(), required: None, options: None });
        });
    };
    view! {
        <div class="form-editor" data-testid="agent-form-editor">
            <label class="settings__check">
                <input type="checkbox" data-testid="agent-form-enabled" prop:checked=move || enabled.get() on:change=toggle/>
                "Ask this form"
            </label>
            <Show when=move || enabled.get()>
                <ol class="form-editor__fields">
                    {move || (0..fields.get()).map(|index| view! { <FieldEditor draft group kind index/> }).collect_view()}
                </ol>
                <button type="button" data-testid="agent-form-add-field" on:click=add>"Add field"</button>
            </Show>
        </div>
    }
}

/// One field: type, label, required, and for choice types its options.
#[component]
fn FieldEditor(draft: Draft, group: usize, kind: &'static str, index: usize) -> impl IntoView {
    let look = move |look: fn(&FieldSettings) -> String| move || read_form(draft, group, kind, |form| form.fields.get(index).map(look).unwrap_or_default());
    let change = move |change: Box<dyn FnOnce(&mut FieldSettings)>| {
        edit_form(draft, group, kind, |form| {
            if let Some(field) = form.fields.get_mut(index) {
                change(field);
            }
        })
    };
    let field_kind = Memo::new(move |_| read_form(draft, group, kind, |form| form.fields.get(index).map(|field| field.kind.clone()).unwrap_or_default()));
    let options = Memo::new(move |_| {
        read_form(draft, group, kind, |form| form.fields.get(index).and_then(|field| field.options.as_ref()).map_or(0, Vec::len))
    });
    let set_kind = move |event: leptos::ev::Event| {
        let new_kind = event_target_value(&event);
        change(Box::new(move |field| {
            field.options = match (has_options(&new_kind), field.options.take()) {
                (true, Some(options)) => Some(options),
                (true, None) => Some(vec![OptionSettings { id: "o1".to_owned(), label: "First choice".to_owned(), group_id: None }]),
                (false, _) => None,
            };
            if new_kind == "group_chooser" {
                for option in field.options.iter_mut().flatten() {
                    option.group_id.get_or_insert(0);
                }
            }
            field.kind = new_kind;
        }));
    };
    let swap = move |to: usize| {
        edit_form(draft, group, kind, |form| {
            if index < form.fields.len() && to < form.fields.len() {
                form.fields.swap(index, to);
            }
        })
    };
    let add_option = move |_| {
        change(Box::new(|field| {
            let options = field.options.get_or_insert_with(Vec::new);
            let id = fresh_id("o", options.iter().map(|option| option.id.as_str()));
            let group_id = (field.kind == "group_chooser").then_some(0);
            options.push(OptionSettings { id, label: String::new(), group_id });
        }));
    };
    let position = index + 1;
    view! {
        <li class="form-editor__field" data-testid="agent-form-field">
            <label>{format!("Field {position}: type")}
                <select data-testid="agent-form-field-type" prop:value=look(|field| field.kind.clone()) on:change=set_kind>
                    {FIELD_TYPES.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                </select>
            </label>
            <label>{format!("Field {position}: label")}
                <input type="text" data-testid="agent-form-field-label" prop:value=look(|field| field.label.clone())
                    on:input=move |event| change(Box::new(move |field| field.label = event_target_value(&event)))/>
            </label>
            <Show when=move || field_kind.get() != "header">
                <label class="settings__check">
                    <input type="checkbox" data-testid="agent-form-field-required" prop:checked=move || read_form(draft, group, kind, |form| form.fields.get(index).and_then(|field| field.required).unwrap_or(false))
                        on:change=move |event| change(Box::new(move |field| field.required = Some(event_target_checked(&event)).filter(|required| *required)))/>
                    "Required"
                </label>
            </Show>
            <Show when=move || has_options(&field_kind.get())>
                <fieldset>
                    <legend>{format!("Field {position}: choices")}</legend>
                    {move || (0..options.get()).map(|option| {
                        let option_look = move |look: fn(&OptionSettings) -> String| move || {
                            read_form(draft, group, kind, |form| form.fields.get(index).and_then(|field| field.options.as_ref()).and_then(|options| options.get(option)).map(look).unwrap_or_default())
                        };
                        let change_option = move |change_one: Box<dyn FnOnce(&mut OptionSettings)>| {
                            change(Box::new(move |field| {
                                if let Some(entry) = field.options.as_mut().and_then(|options| options.get_mut(option)) {
                                    change_one(entry);
                                }
                            }))
                        };
                        view! {
                            <div class="form-editor__option">
                                <input type="text" required=true aria-label=format!("Choice {}", option + 1) data-testid="agent-form-option-label" prop:value=option_look(|entry| entry.label.clone())
                                    on:input=move |event| change_option(Box::new(move |entry| entry.label = event_target_value(&event)))/>
                                <Show when=move || field_kind.get() == "group_chooser">
                                    <input type="number" min="0" aria-label=format!("Group of choice {}", option + 1) prop:value=option_look(|entry| entry.group_id.unwrap_or(0).to_string())
                                        on:input=move |event| change_option(Box::new(move |entry| entry.group_id = event_target_value(&event).parse().ok()))/>
                                </Show>
                                <button type="button" aria-label=format!("Remove choice {}", option + 1)
                                    on:click=move |_| change(Box::new(move |field| { if let Some(options) = field.options.as_mut() { if option < options.len() { options.remove(option); } } }))>"×"</button>
                            </div>
                        }
                    }).collect_view()}
                    <button type="button" on:click=add_option>"Add choice"</button>
                </fieldset>
            </Show>
            <div class="form-editor__moves">
                <button type="button" aria-label=format!("Move field {position} up") disabled=move || index == 0 on:click=move |_| swap(index.saturating_sub(1))>"↑"</button>
                <button type="button" aria-label=format!("Move field {position} down") on:click=move |_| swap(index + 1)>"↓"</button>
                <button type="button" aria-label=format!("Remove field {position}")
                    on:click=move |_| edit_form(draft, group, kind, |form| { if index < form.fields.len() { form.fields.remove(index); } })>"Remove"</button>
            </div>
        </li>
    }
}
