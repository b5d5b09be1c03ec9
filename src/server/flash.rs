//! Post/redirect/get for forms posted without JavaScript (before the wasm has
//! loaded, or with it off).
//!
//! A browser's own form post says `Accept: text/html`. `server_fns::handler`
//! then runs the function as the wasm client would (JSON answer), and
//! [`after_form_post`] keeps that answer — the function's output or its
//! `AppError`, and the fields the person typed, never a password — in a
//! *flash*: a row of `form_flashes` keyed by the digest of a random, HttpOnly,
//! one-minute cookie, bound to the session digest of the post (none when
//! signed out), its payload sealed with the app's key. The browser is sent on
//! with `303 See Other` to the page the function chose (`leptos_axum::redirect`)
//! or the page the form was on. The session layer takes the flash with the
//! session lookup — one statement — and deletes it: it is shown once. The page
//! gets it as context; `app::components::flash::use_form_action` hands it to the
//! form's action as if the wasm had submitted it. Nothing but the cookie's
//! random key ever travels in a URL or a cookie.
use crate::model::flash::FormFlash;
use crate::model::AppError;
use crate::server::auth::{sessions, tokens};
use crate::server::state::AppState;
use axum::{
    body::{Body, Bytes},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::Response,
};
use cookie::{Cookie, SameSite};

pub const COOKIE: &str = "postroom_flash";
/// Long enough for the redirect to be followed, short enough to die unseen.
pub const TTL_SECONDS: i32 = 60;

/// Fields whose values never go into a flash (nor come back into a form).
fn secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("password") || name.contains("token") || name == "confirm"
}

/// A browser's own form post (not the server-fn client, which asks for JSON).
pub fn is_plain_form_post(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// What `after_form_post` needs from the request before it is consumed.
pub struct PlainPost {
    path: String,
    back_to: String,
    session: Option<Vec<u8>>,
}

impl PlainPost {
    /// Makes the function answer as it would to the wasm client (JSON, no
    /// redirect of its own), remembering where the form was.
    pub fn take(parts: &mut Parts) -> PlainPost {
        parts
            .headers
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let back_to = parts
            .headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(local_path)
            .unwrap_or_else(|| "/".to_string());
        // Bound to the session cookie the browser presents, valid or not (an
        // expired one still tells this browser's next view from another's):
        // the session layer takes the flash with the digest of the same cookie.
        let session = sessions::token_from_headers(&parts.headers)
            .filter(|t| t.len() <= 128)
            .map(|t| tokens::digest(&t));
        PlainPost {
            path: parts.uri.path().to_string(),
            back_to,
            session,
        }
    }
}

/// The path and query of a URL, only when it names a page on this site
/// (the CSRF layer has already checked where the post came from).
fn local_path(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    let pq = uri.path_and_query()?.as_str();
    (pq.starts_with('/') && !pq.starts_with("//")).then(|| pq.to_string())
}

/// Stores the outcome and redirects (303) to where the person should see it.
pub async fn after_form_post(
    state: &AppState,
    post: PlainPost,
    form: &Bytes,
    res: Response,
) -> Response {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let ok = parts.status.is_success();
    let fields = if ok { Vec::new() } else { typed_fields(form) };
    let flash = FormFlash {
        path: post.path,
        ok,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        fields,
    };
    // A function that chose the next page (log-in, a new workspace) says so.
    let to = parts
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(local_path)
        .unwrap_or(post.back_to);
    let mut out = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to);
    // Keep what the function set (a new session cookie on log-in).
    for v in parts.headers.get_all(header::SET_COOKIE) {
        out = out.header(header::SET_COOKIE, v);
    }
    match put(state, post.session.as_deref(), &flash).await {
        Ok(key) => {
            out = out.header(header::SET_COOKIE, set_cookie(state, &key));
        }
        Err(e) => tracing::warn!(error = %e, "form flash not stored"),
    }
    out.body(Body::empty())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn typed_fields(form: &Bytes) -> Vec<(String, String)> {
    form::parse(form)
        .into_iter()
        .filter(|(k, _)| !secret_field(k))
        .collect()
}

/// Stores a flash for `session` (or a signed-out browser) and returns the
/// cookie value that reads it back.
pub async fn put(
    state: &AppState,
    session: Option<&[u8]>,
    flash: &FormFlash,
) -> Result<String, AppError> {
    let key = tokens::new_secret();
    let key_hash = tokens::digest(&key);
    let json = serde_json::to_string(flash).map_err(|_| AppError::Internal)?;
    let sealed = state.cipher.seal(&json, &key_hash);
    sqlx::query("SELECT app_put_flash($1, $2, $3, $4)")
        .bind(&key_hash)
        .bind(session)
        .bind(sealed)
        .bind(TTL_SECONDS)
        .execute(&state.pool)
        .await?;
    Ok(key)
}

/// Opens a sealed payload taken by the session layer.
pub fn open(state: &AppState, key: &str, sealed: &[u8]) -> Option<FormFlash> {
    let json = state.cipher.open(sealed, &tokens::digest(key))?;
    serde_json::from_str(&json).ok()
}

pub fn key_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE && !c.value().is_empty() && c.value().len() <= 128)
        .map(|c| c.value().to_string())
}

fn set_cookie(state: &AppState, key: &str) -> String {
    Cookie::build((COOKIE, key.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(cookie::time::Duration::seconds(TTL_SECONDS.into()))
        .build()
        .to_string()
}

pub fn clear_cookie(state: &AppState) -> String {
    Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The flash a page view took with its session lookup (request extension).
#[derive(Clone, Debug, Default)]
pub struct TakenFlash(pub Option<FormFlash>);

mod form {
    /// `application/x-www-form-urlencoded` pairs (already checked by
    /// `server_fns::check_form`; what does not decode is skipped).
    pub fn parse(body: &[u8]) -> Vec<(String, String)> {
        let Ok(text) = std::str::from_utf8(body) else {
            return Vec::new();
        };
        text.split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Some((decode(k)?, decode(v)?))
            })
            .collect()
    }

    fn decode(s: &str) -> Option<String> {
        let s = s.replace('+', " ");
        percent_decode(&s)
    }

    fn percent_decode(s: &str) -> Option<String> {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_come_back() {
        let f = typed_fields(&Bytes::from_static(
            b"email=a%40b.test&password=hunter2&name=Zo%C3%AB+K&current_password=x",
        ));
        assert_eq!(
            f,
            vec![
                ("email".to_string(), "a@b.test".to_string()),
                ("name".to_string(), "Zoë K".to_string())
            ]
        );
    }

    #[test]
    fn only_local_paths() {
        assert_eq!(
            local_path("http://127.0.0.1:3000/w/a/settings?x=1").as_deref(),
            Some("/w/a/settings?x=1")
        );
        assert_eq!(local_path("/login").as_deref(), Some("/login"));
        assert_eq!(local_path("//evil.test/x"), None);
    }
}
