//! Bad input never answers 500: control characters are field errors,
//! unreadable or oversized bodies get a generic 400/413, pages answer with
//! their error's status, and `?next=` never leaves the site.
use crate::common::{location, TestApp};
use leptos::server_fn::ServerFn;
use postroom::api::auth::{LogIn, SignUp};
use postroom::api::workspaces::{CreateWorkspace, UpdateBrand, UpdateWorkspace};
use postroom::model::AppError;
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const GOOD: &str = "correct horse battery";

/// Posts a raw body, as a browser form or a hand-made request would.
async fn post_raw(app: &TestApp, client: &Client, path: &str, body: Vec<u8>) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.base))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn encode(args: &[(&str, String)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(args)
        .finish()
        .into_bytes()
}

async fn field_error(res: reqwest::Response, field: &str) -> String {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
    let err: AppError = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}"));
    err.message_for(field)
        .unwrap_or_else(|| panic!("no error for {field}: {err:?}"))
}

/// Each form with a NUL put into each of its fields in turn, both
/// percent-encoded (what browsers send) and as a raw byte.
async fn each_field_refuses_nul(
    app: &TestApp,
    client: &Client,
    path: &str,
    args: &[(&str, String)],
) {
    for (i, (field, _)) in args.iter().enumerate() {
        let mut bad = args.to_vec();
        bad[i].1.push_str("\0x");
        let res = post_raw(app, client, path, encode(&bad)).await;
        let message = field_error(res, field).await;
        assert!(
            message.contains("control characters"),
            "{path} {field}: {message}"
        );
        let raw = String::from_utf8(encode(&bad))
            .unwrap()
            .replace("%00", "\0");
        let raw = raw.into_bytes();
        field_error(post_raw(app, client, path, raw).await, field).await;
    }
}

#[sqlx::test]
async fn nul_in_any_form_field_is_a_field_error(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let s = |v: &str| v.to_string();
    let anon = app.client();
    each_field_refuses_nul(
        &app,
        &anon,
        SignUp::PATH,
        &[
            ("name", s("Zed")),
            ("email", s("zed@example.test")),
            ("password", s(GOOD)),
            ("next", s("/")),
        ],
    )
    .await;
    each_field_refuses_nul(
        &app,
        &anon,
        LogIn::PATH,
        &[("email", s("alice@example.test")), ("password", s(GOOD))],
    )
    .await;
    each_field_refuses_nul(&app, &alice, CreateWorkspace::PATH, &[("name", s("Dune"))]).await;
    each_field_refuses_nul(
        &app,
        &alice,
        UpdateWorkspace::PATH,
        &[
            ("slug", slug.clone()),
            ("name", s("Acme")),
            ("new_slug", slug.clone()),
            ("logo_url", s("https://cdn.example/logo.png")),
            ("primary_color", s("#0ea5e9")),
            ("default_language", s("en")),
        ],
    )
    .await;
    each_field_refuses_nul(
        &app,
        &alice,
        UpdateBrand::PATH,
        &[
            ("slug", slug.clone()),
            ("website", s("https://acme.example")),
            ("description", s("Coffee")),
            ("tone", s("Warm")),
            ("voice_notes", s("Short")),
            ("primary_color", s("#111111")),
            ("background_color", s("#ffffff")),
            ("text_color", s("#000000")),
            ("font", s("Inter")),
            ("content_language", s("en")),
        ],
    )
    .await;
    // Nothing was created or changed.
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM workspaces").await, 2);
    assert_eq!(
        app.count("SELECT count(*) FROM workspaces WHERE name = 'Acme'")
            .await,
        1
    );
}

#[sqlx::test]
async fn the_validators_refuse_line_breaks_in_one_line_fields(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    // Line breaks and tabs pass the edge (descriptions have them); the
    // per-field rules refuse them where they do not belong.
    let res = post_raw(
        &app,
        &alice,
        CreateWorkspace::PATH,
        encode(&[("name", "Ac\nme".into())]),
    )
    .await;
    assert_eq!(
        field_error(res, "name").await,
        "Name must not contain control characters."
    );
    let res = post_raw(
        &app,
        &app.client(),
        SignUp::PATH,
        encode(&[
            ("name", "Zed\tZ".into()),
            ("email", "zed@exam\nple.test".into()),
            ("password", format!("{GOOD}\t")),
        ]),
    )
    .await;
    let err: AppError = res.json().await.unwrap();
    assert!(err.message_for("name").is_some(), "{err:?}");
    assert!(err.message_for("email").is_some(), "{err:?}");
    assert!(err.message_for("password").is_some(), "{err:?}");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
}

