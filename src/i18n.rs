//! Every string the widget shows, per language.
//!
//! The `lang` option picks a table (`de`, `de-AT` and `de_at` all find German); anything
//! unknown falls back to English. Templates use `{name}` placeholders, filled by
//! [`fill`]. Right-to-left languages set [`Locale::rtl`], and the window mirrors its layout.
//!
//! Pure data and lookups, tested natively.

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

static EN: Text = Text {
    title: "Chat with us",
    status_online: "We're online and usually reply in minutes",
    status_offline: "Leave a message and we'll get back to you",
    minimize: "Minimize chat",
    maximize: "Maximize chat",
    restore: "Restore chat size",
    empty: "Hi! Ask us anything. A real person will answer.",
    messages_label: "Messages",
    composer_label: "Write a message",
    composer_placeholder: "Write a message…",
    send: "Send message",
    too_long: "This message is too long ({kb} KB). Please keep it under {max} KB or split it.",
    sending: "Sending…",
    not_sent: "Not sent: {reason}",
    retry: "Retry",
    you: "You",
    agent: "Agent",
    typing: "{name} is typing…",
    seen: "Seen",
    today: "Today",
    yesterday: "Yesterday",
    reconnecting: "Connection lost. Reconnecting… Messages you write are kept and sent when we're back.",
    unstable: "The connection is slow. Your messages will be sent as soon as possible.",
    paused: "Chat paused after a while without activity. Send a message to resume.",
    stopped: "Chat is not available right now.",
    queue: "You are number {position} in the queue. Expected wait: about {minutes} min.",
    field_required: "Please fill in this field.",
    field_email: "Please enter a valid e-mail address.",
    field_phone: "Please enter a valid phone number.",
    start_chat: "Start the chat",
    ticket_title: "Leave us a message",
    pick_agent: "Who would you like to talk to?",
    agent_available: "Available",
    agent_away: "Away – leave a message",
    agent_offline: "Offline – leave a message",
    picked_agent: "You are writing to {name}.",
    pick_again: "Choose someone else",
    ticket_send: "Send message",
    ticket_sent: "Thank you! We'll get back to you by e-mail.",
    rate_prompt: "How was this chat?",
    rate_good: "Good",
    rate_bad: "Bad",
    rate_stars: "{n} of 5 stars",
    rate_comment: "Tell us more (optional)",
    rate_thanks: "Thanks for your feedback!",
    rate_cancel: "Remove my rating",
    submit: "Send",
    skip: "Skip",
    greeting_accept: "Reply",
    greeting_dismiss: "Dismiss",
    attach: "Attach a file",
    uploading: "Uploading {name}… {percent}%",
    cancel: "Cancel",
    file_too_big: "{name} is larger than {max} MB.",
    upload_failed: "Could not send {name}: {reason}",
    download: "Download {name}",
    close: "Close",
    end_chat: "End chat",
    new_chat: "Start a new chat",
    mute: "Mute sounds",
    unmute: "Unmute sounds",
    consent: "I agree that my data is processed as described in the privacy policy.",
    privacy: "Privacy policy",
    contact: "Contact",
    faq: "FAQ",
    open_chat: "Open chat",
    unread: "{count} unread messages",
    new_tab: "(opens in a new tab)",
    load_older: "Show earlier conversations",
    earlier_messages: "Show {n} earlier messages",
    search_label: "Search this conversation",
    search_count: "{i} of {n}",
    search_none: "No matches",
    search_previous: "Previous match",
    search_next: "Next match",
};

