//! Sending files: the attach button, files dropped on the window or pasted into the
//! composer. Each file shows its progress with a cancel button, and an error (too large,
//! refused, network) stays next to its name until dismissed. Files over 10 MB are refused
//! before anything is sent.

use leptos::prelude::*;
#[cfg(target_arch = "wasm32")]
use protocol::{Event, EventBody};

#[cfg(target_arch = "wasm32")]
use crate::chat::ChatHandle;
use crate::i18n::{fill, Locale};

/// The largest file, in megabytes (the server's default cap).
pub const MAX_UPLOAD_MB: u64 = 10;

/// One file on its way.
#[derive(Clone, Copy)]
pub struct UploadItem {
    id: u32,
    name: StoredValue<String>,
    /// 0 to 1.
    progress: RwSignal<f64>,
    error: RwSignal<Option<String>>,
}

/// The files being sent, shared by the attach button, the drop zone and the list.
#[derive(Clone, Copy)]
pub struct Uploads {
    items: RwSignal<Vec<UploadItem>>,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    next_id: StoredValue<u32>,
    cancellers: StoredValue<Vec<(u32, std::rc::Rc<dyn Fn()>)>, LocalStorage>,
}

impl Uploads {
    /// Creates the list and provides it to the components below.
    pub fn provide() -> Uploads {
        let uploads = Uploads {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
            cancellers: StoredValue::new_local(Vec::new()),
        };
        provide_context(uploads);
        uploads
    }

    fn remove(&self, id: u32) {
        self.items.update(|items| items.retain(|item| item.id != id));
        self.cancellers.update_value(|cancellers| cancellers.retain(|(item, _)| *item != id));
    }

    /// Sends each file of a list (from the file input, a drop, or a paste).
    #[cfg(target_arch = "wasm32")]
    pub fn send_files(&self, files: web_sys::FileList) {
        for index in 0..files.length() {
            if let Some(file) = files.get(index) {
                self.send(file);
            }
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn send(&self, file: web_sys::File) {
        let chat = ChatHandle::expect();
        let locale = expect_context::<&'static Locale>();
        let id = self.next_id.get_value() + 1;
        self.next_id.set_value(id);
        let name = file.name();
        let item = UploadItem {
            id,
            name: StoredValue::new(name.clone()),
            progress: RwSignal::new(0.0),
            error: RwSignal::new(None),
        };
        self.items.update(|items| items.push(item));
        if file.size() > (MAX_UPLOAD_MB * 1024 * 1024) as f64 {
            item.error.set(Some(fill(locale.text.file_too_big, &[("name", &name), ("max", &MAX_UPLOAD_MB.to_string())])));
            return;
        }
        let progress = item.progress;
        let content_type = Some(file.type_()).filter(|kind| !kind.is_empty());
        let size = Some(file.size() as u64);
        let upload = chat.upload_file(file.into(), &name, move |fraction| progress.set(fraction));
        let canceller: std::rc::Rc<dyn Fn()> = std::rc::Rc::new(upload.canceller());
        self.cancellers.update_value(|cancellers| cancellers.push((id, canceller)));
        let uploads = *self;
        leptos::task::spawn_local(async move {
            let result = match upload.url().await {
                Ok(url) => send_file_event(chat, url, name.clone(), content_type, size).await,
                Err(error) => Err(error),
            };
            match result {
                Ok(()) => uploads.remove(id),
                Err(crate::session::RequestError::Cancelled) => uploads.remove(id),
                Err(error) => {
                    let reason = error.to_string();
                    item.error.set(Some(fill(locale.text.upload_failed, &[("name", &name), ("reason", &reason)])));
                }
            }
        });
    }
}

/// Posts an uploaded file into the chat (through the outbox: it starts or reopens the chat
/// when needed, and waits out a dropped connection).
#[cfg(target_arch = "wasm32")]
async fn send_file_event(
    chat: ChatHandle,
    url: String,
    name: String,
    content_type: Option<String>,
    size: Option<u64>,
) -> Result<(), crate::session::RequestError> {
    let event = Event::new(EventBody::File {
        url,
        name: Some(name),
        content_type,
        size,
        width: None,
        height: None,
        thumbnail_url: None,
        thumbnail2x_url: None,
    });
    chat.send_outgoing(crate::store::Item::Event { event, opening: Default::default() }).await
}

/// The attach button and its hidden file input.
#[component]
pub fn AttachButton() -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let uploads = expect_context::<Uploads>();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let _ = uploads;
    view! {
        <input
            type="file"
            multiple=true
            class="cw-visually-hidden"
            tabindex="-1"
            aria-hidden="true"
            data-testid="cw-file-input"
            node_ref=input_ref
            on:change=move |_ev| {
                #[cfg(target_arch = "wasm32")]
                if let Some(input) = input_ref.get_untracked() {
                    if let Some(files) = input.files() {
                        uploads.send_files(files);
                    }
                    input.set_value("");
                }
            }
        />
        <button
            type="button"
            class="cw-icon-button cw-composer__attach"
            aria-label=locale.text.attach
            title=locale.text.attach
            data-testid="cw-attach"
            on:click=move |_| {
                if let Some(input) = input_ref.get_untracked() {
                    input.click();
                }
            }
        >
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l7.9-7.9a4 4 0 0 0-5.7-5.7L5.7 11.5a6 6 0 0 0 8.5 8.5l6.3-6.3"
                    stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" />
            </svg>
        </button>
    }
}

/// The files on their way, with progress, cancel and errors.
#[component]
pub fn UploadList() -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let uploads = expect_context::<Uploads>();
    view! {
        <ul class="cw-uploads" data-testid="cw-uploads" hidden=move || uploads.items.with(Vec::is_empty)>
            <For each=move || uploads.items.get() key=|item| item.id let:item>
                <li class="cw-upload" data-testid="cw-upload" data-failed=move || item.error.with(Option::is_some).to_string()>
                    {move || match item.error.get() {
                        Some(error) => view! {
                            <span class="cw-upload__error" role="alert">{error}</span>
                            <button type="button" class="cw-icon-button" aria-label=locale.text.close
                                data-testid="cw-upload-dismiss" on:click=move |_| uploads.remove(item.id)>"×"</button>
                        }
                        .into_any(),
                        None => {
                            let name = item.name.get_value();
                            view! {
                                <span class="cw-upload__name">
                                    {move || fill(locale.text.uploading, &[
                                        ("name", &name),
                                        ("percent", &((item.progress.get() * 100.0).round() as u32).to_string()),
                                    ])}
                                </span>
                                <progress class="cw-upload__bar" max="1" value=move || item.progress.get()></progress>
                                <button type="button" class="cw-button cw-button--quiet" data-testid="cw-upload-cancel"
                                    on:click=move |_| {
                                        uploads.cancellers.with_value(|cancellers| {
                                            if let Some((_, cancel)) = cancellers.iter().find(|(id, _)| *id == item.id) {
                                                cancel();
                                            }
                                        });
                                        uploads.remove(item.id);
                                    }>
                                    {locale.text.cancel}
                                </button>
                            }
                            .into_any()
                        }
                    }}
                </li>
            </For>
        </ul>
    }
}
