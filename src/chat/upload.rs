//! `uploadFile` over `XMLHttpRequest`, the one browser API that reports upload progress.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

use crate::chat::ChatHandle;
use crate::session::{check_upload_size, upload_result, Command, RequestError, UploadTargetReply};

/// An upload in progress: await [`Upload::url`], or [`Upload::cancel`] it.
pub struct Upload {
    inner: Rc<RefCell<Inner>>,
    done: oneshot::Receiver<Result<String, RequestError>>,
}

#[derive(Default)]
struct Inner {
    xhr: Option<XmlHttpRequest>,
    cancelled: bool,
    finish: Option<oneshot::Sender<Result<String, RequestError>>>,
    // Kept alive while the request runs; dropped when it ends.
    #[allow(clippy::type_complexity)]
    handlers: Vec<Closure<dyn FnMut(ProgressEvent)>>,
}

impl Inner {
    fn finish(&mut self, result: Result<String, RequestError>) {
        if let Some(finish) = self.finish.take() {
            let _ = finish.send(result);
        }
        self.xhr = None;
    }
}

impl Upload {
    /// Aborts the upload; [`Upload::url`] then fails with [`RequestError::Cancelled`].
    pub fn cancel(&self) {
        (self.canceller())();
    }

    /// Cancels this upload from elsewhere (a button) while [`Upload::url`] is awaited.
    pub fn canceller(&self) -> impl Fn() + 'static {
        let inner = self.inner.clone();
        move || {
            let mut inner = inner.borrow_mut();
            inner.cancelled = true;
            if let Some(xhr) = inner.xhr.take() {
                let _ = xhr.abort();
            }
            inner.finish(Err(RequestError::Cancelled));
        }
    }

    /// The uploaded file's URL, to send in a `file` event within 24 hours.
    pub async fn url(self) -> Result<String, RequestError> {
        let result = self.done.await.unwrap_or(Err(RequestError::Cancelled));
        self.inner.borrow_mut().handlers.clear();
        result
    }
}

impl ChatHandle {
    /// `uploadFile`: sends `file` to the Web API with progress reports from 0 to 1.
    /// Files over 10 MB are refused before anything is sent.
    pub fn upload_file(&self, file: Blob, name: &str, on_progress: impl Fn(f64) + 'static) -> Upload {
        let (finish, done) = oneshot::channel();
        let inner = Rc::new(RefCell::new(Inner { finish: Some(finish), ..Inner::default() }));
        let upload = Upload { inner: inner.clone(), done };
        if let Err(error) = check_upload_size(file.size()) {
            inner.borrow_mut().finish(Err(error));
            return upload;
        }
        let (target_sender, target) = oneshot::channel();
        if !self.send_command(Command::UploadTarget(UploadTargetReply(target_sender))) {
            inner.borrow_mut().finish(Err(RequestError::Destroyed));
            return upload;
        }
        let name = name.to_owned();
        let on_progress = Rc::new(on_progress);
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(Some((url, token))) = target.await else {
                inner.borrow_mut().finish(Err(RequestError::ConnectionLost));
                return;
            };
            if inner.borrow().cancelled {
                return;
            }
            if let Err(error) = start(&inner, &url, &token, &file, &name, on_progress) {
                inner.borrow_mut().finish(Err(error));
            }
        });
        upload
    }
}

fn start(
    inner: &Rc<RefCell<Inner>>,
    url: &str,
    token: &str,
    file: &Blob,
    name: &str,
    on_progress: Rc<dyn Fn(f64)>,
) -> Result<(), RequestError> {
    let failed = |_| RequestError::Unexpected("the browser refused the upload".to_owned());
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open_with_async("POST", url, true).map_err(failed)?;
    xhr.set_request_header("Authorization", &format!("Bearer {token}")).map_err(failed)?;
    let form = FormData::new().map_err(failed)?;
    form.append_with_blob_and_filename("file", file, name).map_err(failed)?;

    let progress = on_progress.clone();
    let on_upload_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            // The last step (1.0) is reported when the server has answered.
            progress((event.loaded() / event.total()).min(0.99));
        }
    });
    xhr.upload().map_err(failed)?.set_onprogress(Some(on_upload_progress.as_ref().unchecked_ref()));

    let state = inner.clone();
    let request = xhr.clone();
    let finished = on_progress.clone();
    let on_end = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if state.borrow().cancelled {
            return;
        }
        let result = match event.type_().as_str() {
            "load" => upload_result(request.status().unwrap_or(0), &request.response_text().ok().flatten().unwrap_or_default()),
            "timeout" => Err(RequestError::Timeout),
            _ => Err(RequestError::ConnectionLost),
        };
        if result.is_ok() {
            // Not under a borrow: the callback may cancel or start another upload.
            finished(1.0);
        }
        state.borrow_mut().finish(result);
    });
    for kind in ["load", "error", "timeout"] {
        xhr.add_event_listener_with_callback(kind, on_end.as_ref().unchecked_ref()).map_err(failed)?;
    }
    on_progress(0.0);
    xhr.send_with_opt_form_data(Some(&form)).map_err(failed)?;
    let mut state = inner.borrow_mut();
    state.xhr = Some(xhr);
    state.handlers.push(on_upload_progress);
    state.handlers.push(on_end);
    Ok(())
}