static DE: Text = Text {
    title: "Chatten Sie mit uns",
    status_online: "Wir sind online und antworten meist in wenigen Minuten",
    status_offline: "Hinterlassen Sie eine Nachricht, wir melden uns",
    minimize: "Chat minimieren",
    maximize: "Chat maximieren",
    restore: "Chatgröße wiederherstellen",
    empty: "Hallo! Fragen Sie uns alles. Ein Mensch antwortet Ihnen.",
    messages_label: "Nachrichten",
    composer_label: "Nachricht schreiben",
    composer_placeholder: "Nachricht schreiben…",
    send: "Nachricht senden",
    too_long: "Diese Nachricht ist zu lang ({kb} KB). Bitte bleiben Sie unter {max} KB oder teilen Sie sie auf.",
    sending: "Wird gesendet…",
    not_sent: "Nicht gesendet: {reason}",
    retry: "Erneut versuchen",
    you: "Sie",
    agent: "Mitarbeiter",
    typing: "{name} schreibt…",
    seen: "Gelesen",
    today: "Heute",
    yesterday: "Gestern",
    reconnecting: "Verbindung unterbrochen. Neuer Versuch… Ihre Nachrichten bleiben erhalten und werden danach gesendet.",
    unstable: "Die Verbindung ist langsam. Ihre Nachrichten werden so bald wie möglich gesendet.",
    paused: "Der Chat ruht nach einer Weile ohne Aktivität. Senden Sie eine Nachricht, um fortzufahren.",
    stopped: "Der Chat ist gerade nicht verfügbar.",
    queue: "Sie sind Nummer {position} in der Warteschlange. Wartezeit: etwa {minutes} Min.",
    field_required: "Bitte füllen Sie dieses Feld aus.",
    field_email: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    field_phone: "Bitte geben Sie eine gültige Telefonnummer ein.",
    start_chat: "Chat starten",
    ticket_title: "Hinterlassen Sie uns eine Nachricht",
    pick_agent: "Mit wem möchten Sie sprechen?",
    agent_available: "Verfügbar",
    agent_away: "Abwesend – Nachricht hinterlassen",
    agent_offline: "Offline – Nachricht hinterlassen",
    picked_agent: "Sie schreiben an {name}.",
    pick_again: "Jemand anderen wählen",
    ticket_send: "Nachricht senden",
    ticket_sent: "Danke! Wir antworten Ihnen per E-Mail.",
    rate_prompt: "Wie war dieser Chat?",
    rate_good: "Gut",
    rate_bad: "Schlecht",
    rate_stars: "{n} von 5 Sternen",
    rate_comment: "Erzählen Sie uns mehr (optional)",
    rate_thanks: "Danke für Ihr Feedback!",
    rate_cancel: "Bewertung entfernen",
    submit: "Senden",
    skip: "Überspringen",
    greeting_accept: "Antworten",
    greeting_dismiss: "Schließen",
    attach: "Datei anhängen",
    uploading: "{name} wird hochgeladen… {percent} %",
    cancel: "Abbrechen",
    file_too_big: "{name} ist größer als {max} MB.",
    upload_failed: "{name} konnte nicht gesendet werden: {reason}",
    download: "{name} herunterladen",
    close: "Schließen",
    end_chat: "Chat beenden",
    new_chat: "Neuen Chat starten",
    mute: "Töne aus",
    unmute: "Töne an",
    consent: "Ich bin einverstanden, dass meine Daten wie in der Datenschutzerklärung beschrieben verarbeitet werden.",
    privacy: "Datenschutzerklärung",
    contact: "Kontakt",
    faq: "FAQ",
    open_chat: "Chat öffnen",
    unread: "{count} ungelesene Nachrichten",
    new_tab: "(öffnet in neuem Tab)",
    load_older: "Frühere Unterhaltungen anzeigen",
    earlier_messages: "{n} frühere Nachrichten anzeigen",
    search_label: "In diesem Chat suchen",
    search_count: "{i} von {n}",
    search_none: "Keine Treffer",
    search_previous: "Vorheriger Treffer",
    search_next: "Nächster Treffer",
};

