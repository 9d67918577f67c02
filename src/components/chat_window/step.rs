//! Which step the chat window shows, decided from plain facts (no signals, no DOM), so every
//! case is tested natively:
//! - a privacy URL is set and the visitor has not agreed yet → the consent step;
//! - the account lets visitors pick their agent, there is someone to pick, and nobody is
//!   picked while there is no chat (or the last one ended) → the agent picker; the pick
//!   routes the chat, and decides between pre-chat and ticket form;
//! - there is a chat → the transcript and composer (after it ends, the rating as well);
//! - no chat yet, agents online, and the group has a pre-chat form → that form, whose
//!   answers start the chat (as a `filled_form` event, routed by a group chooser);
//! - no chat yet, nobody online, and the group has a ticket form → the ticket form,
//!   which starts a chat the agents answer later;
//! - otherwise (forms not fetched yet, or off) → the composer: the first message starts
//!   the chat.

use protocol::Form;

use crate::roster::Section;

/// The forms of the visitor's group, once fetched: `None` while unknown, `Some(None)` when
/// the form is off.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Forms {
    pub prechat: Option<Option<Form>>,
    pub ticket: Option<Option<Form>>,
    pub postchat: Option<Option<Form>>,
}

/// A step of the window.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    /// Asking to agree to the privacy policy.
    Consent,
    /// The agent picker, by department.
    Pick(Vec<Section>),
    /// A form; `true` for the ticket form.
    Form(Form, bool),
    /// The transcript and the composer.
    Chat,
}

impl Step {
    /// For the window's `data-step` attribute.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Consent => "consent",
            Step::Pick(_) => "pick",
            Step::Form(_, false) => "prechat",
            Step::Form(_, true) => "ticket",
            Step::Chat => "chat",
        }
    }
}

/// What the window knows when it decides.
pub(super) struct Facts<'a> {
    /// No privacy URL, or the visitor agreed.
    pub consented: bool,
    /// The account lets visitors pick their agent.
    pub manual: bool,
    /// The visitor picked an agent for this conversation.
    pub picked: bool,
    /// The last chat ended and the next starts from the list again.
    pub repick: bool,
    /// There is a chat (or a transcript) to show.
    pub has_chat: bool,
    /// Who may be picked, once the list is known.
    pub sections: Option<&'a [Section]>,
    /// Someone the visitor may talk to takes chats now.
    pub agents_online: bool,
    /// The group's forms.
    pub forms: &'a Forms,
}

/// The step to show.
pub(super) fn decide(facts: Facts<'_>) -> Step {
    if !facts.consented {
        return Step::Consent;
    }
    if facts.manual && !facts.picked && (!facts.has_chat || facts.repick) {
        if let Some(sections) = facts.sections.filter(|sections| !sections.is_empty()) {
            return Step::Pick(sections.to_vec());
        }
    }
    if facts.has_chat {
        return Step::Chat;
    }
    match (facts.agents_online, &facts.forms.prechat, &facts.forms.ticket) {
        (true, Some(Some(form)), _) => Step::Form(form.clone(), false),
        (false, _, Some(Some(form))) => Step::Form(form.clone(), true),
        _ => Step::Chat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(id: &str) -> Form {
        Form { id: id.into(), fields: Vec::new() }
    }

    fn sections() -> Vec<Section> {
        vec![Section { name: "Sales".into(), entries: Vec::new() }]
    }

    /// A new visitor, consented, agents online, both forms on.
    fn facts<'a>(forms: &'a Forms, sections: Option<&'a [Section]>) -> Facts<'a> {
        Facts {
            consented: true,
            manual: false,
            picked: false,
            repick: false,
            has_chat: false,
            sections,
            agents_online: true,
            forms,
        }
    }

    fn both_forms() -> Forms {
        Forms { prechat: Some(Some(form("pre"))), ticket: Some(Some(form("ticket"))), postchat: Some(None) }
    }

    #[test]
    fn consent_comes_before_anything_else() {
        let forms = both_forms();
        let list = sections();
        let step = decide(Facts { consented: false, manual: true, has_chat: true, ..facts(&forms, Some(&list)) });
        assert_eq!(step, Step::Consent);
    }

    #[test]
    fn the_pre_chat_form_while_someone_is_online_and_the_ticket_form_while_nobody_is() {
        let forms = both_forms();
        assert_eq!(decide(facts(&forms, None)).name(), "prechat");
        assert_eq!(decide(Facts { agents_online: false, ..facts(&forms, None) }).name(), "ticket");
        let step = decide(Facts { agents_online: false, ..facts(&forms, None) });
        assert!(matches!(step, Step::Form(form, true) if form.id == "ticket"));
    }

    #[test]
    fn forms_that_are_off_or_not_fetched_yet_leave_the_composer() {
        let unknown = Forms::default();
        assert_eq!(decide(facts(&unknown, None)), Step::Chat);
        assert_eq!(decide(Facts { agents_online: false, ..facts(&unknown, None) }), Step::Chat);
        let off = Forms { prechat: Some(None), ticket: Some(None), postchat: Some(None) };
        assert_eq!(decide(facts(&off, None)), Step::Chat);
        assert_eq!(decide(Facts { agents_online: false, ..facts(&off, None) }), Step::Chat);
    }

    #[test]
    fn a_chat_shows_the_transcript_whatever_the_forms() {
        let forms = both_forms();
        assert_eq!(decide(Facts { has_chat: true, ..facts(&forms, None) }), Step::Chat);
        assert_eq!(decide(Facts { has_chat: true, agents_online: false, ..facts(&forms, None) }), Step::Chat);
    }

    #[test]
    fn visitors_who_pick_their_agent_see_the_list_first_and_again_after_a_chat() {
        let forms = both_forms();
        let list = sections();
        let picking = Facts { manual: true, ..facts(&forms, Some(&list)) };
        assert_eq!(decide(picking).name(), "pick");
        // Once picked, the pick decides the form.
        assert_eq!(decide(Facts { manual: true, picked: true, ..facts(&forms, Some(&list)) }).name(), "prechat");
        // A chat in progress is not interrupted; an ended one starts from the list again.
        assert_eq!(decide(Facts { manual: true, has_chat: true, ..facts(&forms, Some(&list)) }), Step::Chat);
        assert_eq!(decide(Facts { manual: true, has_chat: true, repick: true, ..facts(&forms, Some(&list)) }).name(), "pick");
        // Nobody to pick (the list is empty or not fetched yet): the usual steps.
        assert_eq!(decide(Facts { manual: true, ..facts(&forms, Some(&[])) }).name(), "prechat");
        assert_eq!(decide(Facts { manual: true, ..facts(&forms, None) }).name(), "prechat");
        // Accounts with automatic routing never show it.
        assert_eq!(decide(facts(&forms, Some(&list))).name(), "prechat");
    }
}
