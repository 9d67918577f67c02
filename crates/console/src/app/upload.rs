//! Files the agent sends: picked, dropped on the chat or pasted, uploaded with progress to
//! the server for the chat on screen, then sent as a `file` event (which the server
//! describes from what it stored).

use leptos::prelude::*;
use protocol::{Event, EventBody};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::Handle;
use crate::session::Intent;

/// The largest file the server takes (its default limit).
const MAX_BYTES: f64 = 10.0 * 1024.0 * 1024.0;

/// A file on its way, for the progress list.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// Its number in this page.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Percent done.
    pub percent: u32,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The uploads in progress or failed, shared by the composer's views.
#[derive(Clone, Copy)]
pub struct Uploads(pub RwSignal<Vec<Upload>>);

fn set(uploads: Uploads, id: u32, change: impl FnOnce(&mut Upload)) {
    uploads.0.update(|list| {
        if let Some(upload) = list.iter_mut().find(|upload| upload.id == id) {
            change(upload);
        }
    });
}

/// Uploads `file` for `chat_id` and sends it when it is stored.
pub fn send_file(handle: Handle, uploads: Uploads, chat_id: String, file: web_sys::File) {
    let id = uploads.0.with_untracked(|list| list.iter().map(|upload| upload.id).max().unwrap_or(0) + 1);
    let name = file.name();
    uploads.0.update(|list| list.push(Upload { id, name: name.clone(), percent: 0, error: None }));
    if file.size() > MAX_BYTES {
        set(uploads, id, |upload| upload.error = Some(format!("{name} is larger than 10 MB.")));
        return;
    }
    let (Ok(request), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else { return };
    let _ = form.append_with_blob_and_filename("file", &file, &name);
    let url = format!("/v3.5/agent/action/upload_file?chat_id={}", js_sys::encode_uri_component(&chat_id));
    let _ = request.open("POST", &url);
    // A tab opened with a token sends it; a signed-in tab's cookie goes by itself.
    if let Some(token) = super::stored_token() {
        let _ = request.set_request_header("Authorization", &format!("Bearer {token}"));
    }
    let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            let percent = (event.loaded() / event.total() * 100.0).round() as u32;
            set(uploads, id, |upload| upload.percent = percent.min(99));
        }
    });
    if let Ok(target) = request.upload() {
        target.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let done_request = request.clone();
    let done = Closure::<dyn FnMut()>::new(move || {
        let text = done_request.response_text().ok().flatten().unwrap_or_default();
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        match answer.get("url").and_then(|url| url.as_str()) {
            Some(url) if done_request.status().unwrap_or(0) == 200 => {
                uploads.0.update(|list| list.retain(|upload| upload.id != id));
                let body = EventBody::File { url: url.to_owned(), name: Some(name.clone()), content_type: None, size: None, width: None, height: None, thumbnail_url: None, thumbnail2x_url: None };
                handle.send(Intent::SendEvent { chat_id: chat_id.clone(), event: Event::new(body) });
            }
            _ => {
                let why = answer.pointer("/error/message").and_then(|message| message.as_str()).unwrap_or("the upload failed").to_owned();
                set(uploads, id, |upload| upload.error = Some(format!("{name}: {why}")));
            }
        }
    });
    request.set_onloadend(Some(done.as_ref().unchecked_ref()));
    done.forget();
    let _ = request.send_with_opt_form_data(Some(&form));
}

/// Every file of a list (picked, dropped or pasted).
pub fn send_files(handle: Handle, uploads: Uploads, chat_id: &str, files: Option<web_sys::FileList>) {
    let Some(files) = files else { return };
    for index in 0..files.length() {
        if let Some(file) = files.get(index) {
            send_file(handle, uploads, chat_id.to_owned(), file);
        }
    }
}

/// The progress list: each file with its share done, or why it failed.
#[component]
pub fn UploadList() -> impl IntoView {
    let uploads = expect_context::<Uploads>();
    view! {
        <ul class="uploads" aria-live="polite" data-testid="agent-uploads">
            <For each=move || uploads.0.get() key=|upload| (upload.id, upload.percent, upload.error.clone()) let:upload>
                <li data-testid="agent-upload" data-failed=upload.error.is_some().then_some("true")>
                    {match upload.error.clone() {
                        Some(error) => view! {
                            <span role="alert">{error}</span>
                            <button type="button" aria-label="Dismiss" on:click=move |_| uploads.0.update(|list| list.retain(|item| item.id != upload.id))>"×"</button>
                        }.into_any(),
                        None => view! {
                            <label>{upload.name.clone()}" "<progress max="100" value=upload.percent.to_string()></progress></label>
                        }.into_any(),
                    }}
                </li>
            </For>
        </ul>
    }
}
