//! Rejects state-changing requests that a browser did not send from our own
//! pages, so cookie-authenticated server functions cannot be triggered from
//! another site. The session cookie is SameSite=Lax, which still lets a
//! sibling subdomain (same *site*) post; this check is about the *origin*.
//!
//! The rule for a request that is not GET/HEAD/OPTIONS and not under
//! `/api/v1/` (REST authenticates with keys, not cookies):
//!
//! - `Sec-Fetch-Site: same-origin` → allowed (set by the browser, a page
//!   cannot forge it);
//! - `Sec-Fetch-Site: none` (the user started it: typed URL, bookmark) →
//!   allowed only with an `Origin` equal to `public_url`; a form post from
//!   our own page never sends `none`, so this is refused unless something
//!   else proves where it came from;
//! - any other `Sec-Fetch-Site` (`same-site`, `cross-site`, unknown) → refused;
//! - no `Sec-Fetch-Site` (older browsers) → allowed only with an `Origin`
//!   equal to `public_url`: same scheme, host and port, default ports
//!   normalised. The `Host` header is not trusted: it is whatever the client
//!   or a proxy put there;
//! - neither header → refused. Scripts and tests must send `Origin`.
use crate::server::state::AppState;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_allowed(
        req.method(),
        req.uri().path(),
        req.headers(),
        &state.config.public_url,
    ) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({ "error": "Cross-site request refused" })),
        )
            .into_response();
    }
    next.run(req).await
}

fn is_allowed(method: &Method, path: &str, headers: &HeaderMap, public_url: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if path.starts_with("/api/v1/") {
        return true;
    }
    let origin_matches = || {
        headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|origin| same_origin(origin, public_url))
    };
    match headers.get("sec-fetch-site").map(|v| v.to_str()) {
        Some(Ok("same-origin")) => true,
        Some(Ok("none")) => origin_matches(),
        Some(_) => false,
        None => origin_matches(),
    }
}

/// Scheme, host and port equal (`url` fills in the default port and
/// lower-cases the host). `null` and anything unparsable never match.
fn same_origin(origin: &str, public_url: &str) -> bool {
    match (url::Url::parse(origin), url::Url::parse(public_url)) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (a.origin(), b.origin());
            a.is_tuple() && a == b
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://app.test";

    fn allowed(method: Method, headers: &[(&str, &str)]) -> bool {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        is_allowed(&method, "/api/log_in", &map, PUBLIC)
    }

    #[test]
    fn safe_methods_and_the_rest_api_pass() {
        assert!(allowed(Method::GET, &[("sec-fetch-site", "cross-site")]));
        assert!(allowed(Method::HEAD, &[]));
        assert!(allowed(Method::OPTIONS, &[("origin", "https://evil.test")]));
        assert!(is_allowed(
            &Method::POST,
            "/api/v1/create-post",
            &HeaderMap::new(),
            PUBLIC
        ));
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(allowed(Method::POST, &[("sec-fetch-site", "same-origin")]));
        assert!(!allowed(Method::POST, &[("sec-fetch-site", "same-site")]));
        assert!(!allowed(Method::POST, &[("sec-fetch-site", "cross-site")]));
        assert!(!allowed(Method::POST, &[("sec-fetch-site", "bogus")]));
        // A matching Origin does not rescue a cross-site fetch.
        assert!(!allowed(
            Method::POST,
            &[("sec-fetch-site", "cross-site"), ("origin", PUBLIC)]
        ));
    }

    #[test]
    fn user_initiated_posts_need_a_matching_origin() {
        assert!(!allowed(Method::POST, &[("sec-fetch-site", "none")]));
        assert!(!allowed(
            Method::POST,
            &[("sec-fetch-site", "none"), ("origin", "https://evil.test")]
        ));
        assert!(allowed(
            Method::POST,
            &[("sec-fetch-site", "none"), ("origin", PUBLIC)]
        ));
    }

    #[test]
    fn origin_is_compared_with_the_public_url() {
        assert!(allowed(Method::POST, &[("origin", "https://app.test")]));
        assert!(allowed(Method::POST, &[("origin", "https://APP.test:443")]));
        assert!(allowed(Method::DELETE, &[("origin", "https://app.test")]));
        assert!(!allowed(Method::POST, &[("origin", "http://app.test")]));
        assert!(!allowed(
            Method::POST,
            &[("origin", "https://app.test:8443")]
        ));
        assert!(!allowed(Method::POST, &[("origin", "https://evil.test")]));
        assert!(!allowed(
            Method::POST,
            &[("origin", "https://app.test.evil.test")]
        ));
        assert!(!allowed(Method::POST, &[("origin", "null")]));
        assert!(!allowed(Method::POST, &[("origin", "app.test")]));
        // The Host header is not what Origin is compared with.
        assert!(!allowed(
            Method::POST,
            &[("origin", "https://evil.test"), ("host", "evil.test")]
        ));
    }

    #[test]
    fn requests_without_either_header_are_refused() {
        assert!(!allowed(Method::POST, &[]));
        assert!(!allowed(Method::PUT, &[("host", "app.test")]));
    }

    #[test]
    fn default_ports_are_normalised() {
        assert!(same_origin("http://a.test", "http://a.test:80"));
        assert!(same_origin(
            "http://127.0.0.1:3000",
            "http://127.0.0.1:3000"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:3001",
            "http://127.0.0.1:3000"
        ));
        assert!(!same_origin("http://a.test", "garbage"));
    }
}
