//! Security headers on every response; the CSP nonce matches the page's scripts.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::auth::CurrentUser;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

struct Page {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    html: String,
}

async fn page(app: &TestApp, client: &Client, path: &str) -> Page {
    let res = client
        .get(format!("{}{path}", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    Page {
        status: res.status(),
        headers: res.headers().clone(),
        html: res.text().await.unwrap(),
    }
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn assert_fixed_headers(headers: &reqwest::header::HeaderMap) {
    let csp = header(headers, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("'unsafe-inline' 'wasm") && !csp.contains("script-src 'unsafe-inline'"));
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "x-frame-options"), "DENY");
    assert_eq!(header(headers, "referrer-policy"), "same-origin");
    // The test app is served over plain http.
    assert!(headers.get("strict-transport-security").is_none());
}

/// The nonce in `script-src 'self' 'nonce-…' 'wasm-unsafe-eval'`.
fn csp_nonce(headers: &reqwest::header::HeaderMap) -> String {
    let csp = header(headers, "content-security-policy");
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src: {csp}"));
    let parts: Vec<&str> = script_src.split_whitespace().collect();
    assert_eq!(parts[1], "'self'", "{script_src}");
    assert_eq!(parts[3], "'wasm-unsafe-eval'", "{script_src}");
    assert_eq!(parts.len(), 4, "{script_src}");
    let nonce = parts[2]
        .strip_prefix("'nonce-")
        .and_then(|n| n.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce: {script_src}"));
    assert!(nonce.len() >= 16, "{nonce}");
    nonce.to_string()
}

/// Every `<script>` tag in the page carries exactly this nonce.
fn assert_scripts_carry(html: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = html
        .match_indices("<script")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
        .collect();
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} lacks nonce {nonce}"
        );
    }
    tags.len()
}

#[sqlx::test]
async fn pages_carry_the_headers_and_a_fresh_nonce_on_every_script(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let anon = app.client();
    let first = page(&app, &anon, "/login").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_fixed_headers(&first.headers);
    let nonce = csp_nonce(&first.headers);
    assert!(
        assert_scripts_carry(&first.html, &nonce) >= 1,
        "{}",
        first.html
    );
    let second = page(&app, &anon, "/login").await;
    let again = csp_nonce(&second.headers);
    assert_ne!(nonce, again, "a nonce is used once");
    assert_scripts_carry(&second.html, &again);

    // A signed-in page streams resource data in inline scripts too.
    let (alice, slug) = app.sign_up("Alice", "alice@example.test").await;
    let ws = page(&app, &alice, &format!("/w/{slug}")).await;
    assert_eq!(ws.status, StatusCode::OK);
    let nonce = csp_nonce(&ws.headers);
    assert!(assert_scripts_carry(&ws.html, &nonce) >= 2, "{}", ws.html);

    // The fallback (not found) page is rendered by another handler.
    let missing = page(&app, &anon, "/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_fixed_headers(&missing.headers);
    assert_scripts_carry(&missing.html, &csp_nonce(&missing.headers));
}

#[sqlx::test]
async fn every_response_carries_the_headers(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let client = app.client();
    // A server function, a refusal by the CSRF layer, a 405 and the health check.
    let ok = client
        .post(format!("{}{}", app.base, CurrentUser::PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_fixed_headers(ok.headers());
    let refused = client
        .post(format!("{}{}", app.base, CurrentUser::PATH))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_fixed_headers(refused.headers());
    let get = client
        .get(format!("{}{}", app.base, CurrentUser::PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_fixed_headers(get.headers());
    let health = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_fixed_headers(health.headers());
}
