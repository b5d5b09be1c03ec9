//! The HTTP edge of server functions. Before one runs: the method must be
//! the one it is registered with, the body must fit `BODY_MAX`, be UTF-8 and
//! carry no control characters (other than line breaks and tabs) in any
//! form field — PostgreSQL refuses NUL in text, and a slug or token full of
//! controls is never valid. After it ran: its error gets its real status
//! (server_fn answers every error with 500) and a 429 its `Retry-After`.
//! Every refusal is a JSON `AppError` like the function's own errors, with a
//! generic message: the parser's text never reaches the client.
use crate::model::AppError;
use crate::server::{error::status_of, flash, state::AppState};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use leptos::prelude::provide_context;
use leptos::server_fn::axum::server_fn_paths;
use leptos_axum::handle_server_fns_with_context;

/// Server-function arguments are small forms; the largest is the brand
/// profile (a few KiB of text).
pub const BODY_MAX: usize = 64 * 1024;

pub async fn handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let (mut parts, body) = req.into_parts();
    let methods: Vec<Method> = server_fn_paths()
        .filter(|(path, _)| *path == parts.uri.path())
        .map(|(_, method)| method)
        .collect();
    if methods.is_empty() {
        return refuse(StatusCode::NOT_FOUND, AppError::NotFound);
    }
    if !methods.contains(&parts.method) {
        let mut res = refuse(StatusCode::METHOD_NOT_ALLOWED, AppError::NotFound);
        let allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
        if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return res;
    }
    let bytes = match read_body(&parts.headers, body).await {
        Ok(bytes) => bytes,
        Err(res) => return *res,
    };
    if let Err(e) = check_form(&bytes) {
        return refuse(StatusCode::BAD_REQUEST, e);
    }
    // A browser's own form post (no wasm yet): post/redirect/get with a flash.
    let plain =
        flash::is_plain_form_post(&parts.headers).then(|| flash::PlainPost::take(&mut parts));
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let ctx_state = state.clone();
    let res = handle_server_fns_with_context(move || provide_context(ctx_state.clone()), req)
        .await
        .into_response();
    let res = with_real_status(res).await;
    match plain {
        Some(post) => flash::after_form_post(&state, post, &bytes, res).await,
        None => res,
    }
}

async fn read_body(headers: &header::HeaderMap, body: Body) -> Result<Bytes, Box<Response>> {
    let too_large = || {
        Box::new(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::field("form", "The request is too large."),
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_MAX as u64) {
        return Err(too_large());
    }
    match Limited::new(body, BODY_MAX).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(Box::new(refuse(StatusCode::BAD_REQUEST, unreadable()))),
    }
}

fn unreadable() -> AppError {
    AppError::field("form", "The request could not be read.")
}

/// Reads the body as `application/x-www-form-urlencoded` (what server
/// functions take) and refuses what no field may hold. A body that is not a
/// form at all is left to the function's own decoder, which refuses it with
/// a generic message (see `FromServerFnError for AppError`).
fn check_form(body: &[u8]) -> Result<(), AppError> {
    let text = std::str::from_utf8(body).map_err(|_| unreadable())?;
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = form_decode(key).ok_or_else(unreadable)?;
        let value = form_decode(value).ok_or_else(unreadable)?;
        if forbidden(&key) {
            return Err(unreadable());
        }
        if forbidden(&value) {
            return Err(AppError::field(
                &key,
                "This field must not contain control characters.",
            ));
        }
    }
    Ok(())
}

/// Control characters other than the line breaks and tabs of multi-line
/// fields (per-field rules in `model::validate` refuse those in names).
fn forbidden(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// `+` is a space and `%HH` a byte; `None` for a malformed escape (a `%`
/// without two hex digits) or bytes that are not UTF-8.
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// server_fn answers a failed function with 500 and the JSON `AppError`;
/// this gives it the error's status, and a 429 its `Retry-After`.
async fn with_real_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = status_of(&err);
        crate::server::error::set_retry_after(&mut parts.headers, &err);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn refuse(status: StatusCode, err: AppError) -> Response {
    (status, axum::Json(err)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_with_controls_name_the_field() {
        assert!(check_form(b"").is_ok());
        assert!(check_form(b"name=Ada+Lovelace&email=ada%40x.test").is_ok());
        assert!(check_form(b"description=one%0D%0Atwo%09three").is_ok());
        assert!(check_form("name=Zo%C3%AB+%F0%9F%9A%80&x=é".as_bytes()).is_ok());
        let err = check_form(b"slug=acme&name=a%00b").unwrap_err();
        assert!(err.message_for("name").is_some(), "{err:?}");
        let err = check_form(b"email=a%1Bb").unwrap_err();
        assert!(err.message_for("email").is_some(), "{err:?}");
        let err = check_form(b"tone=%C2%85").unwrap_err();
        assert!(err.message_for("tone").is_some(), "{err:?}");
        // Raw control bytes, not only escaped ones.
        assert!(check_form(b"name=a\0b")
            .unwrap_err()
            .message_for("name")
            .is_some());
    }

    #[test]
    fn unreadable_bodies_get_a_generic_message() {
        for body in [
            &b"name=\xff\xfe"[..],
            b"name=%FF",
            b"name=%E2%82",
            b"name=%zz",
            b"name=%4",
            b"name=%+1",
            b"a%00=b",
        ] {
            let err = check_form(body).unwrap_err();
            assert_eq!(
                err.message_for("form").as_deref(),
                Some("The request could not be read."),
                "{body:?}"
            );
        }
    }
}
