//! Connecting a Sandbox account through the real flow, the composer's rules,
//! client approval, and the publishing worker: published once, with two
//! workers, after a crash, with networks that fail or cannot answer.
use crate::common::{date_time, location, TestApp};
use async_trait::async_trait;
use chrono::{Duration, Utc};
use postroom::api::content as c;
use postroom::model::AppError;
use postroom::server::jobs::publisher::{self, Publisher};
use postroom::server::providers::{
    sandbox::Sandbox, ConnectError, Lookup, Profile, Provider, Providers, PublishError,
    PublishRequest, Published, Tokens,
};
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::Arc;
use uuid::Uuid;

/// Connects a Sandbox account the way a person does: the app's connect link,
/// the network's consent page, the callback. Returns the account id.
pub async fn connect_sandbox(app: &TestApp, client: &Client, slug: &str, handle: &str) -> Uuid {
    let res = client
        .get(format!("{}/w/{slug}/accounts/connect/sandbox", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let consent = location(&res).expect("a redirect to the network");
    assert!(consent.contains("/sandbox/oauth/authorize?"), "{consent}");
    let url = reqwest::Url::parse(&consent).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let page = client.get(consent.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Postroom wants to post for you"));
    let res = client
        .post(format!("{}/sandbox/oauth/authorize", app.base))
        .form(&[
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("handle", handle),
            ("display_name", "Test Brand"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let callback = location(&res).unwrap();
    assert!(
        callback.contains("/connect/sandbox/callback?code="),
        "{callback}"
    );
    let res = client.get(callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res).unwrap(),
        format!("/w/{slug}/accounts?connected=sandbox")
    );
    sqlx::query_scalar(
        "SELECT id FROM social_accounts WHERE handle = $1 ORDER BY connected_at DESC LIMIT 1",
    )
    .bind(handle)
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

fn worker(app: &TestApp) -> Publisher {
    publisher::new(
        app.jobs.clone(),
        &app.base,
        app.cipher.clone(),
        app.media.clone(),
    )
}

/// Date and time strings (UTC workspace) `minutes` from now.
fn in_minutes(minutes: i64) -> (String, String) {
    date_time(Utc::now() + Duration::minutes(minutes))
}

async fn schedule(
    app: &TestApp,
    client: &Client,
    slug: &str,
    text: &str,
    accounts: &[Uuid],
) -> Uuid {
    // Five minutes from now on the workspace's clock.
    let zone: String = sqlx::query_scalar("SELECT timezone FROM workspaces WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let at = (Utc::now() + Duration::minutes(5)).with_timezone(&tz);
    let (status, body) = app
        .schedule_post(client, slug, text, accounts, date_time(at))
        .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {body}"
    );
    let id: String = serde_json::from_str(&body).unwrap();
    Uuid::parse_str(&id).unwrap()
}

async fn make_due(app: &TestApp) {
    sqlx::query("UPDATE posts SET scheduled_at = now() - interval '1 second', next_attempt_at = NULL WHERE status = 'scheduled'")
        .execute(&app.admin)
        .await
        .unwrap();
}

async fn status_of(app: &TestApp, post: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM posts WHERE id = $1")
        .bind(post)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

async fn owner_with_account(app: &TestApp) -> (Client, String, Uuid) {
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let account = connect_sandbox(app, &owner, &slug, "acme_main").await;
    (owner, slug, account)
}

#[sqlx::test]
async fn a_scheduled_post_is_published_once_with_its_signature_and_permalink(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    // Tokens are stored encrypted, never in the clear.
    let enc: Vec<u8> =
        sqlx::query_scalar("SELECT access_token_enc FROM social_accounts WHERE id = $1")
            .bind(account)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert!(enc.len() > 40);
    let (status, body) = app
        .call::<c::CreateSignature>(
            &owner,
            &[
                ("slug", slug.as_str()),
                ("name", "Sign-off"),
                ("body", "— Team Acme"),
                ("is_default", "on"),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let sig: Uuid = sqlx::query_scalar("SELECT id FROM signatures")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (date, time) = in_minutes(3);
    let (status, body) = app
        .call::<c::SavePost>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("content", "Hello from the sandbox".into()),
                ("account_ids[0]", account.to_string()),
                ("signature_id", sig.to_string()),
                ("date", date),
                ("time", time),
                ("intent", "schedule".into()),
            ],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let post: Uuid = Uuid::parse_str(&serde_json::from_str::<String>(&body).unwrap()).unwrap();
    assert_eq!(status_of(&app, post).await, "scheduled");
    let w = worker(&app);
    assert_eq!(w.run_due().await.unwrap(), 0, "not due yet");
    make_due(&app).await;
    assert_eq!(w.run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, post).await, "published");
    assert_eq!(w.run_due().await.unwrap(), 0, "nothing twice");
    let (target_status, permalink): (String, String) =
        sqlx::query_as("SELECT status, permalink FROM post_targets WHERE post_id = $1")
            .bind(post)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(target_status, "published");
    assert!(
        permalink.starts_with(&format!("{}/sandbox/acme_main/posts/", app.base)),
        "{permalink}"
    );
    let page = app.client().get(&permalink).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Hello from the sandbox\n\n— Team Acme"),
        "{html}"
    );
    assert_eq!(app.count("SELECT count(*) FROM sandbox_posts").await, 1);
    // The post page shows the permalink to members.
    let (_, page) = app.get(&owner, &format!("/w/{slug}/posts/{post}")).await;
    assert!(page.contains(&permalink));
}

#[sqlx::test]
async fn two_workers_publish_each_post_exactly_once(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let second = connect_sandbox(&app, &owner, &slug, "acme_uk").await;
    let mut posts = Vec::new();
    for i in 0..12 {
        posts.push(
            schedule(
                &app,
                &owner,
                &slug,
                &format!("Post number {i}"),
                &[account, second],
            )
            .await,
        );
    }
    make_due(&app).await;
    let (a, b) = (worker(&app), worker(&app));
    let (na, nb) = tokio::join!(a.run_due(), b.run_due());
    assert_eq!(na.unwrap() + nb.unwrap(), 12);
    for p in &posts {
        assert_eq!(status_of(&app, *p).await, "published");
    }
    assert_eq!(app.count("SELECT count(*) FROM sandbox_posts").await, 24);
    assert_eq!(
        app.count("SELECT count(DISTINCT (external_id, content)) FROM sandbox_posts")
            .await,
        24,
        "no post landed twice on an account"
    );
}

#[sqlx::test]
async fn a_worker_that_died_mid_publish_is_recovered_without_posting_twice(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let landed = schedule(&app, &owner, &slug, "Landed before the crash", &[account]).await;
    make_due(&app).await;
    let w = worker(&app);
    // The first worker claims it, the network accepts it, the worker dies
    // before recording anything.
    let claimed = w.claim().await.unwrap().expect("a due post");
    assert_eq!(claimed.post_id, landed);
    let t = &claimed.targets[0];
    let tokens = Tokens {
        access: app
            .cipher
            .open(
                t.access_token_enc.as_deref().unwrap(),
                t.account_id.as_bytes(),
            )
            .unwrap(),
        refresh: None,
        expires_at: None,
    };
    let sandbox = Sandbox::new(app.jobs.clone(), &app.base);
    sandbox
        .publish(
            &tokens,
            &PublishRequest {
                external_id: t.external_id.clone(),
                text: claimed.text.clone(),
                idempotency_key: t.attempt_key.to_string(),
                media: vec![],
            },
        )
        .await
        .unwrap();
    drop(claimed);
    assert_eq!(status_of(&app, landed).await, "publishing");
    // While the lease holds, nobody else touches it.
    assert_eq!(w.run_due().await.unwrap(), 0);
    sqlx::query("UPDATE posts SET lease_until = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    // The restarted worker asks the network about the key and records it.
    assert_eq!(w.run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, landed).await, "published");
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_posts").await,
        1,
        "published once"
    );

    // Died before the network call: looked up, not found, published now — once.
    let lost = schedule(&app, &owner, &slug, "Never reached the network", &[account]).await;
    make_due(&app).await;
    let claimed = w.claim().await.unwrap().expect("a due post");
    assert_eq!(claimed.post_id, lost);
    drop(claimed);
    sqlx::query("UPDATE posts SET lease_until = now() - interval '1 second' WHERE id = $1")
        .bind(lost)
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(w.run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, lost).await, "published");
    assert_eq!(app.count("SELECT count(*) FROM sandbox_posts").await, 2);
}

/// A network that publishes like the Sandbox but cannot say whether an
/// attempt landed.
struct NoLookup(Sandbox);

#[async_trait]
impl Provider for NoLookup {
    fn platform(&self) -> &'static str {
        "sandbox"
    }
    fn authorize_url(&self, s: &str, r: &str, p: Option<&str>) -> String {
        self.0.authorize_url(s, r, p)
    }
    async fn exchange(
        &self,
        c: &str,
        r: &str,
        p: Option<&str>,
    ) -> Result<(Profile, Tokens), ConnectError> {
        self.0.exchange(c, r, p).await
    }
    async fn refresh(&self, r: &str) -> Result<Tokens, ConnectError> {
        self.0.refresh(r).await
    }
    async fn publish(&self, t: &Tokens, r: &PublishRequest) -> Result<Published, PublishError> {
        self.0.publish(t, r).await
    }
    async fn lookup(&self, _: &Tokens, _: &str, _: &str) -> Result<Lookup, PublishError> {
        Ok(Lookup::Unsupported)
    }
    async fn disconnect(&self, t: &Tokens) -> Result<(), ConnectError> {
        self.0.disconnect(t).await
    }
}

#[sqlx::test]
async fn a_network_that_cannot_answer_leaves_the_post_for_a_person(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let post = schedule(&app, &owner, &slug, "Unknown fate", &[account]).await;
    make_due(&app).await;
    let w = Publisher {
        pool: app.jobs.clone(),
        providers: Providers::default().with(Arc::new(NoLookup(Sandbox::new(
            app.jobs.clone(),
            &app.base,
        )))),
        cipher: app.cipher.clone(),
        media: app.media.clone(),
        public_url: app.base.clone(),
    };
    drop(w.claim().await.unwrap().expect("claimed"));
    sqlx::query("UPDATE posts SET lease_until = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(w.run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, post).await, "failed");
    let error: String = sqlx::query_scalar("SELECT error FROM post_targets WHERE post_id = $1")
        .bind(post)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(error, publisher::MAY_HAVE_PUBLISHED);
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_posts").await,
        0,
        "not retried blindly"
    );
}

#[sqlx::test]
async fn outages_are_retried_with_backoff_and_refusals_fail_at_once(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let second = connect_sandbox(&app, &owner, &slug, "acme_fr").await;
    let down = schedule(&app, &owner, &slug, "Network is [down]", &[account]).await;
    let refused = schedule(&app, &owner, &slug, "Please [fail] this", &[account]).await;
    make_due(&app).await;
    let w = worker(&app);
    assert_eq!(w.run_due().await.unwrap(), 2);
    assert_eq!(status_of(&app, refused).await, "failed");
    assert_eq!(
        status_of(&app, down).await,
        "scheduled",
        "back in the queue"
    );
    let (attempts, wait): (i32, f64) = sqlx::query_as(
        "SELECT attempts, extract(epoch FROM next_attempt_at - now())::float8 FROM posts WHERE id = $1",
    )
    .bind(down)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(attempts, 1);
    assert!(
        (20.0..=31.0).contains(&wait),
        "first retry in ~30 s, got {wait}"
    );
    assert_eq!(w.run_due().await.unwrap(), 0, "not before its time");
    for _ in 1..publisher::MAX_ATTEMPTS {
        make_due(&app).await;
        assert_eq!(w.run_due().await.unwrap(), 1);
    }
    assert_eq!(status_of(&app, down).await, "failed");
    let last_error: String = sqlx::query_scalar("SELECT last_error FROM posts WHERE id = $1")
        .bind(down)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(last_error.contains("down for maintenance"), "{last_error}");
    assert_eq!(app.count("SELECT count(*) FROM sandbox_posts").await, 0);

    // One account disconnected: the other still gets the post.
    let partial = schedule(&app, &owner, &slug, "Two accounts", &[account, second]).await;
    let (status, _) = app
        .call::<c::DisconnectAccount>(
            &owner,
            &[("slug", slug.clone()), ("account_id", second.to_string())],
        )
        .await;
    assert!(status.is_success());
    make_due(&app).await;
    assert_eq!(w.run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, partial).await, "partially_published");
    // The worker revokes the disconnected account's tokens and wipes them.
    assert_eq!(w.revoke_disconnected().await.unwrap(), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM social_accounts WHERE status = 'disconnected' AND access_token_enc IS NULL").await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_tokens WHERE revoked_at IS NOT NULL")
            .await,
        2
    );
}

#[sqlx::test]
async fn the_callback_accepts_only_the_state_its_user_started(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let (mallory, _) = app.sign_up("Mallory", "mallory@example.test").await;
    let res = owner
        .get(format!("{}/w/{slug}/accounts/connect/sandbox", app.base))
        .send()
        .await
        .unwrap();
    let consent = location(&res).unwrap();
    let q: std::collections::HashMap<String, String> = reqwest::Url::parse(&consent)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let res = owner
        .post(format!("{}/sandbox/oauth/authorize", app.base))
        .form(&[
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("handle", "stolen"),
            ("display_name", "Stolen"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    let callback = location(&res).unwrap();
    // Someone else finishing this connection gets nothing.
    let res = mallory.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM social_accounts").await, 0);
    // The person who started it can; a replay cannot.
    let res = owner.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = owner.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM social_accounts").await, 1);
    // Declining on the network's page connects nothing.
    let res = owner
        .get(format!("{}/w/{slug}/accounts/connect/sandbox", app.base))
        .send()
        .await
        .unwrap();
    let q: std::collections::HashMap<String, String> =
        reqwest::Url::parse(&location(&res).unwrap())
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
    let res = owner
        .post(format!("{}/sandbox/oauth/authorize", app.base))
        .form(&[
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("handle", "declined"),
            ("display_name", "No"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    let res = owner.get(location(&res).unwrap()).send().await.unwrap();
    assert_eq!(
        location(&res).unwrap(),
        format!("/w/{slug}/accounts?error=declined")
    );
    assert_eq!(app.count("SELECT count(*) FROM social_accounts").await, 1);
    // An unknown redirect address is not a client the Sandbox knows.
    let res = owner
        .get(format!(
            "{}/sandbox/oauth/authorize?redirect_uri=https://evil.test/cb&state=x",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[sqlx::test]
async fn the_composer_refuses_bad_posts_and_saves_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let (date, time) = in_minutes(10);
    let (past_date, past_time) = in_minutes(-10);
    let acc = account.to_string();
    let long = "x".repeat(1001);
    let cases: Vec<(Vec<(&str, String)>, &str, &str)> = vec![
        (
            vec![("content", "  ".into()), ("account_ids[0]", acc.clone())],
            "content",
            "Write something",
        ),
        (
            vec![("content", "Hi".into())],
            "account_ids",
            "Choose at least one account",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", "not-an-id".into()),
            ],
            "account_ids",
            "not in this workspace",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", Uuid::new_v4().to_string()),
            ],
            "account_ids",
            "not in this workspace",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", acc.clone()),
                ("date", past_date),
                ("time", past_time),
            ],
            "date",
            "in the past",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", acc.clone()),
                ("date", "2030-13-40".into()),
                ("time", time.clone()),
            ],
            "date",
            "Pick a date",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", acc.clone()),
                ("date", date.clone()),
                ("time", "25:99".into()),
            ],
            "time",
            "Pick a time",
        ),
        (
            vec![
                ("content", long),
                ("account_ids[0]", acc.clone()),
                ("date", date.clone()),
                ("time", time.clone()),
            ],
            "content",
            "Too long for Sandbox: 1001 of 1000",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", acc.clone()),
                ("label_ids[0]", Uuid::new_v4().to_string()),
            ],
            "label_ids",
            "does not exist",
        ),
        (
            vec![
                ("content", "Hi".into()),
                ("account_ids[0]", acc.clone()),
                ("signature_id", Uuid::new_v4().to_string()),
            ],
            "signature_id",
            "does not exist",
        ),
    ];
    for (mut args, field, message) in cases {
        args.push(("slug", slug.clone()));
        args.push(("intent", "schedule".into()));
        let (status, err) = app.call_err::<c::SavePost>(&owner, &args).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        let got = err
            .message_for(field)
            .unwrap_or_else(|| panic!("no message for {field}: {err:?}"));
        assert!(got.contains(message), "{field}: {got}");
    }
    assert_eq!(app.count("SELECT count(*) FROM posts").await, 0);
    // A disconnected account cannot be chosen.
    app.call::<c::DisconnectAccount>(
        &owner,
        &[("slug", slug.clone()), ("account_id", acc.clone())],
    )
    .await;
    let (_, err) = app
        .call_err::<c::SavePost>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("content", "Hi".into()),
                ("account_ids[0]", acc),
                ("intent", "draft".into()),
            ],
        )
        .await;
    assert!(
        err.message_for("account_ids")
            .unwrap()
            .contains("disconnected"),
        "{err:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM posts").await, 0);
}

