//! Password throttling over HTTP (rules in `server::auth::ratelimit`), and
//! which client address it sees behind a proxy. The test app's peer is
//! 127.0.0.1; trusting it as a proxy lets a test speak from many addresses.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::auth::{LogIn, SignUp};
use postroom::api::invitations::SignUpAndAccept;
use postroom::api::members::TransferOwnership;
use postroom::model::AppError;
use postroom::server::auth::client_addr::TrustedProxies;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const GOOD: &str = "correct horse battery";

fn behind_local_proxy(c: &mut postroom::server::config::Config) {
    c.trusted_proxies = TrustedProxies::parse(["127.0.0.1"]).unwrap();
}

async fn post_from(
    app: &TestApp,
    client: &Client,
    ip: &str,
    path: &str,
    args: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.base))
        .header("accept", "application/json")
        .header("x-forwarded-for", ip)
        .form(args)
        .send()
        .await
        .unwrap()
}

async fn log_in_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    let args = [("email", email), ("password", password)];
    post_from(app, &app.client(), ip, LogIn::PATH, &args).await
}

/// A 429 with a positive `Retry-After` and the `RateLimited` error.
async fn assert_limited(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    let err: AppError = res.json().await.unwrap();
    assert_eq!(
        err,
        AppError::RateLimited {
            retry_after_secs: retry
        }
    );
}

fn logged_in(res: &reqwest::Response) -> bool {
    (res.status().is_success() || res.status().is_redirection())
        && res.headers().get("set-cookie").is_some()
}