static ES: Text = Text {
    title: "Chatea con nosotros",
    status_online: "Estamos en línea y solemos responder en minutos",
    status_offline: "Déjanos un mensaje y te responderemos",
    minimize: "Minimizar chat",
    maximize: "Maximizar chat",
    restore: "Restaurar tamaño del chat",
    empty: "¡Hola! Pregúntanos lo que quieras. Te responderá una persona.",
    messages_label: "Mensajes",
    composer_label: "Escribe un mensaje",
    composer_placeholder: "Escribe un mensaje…",
    send: "Enviar mensaje",
    too_long: "Este mensaje es demasiado largo ({kb} KB). Mantenlo por debajo de {max} KB o divídelo.",
    sending: "Enviando…",
    not_sent: "No enviado: {reason}",
    retry: "Reintentar",
    you: "Tú",
    agent: "Agente",
    typing: "{name} está escribiendo…",
    seen: "Visto",
    today: "Hoy",
    yesterday: "Ayer",
    reconnecting: "Se perdió la conexión. Reconectando… Tus mensajes se guardan y se enviarán al volver.",
    unstable: "La conexión es lenta. Tus mensajes se enviarán lo antes posible.",
    paused: "El chat se pausó tras un tiempo sin actividad. Envía un mensaje para continuar.",
    stopped: "El chat no está disponible ahora.",
    queue: "Eres el número {position} en la cola. Espera estimada: unos {minutes} min.",
    field_required: "Rellena este campo.",
    field_email: "Introduce una dirección de correo válida.",
    field_phone: "Introduce un número de teléfono válido.",
    start_chat: "Iniciar el chat",
    ticket_title: "Déjanos un mensaje",
    pick_agent: "¿Con quién quieres hablar?",
    agent_available: "Disponible",
    agent_away: "Ausente – deja un mensaje",
    agent_offline: "Desconectado – deja un mensaje",
    picked_agent: "Estás escribiendo a {name}.",
    pick_again: "Elegir a otra persona",
    ticket_send: "Enviar mensaje",
    ticket_sent: "¡Gracias! Te responderemos por correo.",
    rate_prompt: "¿Qué tal ha ido este chat?",
    rate_good: "Bien",
    rate_bad: "Mal",
    rate_stars: "{n} de 5 estrellas",
    rate_comment: "Cuéntanos más (opcional)",
    rate_thanks: "¡Gracias por tu opinión!",
    rate_cancel: "Quitar mi valoración",
    submit: "Enviar",
    skip: "Omitir",
    greeting_accept: "Responder",
    greeting_dismiss: "Descartar",
    attach: "Adjuntar un archivo",
    uploading: "Subiendo {name}… {percent} %",
    cancel: "Cancelar",
    file_too_big: "{name} supera los {max} MB.",
    upload_failed: "No se pudo enviar {name}: {reason}",
    download: "Descargar {name}",
    close: "Cerrar",
    end_chat: "Terminar chat",
    new_chat: "Iniciar un chat nuevo",
    mute: "Silenciar sonidos",
    unmute: "Activar sonidos",
    consent: "Acepto que mis datos se traten según la política de privacidad.",
    privacy: "Política de privacidad",
    contact: "Contacto",
    faq: "Preguntas frecuentes",
    open_chat: "Abrir chat",
    unread: "{count} mensajes sin leer",
    new_tab: "(se abre en una pestaña nueva)",
    load_older: "Ver conversaciones anteriores",
    earlier_messages: "Ver {n} mensajes anteriores",
    search_label: "Buscar en esta conversación",
    search_count: "{i} de {n}",
    search_none: "Sin resultados",
    search_previous: "Resultado anterior",
    search_next: "Resultado siguiente",
};

