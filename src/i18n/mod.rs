//! Every string the widget shows, per language.
//!
//! The `lang` option picks a table (`de`, `de-AT` and `de_at` all find German); anything
//! unknown falls back to English. Templates use `{name}` placeholders, filled by
//! [`fill`]. Right-to-left languages set [`Locale::rtl`], and the window mirrors its layout.
//!
//! Pure data and lookups, tested natively; the tables themselves are in `tables`.

/// Declares [`Text`] with one documented field per string.
macro_rules! text_table {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// The strings of one language.
        #[derive(Debug)]
        pub struct Text {
            $($(#[$doc])* pub $field: &'static str,)*
        }

        impl Text {
            /// Every field, for completeness checks.
            pub fn all(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field),)*]
            }
        }
    };
}

text_table! {
    /// Default window title.
    title,
    /// The header's line while agents are online.
    status_online,
    /// The header's line while nobody is online.
    status_offline,
    /// Minimise button.
    minimize,
    /// Maximise button.
    maximize,
    /// Restore-size button.
    restore,
    /// Hint in an empty transcript.
    empty,
    /// Accessible name of the transcript.
    messages_label,
    /// Composer label.
    composer_label,
    /// Composer placeholder.
    composer_placeholder,
    /// Send button.
    send,
    /// `{kb}`, `{max}`: a message over the size limit.
    too_long,
    /// A message on its way.
    sending,
    /// `{reason}`: a message the server refused.
    not_sent,
    /// Retry button.
    retry,
    /// The visitor, as an author.
    you,
    /// An agent without a name.
    agent,
    /// `{name}` is typing.
    typing,
    /// Read receipt on the visitor's messages.
    seen,
    /// Day separator for today.
    today,
    /// Day separator for yesterday.
    yesterday,
    /// Banner while reconnecting.
    reconnecting,
    /// Banner while the connection is slow but not lost.
    unstable,
    /// Banner after inactivity.
    paused,
    /// Banner when chat cannot work.
    stopped,
    /// `{position}`, `{minutes}`: queue line.
    queue,
    /// A required field left empty.
    field_required,
    /// An e-mail field with something else in it.
    field_email,
    /// A phone field with something else in it.
    field_phone,
    /// Pre-chat form submit.
    start_chat,
    /// Ticket (offline) form heading.
    ticket_title,
    /// Agent picker heading (accounts where visitors pick their agent).
    pick_agent,
    /// An agent in the picker who takes chats now.
    agent_available,
    /// An agent in the picker who is signed in but not taking chats.
    agent_away,
    /// An agent in the picker who is signed out.
    agent_offline,
    /// `{name}`: the agent picked, with a way back to the picker.
    picked_agent,
    /// Button back to the picker.
    pick_again,
    /// Ticket form submit.
    ticket_send,
    /// After a ticket was sent.
    ticket_sent,
    /// Post-chat form / rating prompt.
    rate_prompt,
    /// Good rating.
    rate_good,
    /// Bad rating.
    rate_bad,
    /// `{n}`: star rating button.
    rate_stars,
    /// Rating comment placeholder.
    rate_comment,
    /// After rating.
    rate_thanks,
    /// Remove the rating.
    rate_cancel,
    /// Form submit.
    submit,
    /// Skip a form.
    skip,
    /// Reply to a greeting.
    greeting_accept,
    /// Dismiss a greeting.
    greeting_dismiss,
    /// Attach button.
    attach,
    /// `{name}`, `{percent}`: upload progress.
    uploading,
    /// Cancel an upload.
    cancel,
    /// `{name}`, `{max}`: file too large.
    file_too_big,
    /// `{name}`, `{reason}`: upload failed.
    upload_failed,
    /// `{name}`: download link.
    download,
    /// Close the image viewer.
    close,
    /// End the chat.
    end_chat,
    /// Start again after the chat ended.
    new_chat,
    /// Mute notification sounds.
    mute,
    /// Unmute notification sounds.
    unmute,
    /// Consent checkbox before chatting, when a privacy URL is set.
    consent,
    /// Privacy policy link.
    privacy,
    /// Contact link.
    contact,
    /// FAQ link.
    faq,
    /// Open the chat (launcher).
    open_chat,
    /// `{count}` unread messages (launcher badge label).
    unread,
    /// A link opened in a new tab, for screen readers.
    new_tab,
    /// Fetch earlier conversations.
    load_older,
    /// Render `{n}` earlier messages of the loaded transcript.
    earlier_messages,
    /// The transcript search field's label.
    search_label,
    /// `{i}` of `{n}` matches.
    search_count,
    /// No message matches.
    search_none,
    /// Go to the previous (older) match.
    search_previous,
    /// Go to the next (newer) match.
    search_next,
}

/// A language: its code, direction and strings.
#[derive(Debug)]
pub struct Locale {
    /// BCP 47 primary tag.
    pub code: &'static str,
    /// Written right to left.
    pub rtl: bool,
    /// The strings.
    pub text: &'static Text,
}

/// Fills `{name}` placeholders of a template.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

mod tables;

use tables::{AR, DE, EN, ES, FR, PL, SK};

/// Languages shipped, English first.
pub static LOCALES: &[Locale] = &[
    Locale { code: "en", rtl: false, text: &EN },
    Locale { code: "de", rtl: false, text: &DE },
    Locale { code: "es", rtl: false, text: &ES },
    Locale { code: "fr", rtl: false, text: &FR },
    Locale { code: "pl", rtl: false, text: &PL },
    Locale { code: "sk", rtl: false, text: &SK },
    Locale { code: "ar", rtl: true, text: &AR },
];

impl Locale {
    /// The table for a language tag; English when the language is not shipped.
    pub fn for_lang(lang: Option<&str>) -> &'static Locale {
        let primary = lang
            .map(|lang| lang.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase())
            .unwrap_or_default();
        LOCALES.iter().find(|locale| locale.code == primary).unwrap_or(&LOCALES[0])
    }

    /// Whether `lang` names a shipped language.
    pub fn is_shipped(lang: &str) -> bool {
        let primary = lang.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        LOCALES.iter().any(|locale| locale.code == primary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_find_their_language_and_unknown_ones_fall_back_to_english() {
        assert_eq!(Locale::for_lang(Some("de")).code, "de");
        assert_eq!(Locale::for_lang(Some("de-AT")).code, "de");
        assert_eq!(Locale::for_lang(Some(" PL_pl ")).code, "pl");
        assert_eq!(Locale::for_lang(Some("ar-EG")).code, "ar");
        assert!(Locale::for_lang(Some("ar")).rtl);
        assert_eq!(Locale::for_lang(Some("xx")).code, "en");
        assert_eq!(Locale::for_lang(None).code, "en");
        assert!(Locale::is_shipped("sk-SK"));
        assert!(!Locale::is_shipped("ja"));
    }

    #[test]
    fn every_language_has_every_string_with_the_same_placeholders() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> =
                text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned())).collect();
            names.sort();
            names
        };
        let english = EN.all();
        for locale in LOCALES {
            for ((field, text), (_, english_text)) in locale.text.all().into_iter().zip(&english) {
                assert!(!text.trim().is_empty(), "{}: {field} is empty", locale.code);
                assert_eq!(placeholders(text), placeholders(english_text), "{}: {field}", locale.code);
            }
        }
    }

    #[test]
    fn templates_are_filled() {
        assert_eq!(fill(EN.typing, &[("name", "Anna")]), "Anna is typing…");
        assert_eq!(fill(EN.queue, &[("position", "2"), ("minutes", "4")]), "You are number 2 in the queue. Expected wait: about 4 min.");
    }
}