#[sqlx::test]
async fn failed_passwords_from_anywhere_lock_the_email_but_successes_and_junk_do_not(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(pool_opts, opts, |c| {
        behind_local_proxy(c);
        c.login_attempts_per_email = 3;
    })
    .await;
    app.sign_up("Victim", "victim@example.test").await;
    app.sign_up("Other", "other@example.test").await;
    // Successful log-ins (from anywhere) never use up the allowance.
    for i in 0..5 {
        let res = log_in_from(
            &app,
            &format!("198.51.100.{i}"),
            "victim@example.test",
            GOOD,
        )
        .await;
        assert!(logged_in(&res), "{}", res.status());
    }
    // Malformed emails share one bucket; they cannot lock a real account.
    for i in 0..4 {
        let res = log_in_from(&app, "198.51.100.50", &format!("junk-{i}"), "whatever1").await;
        if i < 3 {
            assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        } else {
            assert_limited(res).await;
        }
    }
    assert!(logged_in(
        &log_in_from(&app, "198.51.100.1", "Victim@Example.test", GOOD).await
    ));
    // Wrong passwords count from every address; then even the right one waits.
    for i in 1..=3 {
        let res = log_in_from(
            &app,
            &format!("203.0.113.{i}"),
            " VICTIM@example.test",
            "wrong!!!",
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    assert_limited(log_in_from(&app, "198.51.100.1", "victim@example.test", GOOD).await).await;
    assert!(logged_in(
        &log_in_from(&app, "203.0.113.1", "other@example.test", GOOD).await
    ));
}

#[sqlx::test]
async fn the_per_address_limit_counts_every_attempt_including_sign_ups(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(pool_opts, opts, |c| {
        behind_local_proxy(c);
        c.login_attempts_per_ip = 3;
    })
    .await;
    let (alice, slug) = app.sign_up("Alice", "alice@example.test").await;
    let token = app
        .invite(&alice, &slug, "bob@example.test", "EDITOR")
        .await;
    let ip = "198.51.100.7";
    let sign_up = |email: &'static str| [("name", "Someone"), ("email", email), ("password", GOOD)];
    let res = post_from(
        &app,
        &app.client(),
        ip,
        SignUp::PATH,
        &sign_up("a@example.test"),
    )
    .await;
    assert!(logged_in(&res), "{}", res.status());
    assert!(logged_in(
        &log_in_from(&app, ip, "a@example.test", GOOD).await
    ));
    let res = log_in_from(&app, ip, "a@example.test", "wrong!!!").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The allowance is used up: sign-up, log-in and invited sign-up all wait.
    let res = post_from(
        &app,
        &app.client(),
        ip,
        SignUp::PATH,
        &sign_up("b@example.test"),
    )
    .await;
    assert_limited(res).await;
    assert_limited(log_in_from(&app, ip, "a@example.test", GOOD).await).await;
    let accept = [
        ("token", token.as_str()),
        ("name", "Bob"),
        ("password", GOOD),
    ];
    assert_limited(post_from(&app, &app.client(), ip, SignUpAndAccept::PATH, &accept).await).await;
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'b@example.test'")
            .await,
        0
    );
    // Another address is not affected.
    let res = post_from(
        &app,
        &app.client(),
        "198.51.100.8",
        SignUp::PATH,
        &sign_up("b@example.test"),
    )
    .await;
    assert!(logged_in(&res), "{}", res.status());
}

#[sqlx::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // No trusted proxies: every request is 127.0.0.1, whatever it claims.
    let app = TestApp::spawn_with(pool_opts.clone(), opts.clone(), |c| {
        c.login_attempts_per_ip = 2;
    })
    .await;
    app.sign_up("Ada", "ada@example.test").await;
    assert!(logged_in(
        &log_in_from(&app, "198.51.100.1", "ada@example.test", GOOD).await
    ));
    assert_limited(log_in_from(&app, "198.51.100.2", "ada@example.test", GOOD).await).await;
    let ips: Vec<String> = sqlx::query_scalar("SELECT ip::text FROM sessions")
        .fetch_all(&app.admin)
        .await
        .unwrap();
    assert!(ips.iter().all(|ip| ip.starts_with("127.0.0.1")), "{ips:?}");

    // Behind the proxy: the right-most address that is not a proxy.
    let app = TestApp::spawn_with(pool_opts, opts, |c| {
        c.trusted_proxies = TrustedProxies::parse(["127.0.0.1, 10.0.0.0/8"]).unwrap();
    })
    .await;
    // The same database as above, so another account.
    app.sign_up("Bea", "bea@example.test").await;
    let res = log_in_from(
        &app,
        "6.6.6.6, 198.51.100.9, 10.1.2.3",
        "bea@example.test",
        GOOD,
    )
    .await;
    assert!(logged_in(&res));
    let ip: String =
        sqlx::query_scalar("SELECT ip::text FROM sessions ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert!(ip.starts_with("198.51.100.9"), "{ip}");
}

#[sqlx::test]
async fn ownership_transfer_is_gated_by_its_own_failures_not_by_failed_logins(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(pool_opts, opts, |c| {
        behind_local_proxy(c);
        c.login_attempts_per_email = 2;
    })
    .await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (_, _) = app.sign_up("Bob", "bob@example.test").await;
    let (dave, _) = app.sign_up("Dave", "dave@example.test").await;
    let (_, _) = app.sign_up("Erin", "erin@example.test").await;
    let acme = app.create_workspace(&alice, "Acme").await;
    let dune = app.create_workspace(&dave, "Dune").await;
    app.add_member(&acme, "bob@example.test", "ADMIN").await;
    app.add_member(&dune, "erin@example.test", "ADMIN").await;
    let bob = app.user_id("bob@example.test").await.to_string();
    let erin = app.user_id("erin@example.test").await.to_string();

    // Someone who does not know Alice's password locks her log-in…
    for _ in 0..2 {
        let res = log_in_from(&app, "203.0.113.66", "alice@example.test", "guess!!!").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    assert_limited(log_in_from(&app, "198.51.100.1", "alice@example.test", GOOD).await).await;
    // …but cannot stop her transfer, confirmed with the right password.
    let args = [
        ("slug", acme.as_str()),
        ("user_id", bob.as_str()),
        ("password", GOOD),
    ];
    let (status, body) = app.call::<TransferOwnership>(&alice, &args).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(
        app.role_of(&acme, "bob@example.test").await.as_deref(),
        Some("OWNER")
    );

    // Guessing in a signed-in session is throttled, and counts against log-in too.
    let wrong = [
        ("slug", dune.as_str()),
        ("user_id", erin.as_str()),
        ("password", "guess!!!"),
    ];
    for _ in 0..2 {
        let (status, err) = app.call_err::<TransferOwnership>(&dave, &wrong).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(err.message_for("password").is_some(), "{err:?}");
    }
    let right = [
        ("slug", dune.as_str()),
        ("user_id", erin.as_str()),
        ("password", GOOD),
    ];
    let res = dave
        .post(format!("{}{}", app.base, TransferOwnership::PATH))
        .header("accept", "application/json")
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_limited(res).await;
    assert_eq!(
        app.role_of(&dune, "dave@example.test").await.as_deref(),
        Some("OWNER")
    );
    assert_limited(log_in_from(&app, "198.51.100.2", "dave@example.test", GOOD).await).await;
}