static FR: Text = Text {
    title: "Discutez avec nous",
    status_online: "Nous sommes en ligne et répondons en général en quelques minutes",
    status_offline: "Laissez-nous un message, nous vous répondrons",
    minimize: "Réduire le chat",
    maximize: "Agrandir le chat",
    restore: "Rétablir la taille du chat",
    empty: "Bonjour ! Posez-nous vos questions. Une vraie personne vous répondra.",
    messages_label: "Messages",
    composer_label: "Écrire un message",
    composer_placeholder: "Écrivez un message…",
    send: "Envoyer le message",
    too_long: "Ce message est trop long ({kb} Ko). Restez sous {max} Ko ou découpez-le.",
    sending: "Envoi…",
    not_sent: "Non envoyé : {reason}",
    retry: "Réessayer",
    you: "Vous",
    agent: "Conseiller",
    typing: "{name} écrit…",
    seen: "Lu",
    today: "Aujourd'hui",
    yesterday: "Hier",
    reconnecting: "Connexion perdue. Reconnexion… Vos messages sont conservés et partiront dès le retour.",
    unstable: "La connexion est lente. Vos messages partiront dès que possible.",
    paused: "Le chat est en pause après un moment d'inactivité. Envoyez un message pour reprendre.",
    stopped: "Le chat n'est pas disponible pour le moment.",
    queue: "Vous êtes numéro {position} dans la file. Attente estimée : environ {minutes} min.",
    field_required: "Veuillez remplir ce champ.",
    field_email: "Veuillez saisir une adresse e-mail valide.",
    field_phone: "Veuillez saisir un numéro de téléphone valide.",
    start_chat: "Démarrer le chat",
    ticket_title: "Laissez-nous un message",
    pick_agent: "À qui souhaitez-vous parler ?",
    agent_available: "Disponible",
    agent_away: "Absent – laissez un message",
    agent_offline: "Hors ligne – laissez un message",
    picked_agent: "Vous écrivez à {name}.",
    pick_again: "Choisir quelqu’un d’autre",
    ticket_send: "Envoyer le message",
    ticket_sent: "Merci ! Nous vous répondrons par e-mail.",
    rate_prompt: "Comment s'est passé ce chat ?",
    rate_good: "Bien",
    rate_bad: "Mal",
    rate_stars: "{n} étoiles sur 5",
    rate_comment: "Dites-nous en plus (facultatif)",
    rate_thanks: "Merci pour votre avis !",
    rate_cancel: "Retirer ma note",
    submit: "Envoyer",
    skip: "Passer",
    greeting_accept: "Répondre",
    greeting_dismiss: "Ignorer",
    attach: "Joindre un fichier",
    uploading: "Envoi de {name}… {percent} %",
    cancel: "Annuler",
    file_too_big: "{name} dépasse {max} Mo.",
    upload_failed: "Impossible d'envoyer {name} : {reason}",
    download: "Télécharger {name}",
    close: "Fermer",
    end_chat: "Terminer le chat",
    new_chat: "Démarrer un nouveau chat",
    mute: "Couper les sons",
    unmute: "Activer les sons",
    consent: "J'accepte que mes données soient traitées comme décrit dans la politique de confidentialité.",
    privacy: "Politique de confidentialité",
    contact: "Contact",
    faq: "FAQ",
    open_chat: "Ouvrir le chat",
    unread: "{count} messages non lus",
    new_tab: "(s'ouvre dans un nouvel onglet)",
    load_older: "Afficher les conversations précédentes",
    earlier_messages: "Afficher les {n} messages précédents",
    search_label: "Rechercher dans cette conversation",
    search_count: "{i} sur {n}",
    search_none: "Aucun résultat",
    search_previous: "Résultat précédent",
    search_next: "Résultat suivant",
};