#[sqlx::test]
async fn unreadable_and_oversized_bodies_get_a_generic_answer(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let generic = "The request could not be read.";
    for body in [
        b"name=Ac\xffme".to_vec(),
        b"\xfe\xff\x00n\x00a".to_vec(),
        b"name=%FF%FE".to_vec(),
        b"name=%E2%82".to_vec(),
        b"name=100%".to_vec(),
    ] {
        let res = post_raw(&app, &alice, CreateWorkspace::PATH, body.clone()).await;
        assert_eq!(field_error(res, "form").await, generic, "{body:?}");
    }
    // Not a form at all: the function's own decoder refuses it, generically.
    let res = alice
        .post(format!("{}{}", app.base, CreateWorkspace::PATH))
        .header("content-type", "application/json")
        .body(r#"{"name": ["not", "a", "string"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(
        !body.to_lowercase().contains("serde") && !body.contains("expected"),
        "{body}"
    );

    let big = format!("name={}", "a".repeat(1 << 20)).into_bytes();
    for path in [CreateWorkspace::PATH, LogIn::PATH] {
        let res = post_raw(&app, &alice, path, big.clone()).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let err: AppError = res.json().await.unwrap();
        assert_eq!(
            err.message_for("form").as_deref(),
            Some("The request is too large.")
        );
    }
    // Just under the limit is read (and refused by the name rule, not the edge).
    let res = post_raw(
        &app,
        &alice,
        CreateWorkspace::PATH,
        format!("name={}", "a".repeat(60_000)).into_bytes(),
    )
    .await;
    assert!(field_error(res, "name").await.contains("at most"));
    assert_eq!(app.count("SELECT count(*) FROM workspaces").await, 1);
}

#[sqlx::test]
async fn pages_answer_with_their_errors_status(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, slug) = app.sign_up("Alice", "alice@example.test").await;
    let (viewer, _) = app.sign_up("Vic", "vic@example.test").await;
    app.add_member(&slug, "vic@example.test", "VIEWER").await;
    let (status, html) = app.get(&viewer, &format!("/w/{slug}/settings")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    let (status, _) = app.get(&alice, "/w/no-such-workspace").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A control character in a page URL is refused before it reaches a query: in
    // the path it names no page (404), in the query it is bad input (400).
    for (path, expected) in [
        (format!("/w/{slug}%00"), StatusCode::NOT_FOUND),
        ("/w/%00".into(), StatusCode::NOT_FOUND),
        (
            format!("/w/{slug}/activity?page=%0A"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, _) = app.get(&alice, &path).await;
        assert_eq!(status, expected, "{path}");
    }
}

#[sqlx::test]
async fn next_never_leaves_the_site(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (_, slug) = app.sign_up("Alice", "alice@example.test").await;
    let landing = format!("/w/{slug}");
    let log_in = |next: &str| {
        app.client()
            .post(format!("{}{}", app.base, LogIn::PATH))
            .header("accept", "application/json")
            .form(&[
                ("email", "alice@example.test"),
                ("password", GOOD),
                ("next", next),
            ])
            .send()
    };
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https://evil.example",
        "/%2F%2Fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
    ] {
        let res = log_in(evil).await.unwrap();
        assert_eq!(
            location(&res).as_deref(),
            Some(landing.as_str()),
            "{evil:?}"
        );
    }
    let res = log_in(&format!("/w/{slug}/settings?tab=team"))
        .await
        .unwrap();
    assert_eq!(location(&res), Some(format!("/w/{slug}/settings?tab=team")));
}

/// A NUL in a path segment names no workspace (404, not 500), and dates outside years
/// 1–9999 in a query or a form are a clear 400 naming the field (chrono would read
/// `+262143-12-31`, and a week or a month on from it overflows).
#[sqlx::test]
async fn nul_paths_and_far_dates_are_refused_clearly(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (client, slug) = app.sign_up("Alice", "alice@example.test").await;
    for path in [
        "/w/%00/media",
        "/w/%00/accounts/connect/sandbox",
        "/w/%00",
        "/w/%00/posts",
        "/w/a%00b/media",
    ] {
        let (status, _body) = app.get(&client, path).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "GET {path}: {}",
            &_body[.._body.len().min(3000)]
        );
    }
    for path in ["/w/%00/ai/draft", "/w/%00/media"] {
        let res = client
            .post(format!("{}{path}", app.base))
            .header("origin", &app.base)
            .form(&[("prompt", "hello")])
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                res.status(),
                StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST
            ),
            "POST {path}: {}",
            res.status()
        );
    }
    for far in ["+262143-12-31", "262142-12-31", "0000-01-01"] {
        for path in [
            format!("/w/{slug}?date={far}"),
            format!("/w/{slug}?view=month&date={far}"),
            format!("/w/{slug}/posts?to={far}"),
            format!("/w/{slug}/posts?from={far}"),
        ] {
            let (status, body) = app.get(&client, &path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}");
            assert!(body.contains("YYYY-MM-DD"), "GET {path}: the page says why");
        }
    }
    // The last day there is still works, a week and a month on included.
    for path in [
        format!("/w/{slug}?date=9999-12-31"),
        format!("/w/{slug}?view=month&date=9999-12-31"),
        format!("/w/{slug}?date=0001-01-01"),
    ] {
        let (status, _) = app.get(&client, &path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
    }
    let res = post_raw(
        &app,
        &client,
        postroom::api::content::SavePost::PATH,
        encode(&[
            ("slug", slug.clone()),
            ("content", "Far future".into()),
            ("date", "+262143-12-31".into()),
            ("time", "10:00".into()),
            ("intent", "draft".into()),
        ]),
    )
    .await;
    let message = field_error(res, "date").await;
    assert!(message.contains("YYYY-MM-DD"), "{message}");
    assert_eq!(app.count("SELECT count(*) FROM posts").await, 0);
}
