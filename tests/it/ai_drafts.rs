//! "Draft with AI" against a real HTTP server started here that speaks the
//! OpenAI chat-completions API (streamed or not): the brand profile reaches
//! the prompt, credits are debited exactly once, an exhausted pool is refused
//! before the endpoint is called, concurrent drafts cannot overshoot, and
//! nobody drafts (or spends) in a workspace that is not theirs.
use crate::common::{location, TestApp};
use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, StatusCode as AxStatus},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use leptos::server_fn::ServerFn;
use postroom::api::content as c;
use postroom::model::{AiDraft, AppError};
use postroom::server::config::{BillingMode, Config};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
enum Mode {
    /// Server-sent events: these pieces (one every `delay`), then the usage.
    Stream {
        pieces: Vec<&'static str>,
        usage: Option<(u32, u32)>,
        delay: Duration,
    },
    /// One JSON body, as a server that does not stream answers.
    Json {
        text: &'static str,
        usage: (u32, u32),
    },
    Fail(u16),
}

#[derive(Clone)]
struct Fake {
    calls: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<(Option<String>, Value)>>>,
    mode: Mode,
}

impl Fake {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn last_request(&self) -> (Option<String>, Value) {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("no request")
    }
}

async fn completions(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    fake.calls.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    fake.requests.lock().unwrap().push((auth, body));
    match fake.mode.clone() {
        Mode::Fail(code) => (
            AxStatus::from_u16(code).unwrap(),
            Json(json!({"error": {"message": "model exploded"}})),
        )
            .into_response(),
        Mode::Json { text, usage } => Json(json!({
            "id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1},
        }))
        .into_response(),
        Mode::Stream {
            pieces,
            usage,
            delay,
        } => {
            let mut events: Vec<String> = pieces
                .iter()
                .map(|p| {
                    let chunk = json!({"object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
                    format!("data: {chunk}\n\n")
                })
                .collect();
            if let Some((p, c)) = usage {
                let chunk = json!({"object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}});
                events.push(format!("data: {chunk}\n\n"));
            }
            events.push("data: [DONE]\n\n".into());
            let stream = futures::stream::unfold(events.into_iter(), move |mut it| async move {
                let next = it.next()?;
                tokio::time::sleep(delay).await;
                Some((Ok::<_, std::io::Error>(next), it))
            });
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}

/// The fake endpoint on a random port; its base URL (`…/v1`).
async fn fake_endpoint(mode: Mode) -> (String, Fake) {
    let fake = Fake {
        calls: Arc::default(),
        requests: Arc::default(),
        mode,
    };
    let router = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/v1"), fake)
}

fn streaming(usage: (u32, u32)) -> Mode {
    Mode::Stream {
        pieces: vec!["Spring ", "is ", "here ", "at Rosa's."],
        usage: Some(usage),
        delay: Duration::ZERO,
    }
}

fn configure(cfg: &mut Config, url: &str, billing: BillingMode) {
    cfg.ai_url = url.to_string();
    cfg.ai_model = "test-model".into();
    cfg.ai_key = "sk-test".into();
    cfg.billing_mode = billing;
}

async fn app_with(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
    mode: Mode,
    billing: BillingMode,
) -> (TestApp, Fake) {
    let (url, fake) = fake_endpoint(mode).await;
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| configure(cfg, &url, billing)).await;
    (app, fake)
}

/// Posts the composer's streaming form; the status and the decoded events.
async fn stream_draft(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    brief: &str,
) -> (StatusCode, Vec<Value>) {
    let res = client
        .post(format!("{}/w/{slug}/ai/draft", app.base))
        .header("accept", "text/event-stream")
        .form(&[("brief", brief)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    if !status.is_success() {
        return (status, vec![serde_json::from_str(&body).unwrap()]);
    }
    let events = body
        .split("\n\n")
        .filter_map(|block| {
            let data: Vec<&str> = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            (!data.is_empty()).then(|| serde_json::from_str(&data.join("\n")).unwrap())
        })
        .collect();
    (status, events)
}

async fn ledger(app: &TestApp, slug: &str) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT l.status, l.credits FROM ai_credit_ledger l JOIN workspaces w ON w.id = l.workspace_id \
          WHERE w.slug = $1 ORDER BY l.created_at",
    )
    .bind(slug)
    .fetch_all(&app.admin)
    .await
    .unwrap()
}

async fn meter(app: &TestApp, slug: &str) -> i32 {
    sqlx::query_scalar(
        "SELECT coalesce((SELECT u.ai_credits_in_cycle FROM workspace_usage u JOIN workspaces w ON w.id = u.workspace_id WHERE w.slug = $1), 0)",
    )
    .bind(slug)
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

async fn set_ai_credits(app: &TestApp, plan: &str, credits: i32) {
    crate::limits::set_limit(app, plan, "ai_credits_monthly", credits).await
}

#[sqlx::test]
async fn a_draft_streams_from_the_brand_profile_and_spends_its_credits_once(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (app, fake) = app_with(pool_opts, opts, streaming((900, 300)), BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let (status, body) = app
        .call::<postroom::api::workspaces::UpdateBrand>(
            &owner,
            &[
                ("slug", slug.as_str()),
                ("website", "https://rosas.example"),
                ("description", "A family trattoria in Leeds"),
                ("tone", "Warm and cheeky"),
                ("voice_notes", "Never use exclamation marks"),
                ("content_language", "it"),
                ("primary_color", ""),
                ("background_color", ""),
                ("text_color", ""),
                ("font", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, events) =
        stream_draft(&app, &owner, &slug, "Our spring menu launches Friday").await;
    assert_eq!(status, StatusCode::OK, "{events:?}");
    let text: String = events.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(text, "Spring is here at Rosa's.");
    let last = events.last().unwrap();
    assert_eq!(last["done"], json!(true), "{events:?}");
    // 1,200 tokens → 2 credits.
    assert_eq!(last["credits"], json!(2));

    // What the endpoint was sent: the model, the key, a streamed request and
    // the brand profile with the brief.
    assert_eq!(fake.calls(), 1);
    let (auth, request) = fake.last_request();
    assert_eq!(auth.as_deref(), Some("Bearer sk-test"));
    assert_eq!(request["model"], json!("test-model"));
    assert_eq!(request["stream"], json!(true));
    let messages = request["messages"].as_array().unwrap();
    let system = messages[0]["content"].as_str().unwrap();
    for part in [
        "Italiano",
        "A family trattoria in Leeds",
        "Warm and cheeky",
        "Never use exclamation marks",
        "https://rosas.example",
    ] {
        assert!(system.contains(part), "the prompt lacks {part:?}: {system}");
    }
    assert_eq!(messages[0]["role"], json!("system"));
    assert!(messages[1]["content"]
        .as_str()
        .unwrap()
        .contains("Our spring menu launches Friday"));

    // Debited once: one settled row of 2 credits, and the meters agree.
    assert_eq!(ledger(&app, &slug).await, vec![("settled".to_string(), 2)]);
    assert_eq!(meter(&app, &slug).await, 2);
    let (status, body) = app
        .call::<c::Usage>(&owner, &[("slug", slug.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK);
    let usage: postroom::model::UsageView = serde_json::from_str(&body).unwrap();
    let ai = usage
        .meters
        .iter()
        .find(|m| m.label == "AI credits")
        .unwrap();
    assert_eq!(
        (ai.workspace, ai.pooled, ai.limit),
        (Some(2), 2, Some(1000))
    );
}

#[sqlx::test]
async fn the_server_function_drafts_whole_and_a_form_without_javascript_lands_in_the_composer(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // A server that does not stream: understood all the same.
    let mode = Mode::Json {
        text: "  Fresh pasta, every day.  ",
        usage: (100, 20),
    };
    let (app, fake) = app_with(pool_opts, opts, mode, BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let (status, body) = app
        .call::<c::DraftWithAi>(&owner, &[("slug", slug.as_str()), ("brief", "pasta")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let draft: AiDraft = serde_json::from_str(&body).unwrap();
    assert_eq!(draft.text, "Fresh pasta, every day.");
    assert_eq!(draft.credits, 1);

    // The plain form: posted from the composer, back to the composer with the text.
    let composer = format!("{}/w/{slug}/posts/new", app.base);
    let res = owner
        .post(format!("{}{}", app.base, c::DraftWithAi::PATH))
        .header("accept", "text/html")
        .header("referer", &composer)
        .form(&[("slug", slug.as_str()), ("brief", "pasta")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res).as_deref(),
        Some(format!("/w/{slug}/posts/new").as_str())
    );
    let (status, html) = app.get(&owner, &format!("/w/{slug}/posts/new")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(">Fresh pasta, every day.</textarea>"),
        "the composer does not hold the draft"
    );
    assert!(html.contains("1 credit spent"));
    assert_eq!(fake.calls(), 2);
    assert_eq!(meter(&app, &slug).await, 2);
}

#[sqlx::test]
async fn an_exhausted_pool_is_refused_before_the_endpoint_is_called(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (app, fake) = app_with(pool_opts, opts, streaming((1500, 400)), BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    // Pooled across the owner's workspaces: the second one shares the allowance.
    sqlx::query("UPDATE users SET plan = 'plus' WHERE email = 'rosa@example.com'")
        .execute(&app.admin)
        .await
        .unwrap();
    set_ai_credits(&app, "plus", 2).await;
    let other = app.create_workspace(&owner, "Second client").await;
    let (status, _) = stream_draft(&app, &owner, &other, "first").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meter(&app, &other).await, 2);

    let (status, body) = stream_draft(&app, &owner, &slug, "second").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body:?}");
    let detail: AppError = serde_json::from_value(body[0]["detail"].clone()).unwrap();
    match detail {
        AppError::PlanLimit {
            code,
            metric,
            limit,
            used,
            ..
        } => {
            assert_eq!(code, "AI_CREDITS_EXHAUSTED");
            assert_eq!(metric, "aiCredits");
            assert_eq!((limit, used), (2, 2));
        }
        other => panic!("not a plan limit: {other:?}"),
    }
    // The server function says the same.
    let (status, e) = app
        .call_err::<c::DraftWithAi>(&owner, &[("slug", slug.as_str()), ("brief", "again")])
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(matches!(e, AppError::PlanLimit { .. }), "{e:?}");
    assert_eq!(fake.calls(), 1, "the endpoint was called past the limit");
    assert_eq!(ledger(&app, &slug).await, vec![]);
}

#[sqlx::test]
async fn twenty_concurrent_drafts_with_five_credits_left_get_exactly_five(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (url, fake) = fake_endpoint(streaming((10, 5))).await;
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        configure(cfg, &url, BillingMode::Cloud);
        // This test is about the credit pool, not the per-person rate limit.
        cfg.ai_drafts_at_once = 100;
        cfg.ai_drafts_per_minute = 100;
    })
    .await;
    set_ai_credits(&app, "starter", 5).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let results = futures::future::join_all((0..20).map(|i| {
        let (app, owner, slug) = (&app, owner.clone(), slug.clone());
        async move {
            stream_draft(app, &owner, &slug, &format!("brief {i}"))
                .await
                .0
        }
    }))
    .await;
    let ok = results.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = results
        .iter()
        .filter(|s| **s == StatusCode::PAYMENT_REQUIRED)
        .count();
    assert_eq!((ok, refused), (5, 15), "{results:?}");
    assert_eq!(fake.calls(), 5);
    assert_eq!(meter(&app, &slug).await, 5);
}

#[sqlx::test]
async fn self_hosted_drafts_past_the_plan_and_still_counts(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (app, fake) = app_with(pool_opts, opts, streaming((10, 5)), BillingMode::SelfHosted).await;
    set_ai_credits(&app, "starter", 1).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    for _ in 0..3 {
        let (status, _) = stream_draft(&app, &owner, &slug, "anything").await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(fake.calls(), 3);
    assert_eq!(meter(&app, &slug).await, 3);
}

#[sqlx::test]
async fn refusals_change_nothing_and_an_endpoint_failure_costs_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (app, fake) = app_with(pool_opts, opts, Mode::Fail(500), BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let (mallory, theirs) = app.sign_up("Mallory", "mallory@example.com").await;
    let (client_user, _) = app.sign_up("Cleo", "cleo@example.com").await;
    app.add_member(&slug, "cleo@example.com", "CLIENT").await;

    // A brief is needed, and not a novel.
    let (status, body) = stream_draft(&app, &owner, &slug, "   ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body[0]["error"],
        json!("Say in a few words what the post is about.")
    );
    let (status, _) = stream_draft(&app, &owner, &slug, &"x".repeat(1001)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Another workspace is not found; a client may not draft; nobody signed out may.
    let (status, _) = stream_draft(&app, &mallory, &slug, "pwned").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stream_draft(&app, &client_user, &slug, "pwned").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = stream_draft(&app, &app.client(), &slug, "pwned").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(fake.calls(), 0);
    assert_eq!(ledger(&app, &slug).await, vec![]);
    assert_eq!(ledger(&app, &theirs).await, vec![]);

    // The endpoint fails: the person is told, and the reservation is released.
    let (status, events) = stream_draft(&app, &owner, &slug, "pasta").await;
    assert_eq!(status, StatusCode::OK);
    let last = events.last().unwrap();
    assert_eq!(
        last["error"],
        json!("The AI endpoint refused the request (HTTP 500). Check the model name and key.")
    );
    assert_eq!(fake.calls(), 1);
    assert_eq!(ledger(&app, &slug).await, vec![("failed".to_string(), 0)]);
    assert_eq!(meter(&app, &slug).await, 0);
}

#[sqlx::test]
async fn without_an_endpoint_the_composer_says_how_to_set_one_up(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let (status, body) = stream_draft(&app, &owner, &slug, "pasta").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body[0]["error"], json!(postroom::model::AI_NOT_SET_UP));
    let (_, html) = app.get(&owner, &format!("/w/{slug}/posts/new")).await;
    assert!(
        html.contains("POSTROOM_AI_URL"),
        "the composer does not explain"
    );
    assert_eq!(ledger(&app, &slug).await, vec![]);
}

#[sqlx::test]
async fn stopping_a_draft_settles_what_was_written(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let mode = Mode::Stream {
        pieces: vec!["word "; 200],
        usage: Some((50, 200)),
        delay: Duration::from_millis(20),
    };
    let (app, fake) = app_with(pool_opts, opts, mode, BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let mut res = owner
        .post(format!("{}/w/{slug}/ai/draft", app.base))
        .form(&[("brief", "long one")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let first = res.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("word"));
    drop(res); // "Stop"
    let mut settled = vec![];
    for _ in 0..100 {
        settled = ledger(&app, &slug).await;
        if settled.first().is_some_and(|(s, _)| s != "reserved") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Settled once, on an estimate of what was sent and written (the
    // endpoint's usage never came): at least the one credit a draft costs.
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, "settled");
    assert_eq!(settled[0].1, 1);
    assert_eq!(meter(&app, &slug).await, 1);
    assert_eq!(fake.calls(), 1);
}

#[sqlx::test]
async fn with_rust_checks_off_the_database_still_refuses_a_draft_elsewhere(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (url, fake) = fake_endpoint(streaming((10, 5))).await;
    let app = TestApp::spawn_forged_with(pool_opts, opts, |cfg| {
        configure(cfg, &url, BillingMode::Cloud)
    })
    .await;
    let (mallory, _) = app.sign_up("Mallory", "mallory@example.com").await;
    let (_, theirs) = app.sign_up("Rosa", "rosa@example.com").await;
    let (status, body) = stream_draft(&app, &mallory, &theirs, "spend their credits").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body:?}");
    let (status, _) = app
        .call::<c::DraftWithAi>(&mallory, &[("slug", theirs.as_str()), ("brief", "again")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(fake.calls(), 0);
    assert_eq!(ledger(&app, &theirs).await, vec![]);
    assert_eq!(meter(&app, &theirs).await, 0);
}

/// One editor cannot run unlimited drafts on the operator's endpoint, in self-hosted
/// mode too: a few at once (429 with Retry-After beyond), and a minute's allowance.
/// Someone else is not held up by them.
#[sqlx::test]
async fn one_person_runs_only_a_few_drafts_at_once(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let mode = Mode::Stream {
        pieces: vec!["word "; 50],
        usage: Some((10, 50)),
        delay: Duration::from_millis(40),
    };
    let (url, fake) = fake_endpoint(mode).await;
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        configure(cfg, &url, BillingMode::SelfHosted);
        cfg.ai_drafts_at_once = 2;
        cfg.ai_drafts_per_minute = 3;
    })
    .await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let (editor, _) = app.sign_up("Ed", "ed@example.com").await;
    app.add_member(&slug, "ed@example.com", "EDITOR").await;
    let start = |client: &reqwest::Client| {
        client
            .post(format!("{}/w/{slug}/ai/draft", app.base))
            .form(&[("brief", "long one")])
            .send()
    };
    let (a, b) = (start(&owner).await.unwrap(), start(&owner).await.unwrap());
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let third = start(&owner).await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    // Another person drafts meanwhile.
    let other = start(&editor).await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    // When the first two finish, the third start of the minute is allowed, the
    // fourth is not.
    let (_, _) = (a.text().await.unwrap(), b.text().await.unwrap());
    let mut again = start(&owner).await.unwrap();
    for _ in 0..50 {
        if again.status() == StatusCode::OK {
            break;
        }
        // The slots are freed as the drafts settle, a moment after their last event.
        tokio::time::sleep(Duration::from_millis(20)).await;
        again = start(&owner).await.unwrap();
    }
    assert_eq!(again.status(), StatusCode::OK);
    let _ = again.text().await.unwrap();
    let _ = other.text().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fourth = start(&owner).await.unwrap();
    assert_eq!(
        fourth.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "past the minute's allowance"
    );
    assert_eq!(fake.calls(), 4);
}

/// A draft whose author logs out while it is being written is still paid for: the
/// text was delivered, and settling needs the reservation's token, not the session.
#[sqlx::test]
async fn a_draft_is_settled_even_when_its_session_ends_midway(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let mode = Mode::Stream {
        pieces: vec!["word "; 30],
        usage: Some((40, 30)),
        delay: Duration::from_millis(20),
    };
    let (app, _fake) = app_with(pool_opts, opts, mode, BillingMode::Cloud).await;
    let (owner, slug) = app.sign_up("Rosa", "rosa@example.com").await;
    let mut res = owner
        .post(format!("{}/w/{slug}/ai/draft", app.base))
        .form(&[("brief", "long one")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let first = res.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("word"));
    // Every session of hers ends while the model is still writing.
    sqlx::query("DELETE FROM sessions")
        .execute(&app.admin)
        .await
        .unwrap();
    let rest = res.text().await.unwrap();
    assert!(rest.contains("\"done\":true"), "{rest}");
    let settled = ledger(&app, &slug).await;
    assert_eq!(settled, vec![("settled".to_string(), 1)]);
    assert_eq!(
        app.count("SELECT count(*) FROM ai_credit_ledger WHERE prompt_tokens = 40 AND completion_tokens = 30")
            .await,
        1,
        "settled with the endpoint's own count"
    );
}