static PL: Text = Text {
    title: "Porozmawiaj z nami",
    status_online: "Jesteśmy dostępni i zwykle odpowiadamy w kilka minut",
    status_offline: "Zostaw wiadomość, a odezwiemy się",
    minimize: "Zminimalizuj czat",
    maximize: "Powiększ czat",
    restore: "Przywróć rozmiar czatu",
    empty: "Cześć! Zapytaj nas o cokolwiek. Odpowie prawdziwa osoba.",
    messages_label: "Wiadomości",
    composer_label: "Napisz wiadomość",
    composer_placeholder: "Napisz wiadomość…",
    send: "Wyślij wiadomość",
    too_long: "Ta wiadomość jest za długa ({kb} KB). Zmieść się w {max} KB lub podziel ją.",
    sending: "Wysyłanie…",
    not_sent: "Nie wysłano: {reason}",
    retry: "Ponów",
    you: "Ty",
    agent: "Konsultant",
    typing: "{name} pisze…",
    seen: "Przeczytano",
    today: "Dzisiaj",
    yesterday: "Wczoraj",
    reconnecting: "Utracono połączenie. Łączenie… Twoje wiadomości są zachowane i zostaną wysłane po powrocie.",
    unstable: "Połączenie jest wolne. Wiadomości zostaną wysłane jak najszybciej.",
    paused: "Czat wstrzymano po okresie bezczynności. Wyślij wiadomość, aby kontynuować.",
    stopped: "Czat jest teraz niedostępny.",
    queue: "Jesteś {position}. w kolejce. Przewidywany czas oczekiwania: około {minutes} min.",
    field_required: "Wypełnij to pole.",
    field_email: "Podaj poprawny adres e-mail.",
    field_phone: "Podaj poprawny numer telefonu.",
    start_chat: "Rozpocznij czat",
    ticket_title: "Zostaw nam wiadomość",
    pick_agent: "Z kim chcesz porozmawiać?",
    agent_available: "Dostępny",
    agent_away: "Zajęty – zostaw wiadomość",
    agent_offline: "Niedostępny – zostaw wiadomość",
    picked_agent: "Piszesz do: {name}.",
    pick_again: "Wybierz kogoś innego",
    ticket_send: "Wyślij wiadomość",
    ticket_sent: "Dziękujemy! Odpowiemy e-mailem.",
    rate_prompt: "Jak oceniasz ten czat?",
    rate_good: "Dobrze",
    rate_bad: "Źle",
    rate_stars: "{n} z 5 gwiazdek",
    rate_comment: "Napisz więcej (opcjonalnie)",
    rate_thanks: "Dziękujemy za opinię!",
    rate_cancel: "Usuń moją ocenę",
    submit: "Wyślij",
    skip: "Pomiń",
    greeting_accept: "Odpowiedz",
    greeting_dismiss: "Odrzuć",
    attach: "Załącz plik",
    uploading: "Wysyłanie {name}… {percent}%",
    cancel: "Anuluj",
    file_too_big: "{name} ma więcej niż {max} MB.",
    upload_failed: "Nie udało się wysłać {name}: {reason}",
    download: "Pobierz {name}",
    close: "Zamknij",
    end_chat: "Zakończ czat",
    new_chat: "Rozpocznij nowy czat",
    mute: "Wycisz dźwięki",
    unmute: "Włącz dźwięki",
    consent: "Zgadzam się na przetwarzanie moich danych zgodnie z polityką prywatności.",
    privacy: "Polityka prywatności",
    contact: "Kontakt",
    faq: "FAQ",
    open_chat: "Otwórz czat",
    unread: "Nieprzeczytane wiadomości: {count}",
    new_tab: "(otwiera się w nowej karcie)",
    load_older: "Pokaż wcześniejsze rozmowy",
    earlier_messages: "Pokaż wcześniejsze wiadomości ({n})",
    search_label: "Szukaj w tej rozmowie",
    search_count: "{i} z {n}",
    search_none: "Brak wyników",
    search_previous: "Poprzedni wynik",
    search_next: "Następny wynik",
};

