//! The origin check on state-changing requests, and server functions being
//! POST-only, over real HTTP.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::auth::{CurrentUser, LogIn, LogOut};
use postroom::model::UserView;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// A client that sends no `Origin` unless a request adds one (like curl).
fn bare_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn log_in(app: &TestApp, client: &Client, headers: &[(&str, String)]) -> reqwest::Response {
    let mut req = client
        .post(format!("{}{}", app.base, LogIn::PATH))
        .header("accept", "application/json")
        .form(&[
            ("email", "ada@example.test"),
            ("password", "correct horse battery"),
        ]);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.unwrap()
}

async fn assert_refused(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "no session on a refusal"
    );
    let text = res.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(
        body,
        serde_json::json!({ "error": "Cross-site request refused" })
    );
}

async fn signed_in(app: &TestApp, client: &Client) -> bool {
    let (_, body) = app.call::<CurrentUser>(client, &()).await;
    serde_json::from_str::<Option<UserView>>(&body)
        .unwrap()
        .is_some()
}

#[sqlx::test]
async fn posts_without_origin_or_fetch_metadata_are_refused(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    app.sign_up("Ada", "ada@example.test").await;
    let client = bare_client();
    assert_refused(log_in(&app, &client, &[]).await).await;
    // A user-initiated request (`none`) must still prove where it came from.
    assert_refused(log_in(&app, &client, &[("sec-fetch-site", "none".into())]).await).await;
    // The same request from our own page passes.
    let res = log_in(&app, &client, &[("origin", app.base.clone())]).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert!(res.headers().get("set-cookie").is_some());
}

#[sqlx::test]
async fn foreign_origins_are_refused(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    app.sign_up("Ada", "ada@example.test").await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let other_port = (port.parse::<u16>().unwrap() % 60000 + 1).to_string();
    let client = bare_client();
    for origin in [
        "https://evil.example".to_string(),
        "null".to_string(),
        format!("http://127.0.0.1:{other_port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}.evil.example"),
        "http://127.0.0.1".to_string(),
    ] {
        assert_refused(log_in(&app, &client, &[("origin", origin.clone())]).await).await;
    }
    // The Host header is the client's to choose: it does not make an origin ours.
    assert_refused(
        log_in(
            &app,
            &client,
            &[
                ("origin", "http://evil.example".into()),
                ("host", "evil.example".into()),
            ],
        )
        .await,
    )
    .await;
    // Only the sign-up's session exists.
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);
}

#[sqlx::test]
async fn a_signed_in_user_cannot_be_logged_out_from_another_site(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (client, _) = app.sign_up("Ada", "ada@example.test").await;
    let logout = |headers: Vec<(&'static str, String)>| {
        let mut req = client.post(format!("{}{}", app.base, LogOut::PATH));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    for headers in [
        vec![("origin", "https://evil.example".to_string())],
        vec![
            ("sec-fetch-site", "cross-site".into()),
            ("origin", app.base.clone()),
        ],
        vec![("sec-fetch-site", "same-site".into())],
    ] {
        let res = logout(headers).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(signed_in(&app, &client).await, "still signed in");
    }
    // `same-origin` is the browser vouching for our own page.
    let res = logout(vec![("sec-fetch-site", "same-origin".into())])
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert!(!signed_in(&app, &client).await);
}

#[sqlx::test]
async fn every_server_function_is_post_only(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (client, _) = app.sign_up("Ada", "ada@example.test").await;
    let fns: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    assert!(fns.iter().any(|(p, _)| *p == LogOut::PATH), "{fns:?}");
    assert!(fns.len() >= 20, "{fns:?}");
    for (path, method) in &fns {
        assert_eq!(*method, http::Method::POST, "{path} must be POST-only");
        // A link or <img> can make the browser GET it, with cookies.
        let res = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "GET {path}");
        assert_eq!(res.headers()["allow"], "POST", "GET {path}");
    }
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let res = client
            .request(method.clone(), format!("{}{}", app.base, LogOut::PATH))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    assert!(signed_in(&app, &client).await, "GET log_out did nothing");
    let res = client
        .post(format!("{}/api/no_such_function", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
