//! What an upload needs before and after the bytes travel: the size cap, the Web API
//! address, and how to read its answer.

use protocol::ErrorPayload;
use serde_json::Value;

use super::RequestError;
use crate::config::WidgetConfig;

/// Largest file `upload_file` accepts.
pub const MAX_UPLOAD_BYTES: f64 = 10.0 * 1024.0 * 1024.0;

/// Refuses a file over the 10 MB cap before any byte is sent.
pub fn check_upload_size(bytes: f64) -> Result<(), RequestError> {
    if bytes > MAX_UPLOAD_BYTES {
        return Err(RequestError::Invalid(format!(
            "the file is {:.1} MB; files may be at most 10 MB",
            bytes / (1024.0 * 1024.0)
        )));
    }
    Ok(())
}

/// The Web API address of `upload_file` for this account.
pub fn upload_url(config: &WidgetConfig) -> String {
    format!("{}/{}/customer/action/upload_file?{}", config.server, config.api_version().path(), config.tenant_query())
}

/// Reads the Web API's answer to an upload: `{url}` on success, `{error}` otherwise.
pub fn upload_result(status: u16, body: &str) -> Result<String, RequestError> {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return value
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| RequestError::Unexpected("upload answer without a url".to_owned()));
    }
    match value.get("error").cloned().map(serde_json::from_value::<ErrorPayload>) {
        Some(Ok(error)) => Err(error.into()),
        _ if status == 0 => Err(RequestError::ConnectionLost),
        _ => Err(RequestError::Unexpected(format!("upload answered HTTP {status}"))),
    }
}