static SK: Text = Text {
    title: "Napíšte nám",
    status_online: "Sme online a zvyčajne odpovedáme do pár minút",
    status_offline: "Zanechajte nám správu a ozveme sa",
    minimize: "Minimalizovať chat",
    maximize: "Maximalizovať chat",
    restore: "Obnoviť veľkosť chatu",
    empty: "Dobrý deň! Opýtajte sa nás na čokoľvek. Odpovie vám skutočný človek.",
    messages_label: "Správy",
    composer_label: "Napíšte správu",
    composer_placeholder: "Napíšte správu…",
    send: "Odoslať správu",
    too_long: "Táto správa je príliš dlhá ({kb} KB). Zmestite sa do {max} KB alebo ju rozdeľte.",
    sending: "Odosiela sa…",
    not_sent: "Neodoslané: {reason}",
    retry: "Skúsiť znova",
    you: "Vy",
    agent: "Operátor",
    typing: "{name} píše…",
    seen: "Prečítané",
    today: "Dnes",
    yesterday: "Včera",
    reconnecting: "Spojenie sa prerušilo. Pripájame sa… Vaše správy ostávajú uložené a odošlú sa po obnovení.",
    unstable: "Spojenie je pomalé. Vaše správy odošleme čo najskôr.",
    paused: "Chat sa po chvíli nečinnosti pozastavil. Pošlite správu a pokračujte.",
    stopped: "Chat momentálne nie je dostupný.",
    queue: "Ste {position}. v poradí. Predpokladané čakanie: asi {minutes} min.",
    field_required: "Vyplňte toto pole.",
    field_email: "Zadajte platnú e-mailovú adresu.",
    field_phone: "Zadajte platné telefónne číslo.",
    start_chat: "Začať chat",
    ticket_title: "Zanechajte nám správu",
    pick_agent: "S kým sa chcete porozprávať?",
    agent_available: "Dostupný",
    agent_away: "Nedostupný – zanechajte správu",
    agent_offline: "Offline – zanechajte správu",
    picked_agent: "Píšete: {name}.",
    pick_again: "Vybrať niekoho iného",
    ticket_send: "Odoslať správu",
    ticket_sent: "Ďakujeme! Odpovieme vám e-mailom.",
    rate_prompt: "Ako ste boli spokojní s chatom?",
    rate_good: "Dobre",
    rate_bad: "Zle",
    rate_stars: "{n} z 5 hviezdičiek",
    rate_comment: "Povedzte nám viac (nepovinné)",
    rate_thanks: "Ďakujeme za hodnotenie!",
    rate_cancel: "Odstrániť moje hodnotenie",
    submit: "Odoslať",
    skip: "Preskočiť",
    greeting_accept: "Odpovedať",
    greeting_dismiss: "Zavrieť",
    attach: "Priložiť súbor",
    uploading: "Nahráva sa {name}… {percent} %",
    cancel: "Zrušiť",
    file_too_big: "{name} má viac ako {max} MB.",
    upload_failed: "{name} sa nepodarilo odoslať: {reason}",
    download: "Stiahnuť {name}",
    close: "Zavrieť",
    end_chat: "Ukončiť chat",
    new_chat: "Začať nový chat",
    mute: "Stlmiť zvuky",
    unmute: "Zapnúť zvuky",
    consent: "Súhlasím so spracovaním mojich údajov podľa zásad ochrany súkromia.",
    privacy: "Zásady ochrany súkromia",
    contact: "Kontakt",
    faq: "Časté otázky",
    open_chat: "Otvoriť chat",
    unread: "Neprečítané správy: {count}",
    new_tab: "(otvorí sa na novej karte)",
    load_older: "Zobraziť staršie konverzácie",
    earlier_messages: "Zobraziť staršie správy ({n})",
    search_label: "Hľadať v tejto konverzácii",
    search_count: "{i} z {n}",
    search_none: "Žiadne výsledky",
    search_previous: "Predchádzajúci výsledok",
    search_next: "Ďalší výsledok",
};