#[sqlx::test]
async fn client_approval_round_trip(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let (editor, _) = app.sign_up("Ed", "ed@example.test").await;
    app.add_member(&slug, "ed@example.test", "EDITOR").await;
    let (client, _) = app.sign_up("Cleo", "cleo@example.test").await;
    app.add_member(&slug, "cleo@example.test", "CLIENT").await;
    let (status, body) = app
        .call::<c::UpdatePublishingSettings>(
            &owner,
            &[
                ("slug", slug.as_str()),
                ("timezone", "Europe/Paris"),
                ("require_approval", "on"),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let post = schedule(&app, &editor, &slug, "Needs a yes", &[account]).await;
    assert_eq!(status_of(&app, post).await, "awaiting_approval");
    // The client's sidebar says something is waiting.
    let (_, page) = app.get(&client, &format!("/w/{slug}")).await;
    assert!(page.contains("1 waiting"), "a badge on Approvals");
    // Not published while it waits.
    sqlx::query("UPDATE posts SET scheduled_at = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(worker(&app).run_due().await.unwrap(), 0);
    // The editor cannot approve; the client can.
    let (status, _) = app
        .call::<c::ApprovePost>(
            &editor,
            &[("slug", slug.clone()), ("post_id", post.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call::<c::ApprovePost>(
            &client,
            &[("slug", slug.clone()), ("post_id", post.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(status_of(&app, post).await, "scheduled");
    // A second decision on the same post is refused.
    let (status, _) = app
        .call::<c::ApprovePost>(
            &client,
            &[("slug", slug.clone()), ("post_id", post.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Moving an approved post to another time keeps its approval (the client approved
    // its text, media and signature, not the hour).
    let later = (Utc::now() + Duration::minutes(45)).with_timezone(&chrono_tz::Europe::Paris);
    let (status, body) = app
        .call::<c::ReschedulePost>(
            &editor,
            &[
                ("slug", slug.clone()),
                ("post_id", post.to_string()),
                ("date", later.format("%Y-%m-%d").to_string()),
                ("time", later.format("%H:%M").to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(status_of(&app, post).await, "scheduled");
    assert_eq!(
        app.count("SELECT count(*) FROM posts WHERE approved_by IS NOT NULL")
            .await,
        1,
        "the approval went with the new time"
    );
    // Editing an approved post sends it back.
    let at = (Utc::now() + Duration::minutes(30)).with_timezone(&chrono_tz::Europe::Paris);
    let (date, time) = (
        at.format("%Y-%m-%d").to_string(),
        at.format("%H:%M").to_string(),
    );
    let (status, body) = app
        .call::<c::SavePost>(
            &editor,
            &[
                ("slug", slug.clone()),
                ("post_id", post.to_string()),
                ("content", "Needs a yes, v2".into()),
                ("account_ids[0]", account.to_string()),
                ("date", date),
                ("time", time),
                ("intent", "schedule".into()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(status_of(&app, post).await, "awaiting_approval");
    // Rejecting needs a comment, then goes back to draft with it.
    let (status, err) = app
        .call_err::<c::RejectPost>(
            &client,
            &[
                ("slug", slug.clone()),
                ("post_id", post.to_string()),
                ("comment", " ".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.message_for("comment").is_some());
    let (status, _) = app
        .call::<c::RejectPost>(
            &client,
            &[
                ("slug", slug.clone()),
                ("post_id", post.to_string()),
                ("comment", "Use the new logo".into()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (st, comment): (String, String) =
        sqlx::query_as("SELECT status, rejection_comment FROM posts WHERE id = $1")
            .bind(post)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(
        (st.as_str(), comment.as_str()),
        ("draft", "Use the new logo")
    );
    let (_, page) = app
        .get(&editor, &format!("/w/{slug}/posts/{post}/edit"))
        .await;
    assert!(
        page.contains("Use the new logo"),
        "the author sees the comment"
    );
    let decisions = app
        .count(
            "SELECT count(*) FROM activity_log WHERE action IN ('post.approved', 'post.rejected')",
        )
        .await;
    assert_eq!(decisions, 2, "every decision is in the activity log");

    // The database holds the rules even against hand-made statements.
    let client_session = app
        .session_digest("cleo@example.test", Duration::hours(1))
        .await;
    let ws = app.workspace_id(&slug).await.to_string();
    let mut tx = app
        .raw_tx(&[
            ("app.session", client_session),
            ("app.workspace_id", ws.clone()),
        ])
        .await;
    sqlx::query("UPDATE posts SET status = 'awaiting_approval' WHERE id = $1")
        .bind(post)
        .execute(&mut *tx)
        .await
        .unwrap(); // matches no policy for a client on a draft: no rows
    let edited = sqlx::query("UPDATE posts SET content = 'client edit' WHERE id = $1")
        .bind(post)
        .execute(&mut *tx)
        .await;
    assert!(
        edited.is_err() || edited.unwrap().rows_affected() == 0,
        "a client cannot edit"
    );
    drop(tx);
    let editor_session = app
        .session_digest("ed@example.test", Duration::hours(1))
        .await;
    let editor_id = app.user_id("ed@example.test").await;
    let mut tx = app
        .raw_tx(&[("app.session", editor_session), ("app.workspace_id", ws)])
        .await;
    let self_approved = sqlx::query("UPDATE posts SET status = 'scheduled', approved_by = $2, approved_at = now() WHERE id = $1")
        .bind(post)
        .bind(editor_id)
        .execute(&mut *tx)
        .await;
    assert!(self_approved.is_err(), "an editor cannot approve by hand");
    drop(tx);
    assert_eq!(status_of(&app, post).await, "draft");
    let _ = AppError::NotFound;
}

/// The real thing: a `postroom worker` process is killed (SIGKILL) while the
/// network has taken the post but not yet answered; a new worker process
/// finishes the job without posting twice.
#[sqlx::test]
async fn a_killed_worker_process_is_recovered_by_the_next_one(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    let key_for_app = key.clone();
    let db = opts.get_database().expect("a test database").to_string();
    let app = TestApp::spawn_with(pool_opts, opts, move |cfg| cfg.token_key = key_for_app).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let post = schedule(&app, &owner, &slug, "Slow network [slow]", &[account]).await;
    make_due(&app).await;
    let mut url = reqwest::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(&format!("/{db}"));
    let mut jobs_url = url.clone();
    jobs_url.set_username("postroom_jobs").unwrap();
    let log_path = std::env::temp_dir().join(format!("postroom-worker-{db}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let worker = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_postroom"))
            .arg("worker")
            // This test's database, whatever the environment says.
            .env_remove("POSTROOM_DATABASE_APP_URL")
            .env("DATABASE_URL", url.as_str())
            .env("POSTROOM_DATABASE_URL", url.as_str())
            .env("POSTROOM_DATABASE_JOBS_URL", jobs_url.as_str())
            .stderr(log.try_clone().unwrap())
            .env("POSTROOM_TOKEN_KEY", &key)
            .env("POSTROOM_PUBLIC_URL", &app.base)
            .env("POSTROOM_PUBLISH_POLL_MS", "100")
            .env("POSTROOM_MEDIA_STORE_URL", "memory:///")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start postroom worker")
    };
    let wait_for = |sql: &'static str, want: i64| {
        let (app, log_path) = (&app, log_path.clone());
        async move {
            // Generous: the whole suite runs beside it on two cores.
            for _ in 0..600 {
                if app.count(sql).await == want {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("timed out waiting for `{sql}` = {want}; worker log:\n{log}");
        }
    };
    let mut first = worker();
    // The network has the post; the worker waits for its answer — kill it now.
    wait_for("SELECT count(*) FROM sandbox_posts", 1).await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(status_of(&app, post).await, "publishing");
    // Its lease runs out (shortened here), and a new worker takes over.
    sqlx::query("UPDATE posts SET lease_until = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    let mut second = worker();
    wait_for("SELECT count(*) FROM posts WHERE status = 'published'", 1).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_posts").await,
        1,
        "published once"
    );
    let permalink: Option<String> =
        sqlx::query_scalar("SELECT permalink FROM post_targets WHERE post_id = $1")
            .bind(post)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert!(permalink.is_some());
    let _ = std::fs::remove_file(&log_path);
}

/// A post that went out to one account and waits to retry the other is still
/// editable, but editing it never sends it to the first account again: that target
/// keeps its key and result, removing that account is refused with the reason, and
/// a target a worker is sending right now is left alone (no error either).
#[sqlx::test]
async fn editing_a_partly_published_post_never_publishes_it_twice(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, first) = owner_with_account(&app).await;
    let second = connect_sandbox(&app, &owner, &slug, "acme_fr").await;
    let post = schedule(&app, &owner, &slug, "Launch day", &[first, second]).await;
    // The state after an attempt that reached `first` and must retry `second`.
    sqlx::query(
        "UPDATE post_targets SET status = 'published', attempt_key = gen_random_uuid(), \
                external_post_id = 'already-out', published_at = now() \
          WHERE post_id = $1 AND account_id = $2",
    )
    .bind(post)
    .bind(first)
    .execute(&app.admin)
    .await
    .unwrap();
    sqlx::query("UPDATE post_targets SET error = 'down for maintenance' WHERE post_id = $1 AND account_id = $2")
        .bind(post)
        .bind(second)
        .execute(&app.admin)
        .await
        .unwrap();
    let target = |account: Uuid| {
        let admin = app.admin.clone();
        async move {
            sqlx::query_as::<_, (String, Option<Uuid>, Option<String>)>(
                "SELECT status, attempt_key, external_post_id FROM post_targets WHERE post_id = $1 AND account_id = $2",
            )
            .bind(post)
            .bind(account)
            .fetch_one(&admin)
            .await
            .unwrap()
        }
    };
    let sent_before = target(first).await;
    let edit = |accounts: Vec<Uuid>, text: &'static str| {
        let mut args = vec![
            ("slug".to_string(), slug.clone()),
            ("post_id".to_string(), post.to_string()),
            ("content".to_string(), text.to_string()),
            ("date".to_string(), in_minutes(10).0),
            ("time".to_string(), in_minutes(10).1),
            ("intent".to_string(), "schedule".to_string()),
        ];
        for (i, id) in accounts.iter().enumerate() {
            args.push((format!("account_ids[{i}]"), id.to_string()));
        }
        let (app, owner) = (&app, &owner);
        async move { app.call::<c::SavePost>(owner, &args).await }
    };
    let (status, body) = edit(vec![first, second], "Launch day, now with details").await;
    assert!(status.is_success(), "{status}: {body}");
    assert_eq!(
        target(first).await,
        sent_before,
        "the sent target was touched"
    );
    assert_eq!(target(second).await.0, "pending");
    // Taking the account it went out to off the post: refused, nothing changes.
    let (status, body) = edit(vec![second], "Only the second").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("already went out to @acme_main"), "{body}");
    assert_eq!(target(first).await, sent_before);
    // A worker is sending to `second` right now: the edit leaves that target be.
    sqlx::query("UPDATE post_targets SET status = 'processing', attempt_key = gen_random_uuid() WHERE post_id = $1 AND account_id = $2")
        .bind(post)
        .bind(second)
        .execute(&app.admin)
        .await
        .unwrap();
    let sending = target(second).await;
    let (status, body) = edit(vec![first, second], "Edited while sending").await;
    assert!(status.is_success(), "{status}: {body}");
    assert_eq!(target(second).await, sending);
    // Published by the worker: only `second` gets it, once.
    sqlx::query("UPDATE post_targets SET status = 'pending', attempt_key = NULL WHERE post_id = $1 AND account_id = $2")
        .bind(post)
        .bind(second)
        .execute(&app.admin)
        .await
        .unwrap();
    make_due(&app).await;
    assert_eq!(worker(&app).run_due().await.unwrap(), 1);
    assert_eq!(status_of(&app, post).await, "published");
    assert_eq!(target(first).await, sent_before);
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_posts p JOIN sandbox_users u USING (external_id) WHERE u.handle = 'acme_main'").await,
        0,
        "published again to the account it already went out to"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM sandbox_posts p JOIN sandbox_users u USING (external_id) WHERE u.handle = 'acme_fr'").await,
        1
    );
}

/// A worker whose lease ran out while it was publishing records nothing: the worker
/// that took the post over (with the same idempotency key) records the outcome, and
/// the network got the post once.
#[sqlx::test]
async fn a_worker_that_lost_its_lease_records_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug, account) = owner_with_account(&app).await;
    let post = schedule(&app, &owner, &slug, "Slow network day", &[account]).await;
    make_due(&app).await;
    let (slow, fast) = (worker(&app), worker(&app));
    let stale = slow.claim().await.unwrap().expect("a due post");
    sqlx::query("UPDATE posts SET lease_until = now() - interval '1 second' WHERE id = $1")
        .bind(post)
        .execute(&app.admin)
        .await
        .unwrap();
    let current = fast.claim().await.unwrap().expect("taken over");
    assert_eq!(current.post_id, post);
    // The slow worker finally gets its answer and tries to record it.
    slow.publish_claimed(stale).await.unwrap();
    let (status, key): (String, Uuid) =
        sqlx::query_as("SELECT status, attempt_key FROM post_targets WHERE post_id = $1")
            .bind(post)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(
        status, "processing",
        "a worker without the lease recorded a result"
    );
    assert_eq!(key, current.targets[0].attempt_key);
    assert_eq!(status_of(&app, post).await, "publishing");
    // The current holder looks the key up, finds the post, and settles it.
    fast.publish_claimed(current).await.unwrap();
    assert_eq!(status_of(&app, post).await, "published");
    assert_eq!(app.count("SELECT count(*) FROM sandbox_posts").await, 1);
}
