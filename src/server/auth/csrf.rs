//! Rejects cross-site state-changing requests, so cookie-authenticated server
//! functions cannot be triggered from another origin. Browsers send
//! `Sec-Fetch-Site`; older ones at least send `Origin`.
use axum::{
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn layer(req: Request, next: Next) -> Response {
    if is_cross_site(&req) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({ "error": "Cross-site request refused" })),
        )
            .into_response();
    }
    next.run(req).await
}

fn is_cross_site(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    // The REST API authenticates with keys, not cookies.
    if req.uri().path().starts_with("/api/v1/") {
        return false;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        return origin == "null" || !origin_host.eq_ignore_ascii_case(host);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder()
            .method(method)
            .uri("/api/login");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(is_cross_site(&req(
            Method::POST,
            &[("sec-fetch-site", "cross-site")]
        )));
        assert!(is_cross_site(&req(
            Method::POST,
            &[("sec-fetch-site", "same-site")]
        )));
        assert!(is_cross_site(&req(
            Method::POST,
            &[("origin", "https://evil.test"), ("host", "app.test")]
        )));
        assert!(!is_cross_site(&req(
            Method::POST,
            &[("sec-fetch-site", "same-origin")]
        )));
        assert!(!is_cross_site(&req(
            Method::POST,
            &[("origin", "http://app.test"), ("host", "app.test")]
        )));
        assert!(!is_cross_site(&req(
            Method::GET,
            &[("sec-fetch-site", "cross-site")]
        )));
        // Non-browser clients (curl, tests) send neither header.
        assert!(!is_cross_site(&req(Method::POST, &[])));
    }
}