static AR: Text = Text {
    title: "تحدث معنا",
    status_online: "نحن متصلون ونرد عادة خلال دقائق",
    status_offline: "اترك رسالة وسنعود إليك",
    minimize: "تصغير المحادثة",
    maximize: "تكبير المحادثة",
    restore: "استعادة حجم المحادثة",
    empty: "مرحبًا! اسألنا عن أي شيء. سيجيبك شخص حقيقي.",
    messages_label: "الرسائل",
    composer_label: "اكتب رسالة",
    composer_placeholder: "اكتب رسالة…",
    send: "إرسال الرسالة",
    too_long: "هذه الرسالة طويلة جدًا ({kb} كيلوبايت). يرجى إبقاؤها أقل من {max} كيلوبايت أو تقسيمها.",
    sending: "جارٍ الإرسال…",
    not_sent: "لم تُرسل: {reason}",
    retry: "إعادة المحاولة",
    you: "أنت",
    agent: "الموظف",
    typing: "{name} يكتب…",
    seen: "تمت القراءة",
    today: "اليوم",
    yesterday: "أمس",
    reconnecting: "انقطع الاتصال. جارٍ إعادة الاتصال… رسائلك محفوظة وستُرسل عند عودة الاتصال.",
    unstable: "الاتصال بطيء. ستُرسل رسائلك في أقرب وقت ممكن.",
    paused: "توقفت المحادثة مؤقتًا بعد فترة من عدم النشاط. أرسل رسالة للمتابعة.",
    stopped: "المحادثة غير متاحة الآن.",
    queue: "ترتيبك {position} في قائمة الانتظار. الانتظار المتوقع: نحو {minutes} دقيقة.",
    field_required: "يرجى ملء هذا الحقل.",
    field_email: "يرجى إدخال بريد إلكتروني صالح.",
    field_phone: "يرجى إدخال رقم هاتف صالح.",
    start_chat: "ابدأ المحادثة",
    ticket_title: "اترك لنا رسالة",
    pick_agent: "مع من تود التحدث؟",
    agent_available: "متاح",
    agent_away: "غير متاح – اترك رسالة",
    agent_offline: "غير متصل – اترك رسالة",
    picked_agent: "أنت تكتب إلى {name}.",
    pick_again: "اختر شخصًا آخر",
    ticket_send: "إرسال الرسالة",
    ticket_sent: "شكرًا لك! سنرد عليك عبر البريد الإلكتروني.",
    rate_prompt: "كيف كانت هذه المحادثة؟",
    rate_good: "جيدة",
    rate_bad: "سيئة",
    rate_stars: "{n} من 5 نجوم",
    rate_comment: "أخبرنا بالمزيد (اختياري)",
    rate_thanks: "شكرًا على رأيك!",
    rate_cancel: "إزالة تقييمي",
    submit: "إرسال",
    skip: "تخطٍّ",
    greeting_accept: "رد",
    greeting_dismiss: "تجاهل",
    attach: "إرفاق ملف",
    uploading: "جارٍ رفع {name}… {percent}٪",
    cancel: "إلغاء",
    file_too_big: "حجم {name} أكبر من {max} ميغابايت.",
    upload_failed: "تعذّر إرسال {name}: {reason}",
    download: "تنزيل {name}",
    close: "إغلاق",
    end_chat: "إنهاء المحادثة",
    new_chat: "بدء محادثة جديدة",
    mute: "كتم الأصوات",
    unmute: "تشغيل الأصوات",
    consent: "أوافق على معالجة بياناتي كما هو موضح في سياسة الخصوصية.",
    privacy: "سياسة الخصوصية",
    contact: "اتصل بنا",
    faq: "الأسئلة الشائعة",
    open_chat: "فتح المحادثة",
    unread: "{count} رسائل غير مقروءة",
    new_tab: "(يفتح في علامة تبويب جديدة)",
    load_older: "عرض المحادثات السابقة",
    earlier_messages: "عرض الرسائل السابقة ({n})",
    search_label: "البحث في هذه المحادثة",
    search_count: "{i} من {n}",
    search_none: "لا توجد نتائج",
    search_previous: "النتيجة السابقة",
    search_next: "النتيجة التالية",
};

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
