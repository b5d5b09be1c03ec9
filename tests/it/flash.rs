//! Forms posted without JavaScript: post/redirect/get with a one-time,
//! server-side flash (`server::flash`). The outcome is shown once, only to the
//! browser and session that posted, for a minute at most; the secret it may
//! hold (an invitation link) never travels in a URL or a cookie and is sealed
//! in the table.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::auth::SignUp;
use postroom::api::invitations::InviteMember;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A browser without a cookie jar of its own: cookies are passed by hand.
fn bare(app: &TestApp) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, app.base.parse().unwrap());
    Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

async fn session_of(app: &TestApp, email: &str) -> String {
    let res = app.log_in_response(&app.client(), email).await;
    set_cookie(&res, "postroom_session").expect("a session cookie")
}

/// What a browser sends when a form posts itself (no wasm): `Accept: text/html`,
/// the page it was on as `Referer`.
async fn plain_post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    from: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    bare(app)
        .post(format!("{}{}", app.base, path))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}{}", app.base, from))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String, Vec<String>) {
    let res = bare(app)
        .get(format!("{}{}", app.base, path))
        .header("accept", "text/html")
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    (res.status(), res.text().await.unwrap(), cookies)
}

fn invite_links(html: &str) -> Vec<String> {
    html.match_indices("/invite/")
        .map(|(i, _)| html[i..].chars().take(8 + 43).collect::<String>())
        .filter(|l| l.len() == 51)
        .collect()
}

struct Posted {
    slug: String,
    alice: String,
    flash: String,
}

