//! Accounts and sessions over real HTTP.
use crate::common::TestApp;
use postroom::api::auth::{CurrentUser, LogIn, LogOut, SignUp};
use postroom::api::workspaces::ListMyWorkspaces;
use postroom::model::{AppError, UserView};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test]
async fn sign_up_creates_a_personal_workspace_and_logs_in(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (client, slug) = app.sign_up("Ada Lovelace", "Ada@Example.test").await;
    assert_eq!(slug, "adas-workspace");
    let (status, body) = app.call::<CurrentUser>(&client, &()).await;
    assert_eq!(status, StatusCode::OK);
    let me: Option<UserView> = serde_json::from_str(&body).unwrap();
    assert_eq!(me.unwrap().email, "Ada@Example.test");
    let (_, body) = app.call::<ListMyWorkspaces>(&client, &()).await;
    assert!(
        body.contains("\"is_personal\":true") && body.contains("\"role\":\"OWNER\""),
        "{body}"
    );
    // The password is stored as an argon2id hash with the crate defaults.
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    // Emails are unique regardless of case.
    let (status, err) = app
        .call_err::<SignUp>(
            &app.client(),
            &[
                ("name", "Other"),
                ("email", "ada@example.TEST"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.message_for("email").unwrap().contains("already exists"));
}

#[sqlx::test]
async fn sign_up_validates_every_field(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (status, err) = app
        .call_err::<SignUp>(
            &app.client(),
            &[("name", " "), ("email", "nope"), ("password", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("name").as_deref(),
        Some("Name is required.")
    );
    assert_eq!(
        err.message_for("email").as_deref(),
        Some("Enter a valid email address.")
    );
    assert_eq!(
        err.message_for("password").as_deref(),
        Some("Password must be at least 8 characters.")
    );
    let long = "x".repeat(129);
    let (_, err) = app
        .call_err::<SignUp>(
            &app.client(),
            &[
                ("name", "A"),
                ("email", "a@b.co"),
                ("password", long.as_str()),
            ],
        )
        .await;
    assert_eq!(
        err.message_for("password").as_deref(),
        Some("Password must be at most 128 characters.")
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(users, 0, "bad input changes nothing");
}

#[sqlx::test]
async fn login_errors_do_not_say_which_half_was_wrong(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    app.sign_up("Ada", "ada@example.test").await;
    let c = app.client();
    let (s1, wrong_password) = app
        .call_err::<LogIn>(
            &c,
            &[
                ("email", "ada@example.test"),
                ("password", "wrong password"),
            ],
        )
        .await;
    let (s2, unknown_email) = app
        .call_err::<LogIn>(
            &c,
            &[
                ("email", "nobody@example.test"),
                ("password", "wrong password"),
            ],
        )
        .await;
    assert_eq!(s1, s2);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(
        wrong_password.to_string(),
        "Email or password is incorrect."
    );
    // Emails are case-insensitive at login too.
    let (status, body) = app
        .call::<LogIn>(
            &c,
            &[
                ("email", " ADA@Example.TEST"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
}

#[sqlx::test]
async fn login_sets_a_fresh_http_only_session_and_logout_ends_it(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (first, slug) = app.sign_up("Ada", "ada@example.test").await;
    let c = app.client();
    let res = app.log_in_response(&c, "ada@example.test").await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("postroom_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    assert_eq!(
        res.headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string()),
        Some(format!("/w/{slug}")),
        "lands in the last used workspace"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(sessions, 2, "sign-up session plus the new login");

    // Log out ends only that session.
    app.call::<LogOut>(&c, &()).await;
    let (_, body) = app.call::<CurrentUser>(&c, &()).await;
    assert_eq!(body, "null");
    let (_, body) = app.call::<CurrentUser>(&first, &()).await;
    assert!(body.contains("ada@example.test"));
    // The old cookie value no longer works even if replayed.
    let hashes: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(hashes, 1);
}

#[sqlx::test]
async fn secure_cookie_when_served_over_https(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn_with(pool_opts, opts, |_| {}).await;
    let cfg = postroom::server::config::Config {
        public_url: "https://postroom.example".into(),
        ..Default::default()
    };
    let cookie = postroom::server::auth::sessions::set_cookie(&cfg, "abc");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax")
    );
    drop(app);
}

#[sqlx::test]
async fn login_attempts_are_rate_limited(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn_with(pool_opts, opts, |c| {
        c.login_attempts_per_email = 3;
    })
    .await;
    app.sign_up("Ada", "ada@example.test").await;
    let c = app.client();
    for _ in 0..3 {
        let (status, _) = app
            .call_err::<LogIn>(
                &c,
                &[("email", "ada@example.test"), ("password", "nope nope")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let res = app.log_in_response(&c, "ada@example.test").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let err: AppError = res.json().await.unwrap();
    assert!(matches!(err, AppError::RateLimited { .. }));
}

#[sqlx::test]
async fn cross_site_posts_are_refused(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (client, _) = app.sign_up("Ada", "ada@example.test").await;
    let res = client
        .post(format!(
            "{}{}",
            app.base,
            <LogOut as leptos::server_fn::ServerFn>::PATH
        ))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, body) = app.call::<CurrentUser>(&client, &()).await;
    assert!(body.contains("ada@example.test"), "still logged in");
}

#[sqlx::test]
async fn pages_need_a_login(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (_, slug) = app.sign_up("Ada", "ada@example.test").await;
    let res = app
        .client()
        .get(format!("{}/w/{slug}/settings", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers().get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
}
