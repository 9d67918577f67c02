//! The new-message sound: a short two-note chime made with Web Audio (no file to fetch,
//! nothing for the frame's content policy to block). It plays for agent messages while
//! the visitor is not looking at the chat (window minimised, tab hidden, or focus
//! elsewhere), in one tab only (the store's `chime` counts for this tab alone), unless the
//! site turned sounds off (`sound: false`) or the visitor muted them with the header
//! button (remembered in this browser).

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::i18n::Locale;

/// Storage key of the visitor's mute choice.
const MUTED_KEY: &str = "livechat.muted";

/// The mute toggle for the header, and the effect that plays the chime.
#[component]
pub fn SoundToggle() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let enabled = expect_context::<WidgetConfig>().sound;
    let muted = RwSignal::new(read_muted());
    let chime = Memo::new(move |_| chat.state.with(|state| state.chime));

    Effect::new(move |previous: Option<u32>| {
        let now = chime.get();
        if previous.is_some_and(|previous| previous != now) && enabled && !muted.get_untracked() {
            let open = chat.state.with_untracked(|state| state.open);
            if !open || !looking() {
                play();
            }
        }
        now
    });

    enabled.then(|| {
        view! {
            <button
                type="button"
                class="cw-icon-button"
                aria-pressed=move || muted.get().to_string()
                aria-label=move || if muted.get() { locale.text.unmute } else { locale.text.mute }
                title=move || if muted.get() { locale.text.unmute } else { locale.text.mute }
                data-testid="cw-mute"
                on:click=move |_| {
                    let value = !muted.get_untracked();
                    muted.set(value);
                    write_muted(value);
                }
            >
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                    <path d="M4 9v6h4l5 4V5L8 9H4Z" fill="currentColor" />
                    {move || if muted.get() {
                        view! { <path d="m16 9 5 6m0-6-5 6" stroke="currentColor" stroke-width="2" stroke-linecap="round" /> }.into_any()
                    } else {
                        view! { <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" /> }.into_any()
                    }}
                </svg>
            </button>
        }
    })
}

/// Whether the visitor is looking at this frame: the page is visible and has focus.
fn looking() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else { return false };
        !document.hidden() && document.has_focus().unwrap_or(false)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        true
    }
}

fn read_muted() -> bool {
    crate::persist::read(MUTED_KEY).as_deref() == Some("1")
}

fn write_muted(muted: bool) {
    crate::persist::write(MUTED_KEY, if muted { "1" } else { "" });
}

/// Two short sine notes, quiet, with a fade so they do not click. Browsers that block
/// audio until the visitor interacted with the page simply stay silent.
fn play() {
    #[cfg(target_arch = "wasm32")]
    {
        let Ok(context) = web_sys::AudioContext::new() else { return };
        let start = context.current_time();
        for (index, frequency) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else { return };
            let at = start + index as f64 * 0.12;
            oscillator.frequency().set_value(frequency);
            let volume = gain.gain();
            let _ = volume.set_value_at_time(0.0, at);
            let _ = volume.linear_ramp_to_value_at_time(0.08, at + 0.02);
            let _ = volume.linear_ramp_to_value_at_time(0.0, at + 0.18);
            let _ = oscillator.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&context.destination());
            let _ = oscillator.start_with_when(at);
            let _ = oscillator.stop_with_when(at + 0.2);
        }
        // Close the context once the notes are done, so contexts do not pile up.
        let closer = context.clone();
        leptos::prelude::set_timeout(move || drop(closer.close()), std::time::Duration::from_millis(600));
    }
}