async fn invite_without_js(app: &TestApp) -> Posted {
    let (alice_client, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice_client, "Acme").await;
    let alice = format!(
        "postroom_session={}",
        session_of(app, "alice@example.test").await
    );
    let team = format!("/w/{slug}/settings/team");
    let res = plain_post(
        app,
        &alice,
        InviteMember::PATH,
        &team,
        &[
            ("slug", &slug),
            ("email", "carol@example.test"),
            ("role", "CLIENT"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, team, "back to the form's page");
    let flash = set_cookie(&res, "postroom_flash").expect("a flash cookie");
    let raw = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .find(|c| c.starts_with("postroom_flash="))
        .unwrap();
    assert!(
        raw.contains("httponly") && raw.contains("max-age=60"),
        "{raw}"
    );
    assert!(!location.contains("invite") && !flash.contains("invite"));
    Posted { slug, alice, flash }
}

#[sqlx::test]
async fn an_invitation_link_is_shown_once_after_a_plain_form_post(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Posted { slug, alice, flash } = invite_without_js(&app).await;
    // Sealed at rest: the table alone never yields the link.
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT payload FROM form_flashes")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("/invite/"));

    let team = format!("/w/{slug}/settings/team");
    let with_flash = format!("{alice}; postroom_flash={flash}");
    let (status, html, cookies) = page(&app, &with_flash, &team).await;
    assert_eq!(status, StatusCode::OK);
    let links = invite_links(&html);
    assert!(!links.is_empty(), "the link is shown: {html}");
    assert!(html.contains("Invitation created for "), "the notice");
    // It is the real link: its token's hash is the pending invitation's.
    let token = links[0].trim_start_matches("/invite/").to_string();
    let (status, _) = app
        .call::<postroom::api::invitations::InvitationDetails>(&app.client(), &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        cookies.iter().any(|c| c.starts_with("postroom_flash=;")),
        "cleared: {cookies:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM form_flashes").await, 0);

    // Shown once: the same cookie again (a reload, a back button) shows nothing.
    let (_, again, _) = page(&app, &with_flash, &team).await;
    assert!(invite_links(&again).is_empty(), "shown twice");
    assert!(!again.contains("Invitation created for "));
}

#[sqlx::test]
async fn a_flash_is_invisible_to_another_session_and_to_the_runtime_role(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Posted { slug, alice, flash } = invite_without_js(&app).await;
    // The runtime role cannot read the table, only take its own flash.
    let direct = sqlx::query("SELECT payload FROM form_flashes")
        .fetch_all(&app.pool)
        .await;
    assert!(direct.is_err(), "the runtime role reads form_flashes");

    // Bob, with a session of his own, presents Alice's flash cookie on a team
    // page he may see: nothing.
    let (_, bob_slug) = app.sign_up("Bob", "bob@example.test").await;
    let bob = format!(
        "postroom_session={}",
        session_of(&app, "bob@example.test").await
    );
    let (status, html, _) = page(
        &app,
        &format!("{bob}; postroom_flash={flash}"),
        &format!("/w/{bob_slug}/settings/team"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        invite_links(&html).is_empty(),
        "another session saw the link"
    );
    // Signed out, the same cookie shows nothing either (and the attempts burnt it).
    let (_, html, _) = page(&app, &format!("postroom_flash={flash}"), "/login").await;
    assert!(invite_links(&html).is_empty());
    let (_, html, _) = page(
        &app,
        &format!("{alice}; postroom_flash={flash}"),
        &format!("/w/{slug}/settings/team"),
    )
    .await;
    assert!(invite_links(&html).is_empty(), "a presented flash is gone");
}

#[sqlx::test]
async fn a_flash_expires(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Posted { slug, alice, flash } = invite_without_js(&app).await;
    sqlx::query("UPDATE form_flashes SET expires_at = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    let (status, html, _) = page(
        &app,
        &format!("{alice}; postroom_flash={flash}"),
        &format!("/w/{slug}/settings/team"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(invite_links(&html).is_empty(), "an expired flash was shown");
}

#[sqlx::test]
async fn a_failed_sign_up_comes_back_with_its_errors_and_typed_values(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let res = plain_post(
        &app,
        "",
        SignUp::PATH,
        "/signup",
        &[
            ("name", "Zoë Typed"),
            ("email", "not-an-email"),
            ("password", "hunter2-secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/signup");
    let flash = set_cookie(&res, "postroom_flash").expect("a flash cookie");
    let (status, html, _) = page(&app, &format!("postroom_flash={flash}"), "/signup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Enter a valid email address."), "{html}");
    assert!(html.contains("value=\"Zoë Typed\""), "typed name kept");
    assert!(html.contains("value=\"not-an-email\""), "typed email kept");
    assert!(!html.contains("hunter2-secret"), "a password came back");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[sqlx::test]
async fn a_page_after_a_plain_post_keeps_its_transaction_budget(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let Posted { slug, alice, flash } = invite_without_js(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = app.db_uses.load(Ordering::SeqCst);
    let (_, html, _) = page(
        &app,
        &format!("{alice}; postroom_flash={flash}"),
        &format!("/w/{slug}/settings/team"),
    )
    .await;
    assert!(!invite_links(&html).is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let used = app.db_uses.load(Ordering::SeqCst) - before;
    assert!(
        used <= 2,
        "the page after a form post used {used} round trips"
    );
}

/// The account menu's "Leave" is a plain form with or without the wasm: a
/// refusal comes back on the page it was sent from, in the menu, open.
#[sqlx::test]
async fn a_refused_leave_comes_back_in_the_open_account_menu(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use postroom::api::members::LeaveWorkspace;
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Harbor Co").await;
    let cookie = format!(
        "postroom_session={}",
        session_of(&app, "alice@example.test").await
    );
    let from = format!("/w/{slug}");
    // The owner gets no button, but a hand-made post is refused all the same.
    let res = plain_post(
        &app,
        &cookie,
        LeaveWorkspace::PATH,
        &from,
        &[("slug", &slug)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], from.as_str());
    let flash = set_cookie(&res, "postroom_flash").expect("a flash cookie");
    let (status, html, _) = page(&app, &format!("{cookie}; postroom_flash={flash}"), &from).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<details open class="user-menu">"#),
        "{html}"
    );
    assert!(
        html.contains(
            "class=\"field-error\">The owner can't leave. Transfer ownership to an admin first."
        ),
        "{html}"
    );
    assert_eq!(
        app.role_of(&slug, "alice@example.test").await.as_deref(),
        Some("OWNER")
    );
    // Shown once.
    let (_, html, _) = page(&app, &cookie, &from).await;
    assert!(
        !html.contains("Transfer ownership to an admin first."),
        "{html}"
    );
}
