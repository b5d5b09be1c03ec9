//! Content: the tenancy matrix for every content server function (another
//! workspace → 404, nothing changed; also with the Rust checks switched
//! off; another workspace's object ids inside your own → 404), the role
//! table, and the composer's rules.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::content as c;
use postroom::model::{AppError, Permission, Role};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

/// One of each content object in a workspace, made directly in the database.
#[derive(Clone, Copy, Debug)]
pub struct Content {
    pub label: Uuid,
    pub signature: Uuid,
    pub account: Uuid,
    pub post: Uuid,
    pub media: Uuid,
}

pub async fn seed_content(app: &TestApp, slug: &str, status: &str) -> Content {
    let ws = app.workspace_id(slug).await;
    let owner: Uuid = sqlx::query_scalar("SELECT owner_id FROM workspaces WHERE id = $1")
        .bind(ws)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let ids = Content {
        label: Uuid::new_v4(),
        signature: Uuid::new_v4(),
        account: Uuid::new_v4(),
        post: Uuid::new_v4(),
        media: Uuid::new_v4(),
    };
    let ext = format!("{}", ids.account.as_u128() % 1_000_000_000);
    for sql in [
        "INSERT INTO labels (workspace_id, id, name, color) VALUES ($1, $2, 'Secret campaign', '#123456')",
        "INSERT INTO signatures (workspace_id, id, name, body, is_default) VALUES ($1, $3, 'Secret sig', 'Secret sign-off', true)",
    ] {
        sqlx::query(sql)
            .bind(ws)
            .bind(ids.label)
            .bind(ids.signature)
            .execute(&app.admin)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name, connected_by) \
         VALUES ($1, $2, 'sandbox', $3, 'secrethandle', 'Secret Brand', $4)",
    )
    .bind(ws)
    .bind(ids.account)
    .bind(&ext)
    .bind(owner)
    .execute(&app.admin)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, signature_id, created_by) \
         VALUES ($1, $2, 'Secret launch post', $3, now() + interval '2 days', $4, $5)",
    )
    .bind(ws)
    .bind(ids.post)
    .bind(status)
    .bind(ids.signature)
    .bind(owner)
    .execute(&app.admin)
    .await
    .unwrap();
    sqlx::query("INSERT INTO post_targets (workspace_id, post_id, account_id) VALUES ($1, $2, $3)")
        .bind(ws)
        .bind(ids.post)
        .bind(ids.account)
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO media (workspace_id, id, kind, content_type, byte_size, width, height, original_name, uploaded_by) \
         VALUES ($1, $2, 'image', 'image/png', 100, 10, 10, 'secret-photo.png', $3)",
    )
    .bind(ws)
    .bind(ids.media)
    .bind(owner)
    .execute(&app.admin)
    .await
    .unwrap();
    sqlx::query("INSERT INTO post_media (workspace_id, post_id, media_id) VALUES ($1, $2, $3)")
        .bind(ws)
        .bind(ids.post)
        .bind(ids.media)
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("INSERT INTO post_labels (workspace_id, post_id, label_id) VALUES ($1, $2, $3)")
        .bind(ws)
        .bind(ids.post)
        .bind(ids.label)
        .execute(&app.admin)
        .await
        .unwrap();
    ids
}

/// Everything content-related about a workspace that an attack could change.
pub async fn content_fingerprint(app: &TestApp, slug: &str) -> String {
    #[allow(clippy::type_complexity)]
    let row: (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        bool,
        Option<String>,
        Option<String>,
    ) =
        sqlx::query_as(
            "SELECT \
               (SELECT string_agg(id || name || color, ',' ORDER BY id) FROM labels l WHERE l.workspace_id = w.id), \
               (SELECT string_agg(id || name || body || is_default, ',' ORDER BY id) FROM signatures s WHERE s.workspace_id = w.id), \
               (SELECT string_agg(id || status || handle || coalesce(encode(access_token_enc, 'hex'), ''), ',' ORDER BY id) \
                  FROM social_accounts a WHERE a.workspace_id = w.id), \
               (SELECT string_agg(id || status || content || coalesce(scheduled_at::text, '') || coalesce(approved_by::text, '') \
                                  || coalesce(rejection_comment, ''), ',' ORDER BY id) FROM posts p WHERE p.workspace_id = w.id), \
               (SELECT string_agg(post_id || ':' || account_id || status, ',' ORDER BY post_id, account_id) \
                  FROM post_targets t WHERE t.workspace_id = w.id), \
               w.timezone, w.require_approval, \
               (SELECT string_agg(id || original_name, ',' ORDER BY id) FROM media m WHERE m.workspace_id = w.id), \
               (SELECT string_agg(post_id || ':' || media_id, ',' ORDER BY post_id, media_id) FROM post_media pm WHERE pm.workspace_id = w.id) \
             FROM workspaces w WHERE w.slug = $1",
        )
        .bind(slug)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    format!("{row:?}")
}

/// Each content server function aimed at `slug` and the objects `c`.
pub fn content_attacks(
    slug: &str,
    o: &Content,
) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let s = || ("slug", slug.to_string());
    let post = || ("post_id", o.post.to_string());
    vec![
        (c::SocialAccounts::PATH, vec![s()]),
        (
            c::DisconnectAccount::PATH,
            vec![s(), ("account_id", o.account.to_string())],
        ),
        (c::LabelsAndSignatures::PATH, vec![s()]),
        (
            c::CreateLabel::PATH,
            vec![s(), ("name", "Pwned".into()), ("color", "#000000".into())],
        ),
        (
            c::UpdateLabel::PATH,
            vec![
                s(),
                ("label_id", o.label.to_string()),
                ("name", "Pwned".into()),
                ("color", "#000000".into()),
            ],
        ),
        (
            c::DeleteLabel::PATH,
            vec![s(), ("label_id", o.label.to_string())],
        ),
        (
            c::CreateSignature::PATH,
            vec![
                s(),
                ("name", "Pwned".into()),
                ("body", "pwned".into()),
                ("is_default", "on".into()),
            ],
        ),
        (
            c::UpdateSignature::PATH,
            vec![
                s(),
                ("signature_id", o.signature.to_string()),
                ("name", "Pwned".into()),
                ("body", "pwned".into()),
            ],
        ),
        (
            c::DeleteSignature::PATH,
            vec![s(), ("signature_id", o.signature.to_string())],
        ),
        (c::Composer::PATH, vec![s(), post()]),
        (
            c::SavePost::PATH,
            vec![
                s(),
                post(),
                ("content", "Pwned".into()),
                ("account_ids[0]", o.account.to_string()),
                ("label_ids[0]", o.label.to_string()),
                ("signature_id", o.signature.to_string()),
                ("intent", "draft".into()),
            ],
        ),
        (c::PostDetail::PATH, vec![s(), post()]),
        (c::DeletePost::PATH, vec![s(), post()]),
        (c::DuplicatePost::PATH, vec![s(), post()]),
        (
            c::ReschedulePost::PATH,
            vec![
                s(),
                post(),
                ("date", "2031-01-01".into()),
                ("time", "10:00".into()),
            ],
        ),
        (c::ApprovePost::PATH, vec![s(), post()]),
        (
            c::RejectPost::PATH,
            vec![s(), post(), ("comment", "pwned".into())],
        ),
        (c::ApprovalQueue::PATH, vec![s()]),
        (c::MediaLibrary::PATH, vec![s()]),
        (c::Usage::PATH, vec![s()]),
        (
            c::DeleteMedia::PATH,
            vec![s(), ("media_id", o.media.to_string())],
        ),
        (c::LoadCalendar::PATH, vec![s()]),
        (c::ListPosts::PATH, vec![s()]),
        (c::DraftWithAi::PATH, vec![s(), ("brief", "Pwned".into())]),
        (c::PublishingSettings::PATH, vec![s()]),
        (
            c::UpdatePublishingSettings::PATH,
            vec![
                s(),
                ("timezone", "Asia/Tokyo".into()),
                ("require_approval", "on".into()),
            ],
        ),
    ]
}

/// The permission each content server function needs (SPEC §1).
pub fn required(path: &str) -> Permission {
    let table: &[(&str, Permission)] = &[
        (c::SocialAccounts::PATH, Permission::ViewContent),
        (c::DisconnectAccount::PATH, Permission::ManageAccounts),
        (c::LabelsAndSignatures::PATH, Permission::ViewContent),
        (c::CreateLabel::PATH, Permission::ManageLabels),
        (c::UpdateLabel::PATH, Permission::ManageLabels),
        (c::DeleteLabel::PATH, Permission::ManageLabels),
        (c::CreateSignature::PATH, Permission::ManageLabels),
        (c::UpdateSignature::PATH, Permission::ManageLabels),
        (c::DeleteSignature::PATH, Permission::ManageLabels),
        (c::Composer::PATH, Permission::ViewContent),
        (c::SavePost::PATH, Permission::EditPosts),
        (c::PostDetail::PATH, Permission::ViewContent),
        (c::DeletePost::PATH, Permission::EditPosts),
        (c::DuplicatePost::PATH, Permission::EditPosts),
        (c::ReschedulePost::PATH, Permission::EditPosts),
        (c::ApprovePost::PATH, Permission::ApprovePosts),
        (c::RejectPost::PATH, Permission::ApprovePosts),
        (c::ApprovalQueue::PATH, Permission::ViewContent),
        (c::MediaLibrary::PATH, Permission::ViewContent),
        (c::Usage::PATH, Permission::ViewUsage),
        (c::DeleteMedia::PATH, Permission::EditPosts),
        (c::LoadCalendar::PATH, Permission::ViewContent),
        (c::DraftWithAi::PATH, Permission::EditPosts),
        (c::ListPosts::PATH, Permission::ViewContent),
        (c::PublishingSettings::PATH, Permission::EditSettings),
        (c::UpdatePublishingSettings::PATH, Permission::EditSettings),
    ];
    table
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, perm)| *perm)
        .unwrap_or_else(|| panic!("{path} has no required permission in this table"))
}

const PAGES: &[&str] = &[
    "/calendar",
    "/calendar?view=week",
    "/posts",
    "/posts?status=scheduled",
    "/posts/new",
    "/accounts",
    "/labels",
    "/approvals",
    "/media",
    "/usage",
    "/settings/publishing",
];

/// What of B's content a response must never carry.
const SECRETS: &[&str] = &[
    "Secret campaign",
    "Secret sign-off",
    "secrethandle",
    "Secret launch post",
    "Secret Brand",
];

async fn two_tenants(app: &TestApp) -> (reqwest::Client, String, reqwest::Client, String, Content) {
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let a = app.create_workspace(&alice, "Alpha Co").await;
    let b = app.create_workspace(&bob, "Beta Co").await;
    let content = seed_content(app, &b, "awaiting_approval").await;
    (alice, a, bob, b, content)
}

#[sqlx::test]
async fn another_workspaces_content_answers_404_and_changes_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _a, _bob, b, content) = two_tenants(&app).await;
    let before = content_fingerprint(&app, &b).await;
    for (path, args) in content_attacks(&b, &content) {
        let (status, body) = app.call_path(&alice, path, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        let err: AppError = serde_json::from_str(&body).unwrap();
        assert_eq!(err, AppError::NotFound, "{path}");
        assert_eq!(
            content_fingerprint(&app, &b).await,
            before,
            "{path} changed B"
        );
    }
    for page in PAGES.iter().copied().chain([
        format!("/posts/{}", content.post).as_str(),
        format!("/posts/{}/edit", content.post).as_str(),
    ]) {
        let (status, body) = app.get(&alice, &format!("/w/{b}{page}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "/w/{b}{page}");
        for secret in SECRETS {
            assert!(!body.contains(secret), "/w/{b}{page} leaked {secret}");
        }
    }
    // Starting a connection in B is refused too.
    let res = alice
        .get(format!("{}/w/{b}/accounts/connect/sandbox", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let anon = app.client();
    for (path, args) in content_attacks(&b, &content) {
        let (status, _) = app.call_path(&anon, path, &args).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(content_fingerprint(&app, &b).await, before);
}

#[sqlx::test]
async fn with_rust_checks_off_the_database_still_refuses_content(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_forged(pool_opts, opts).await;
    let (alice, _a, _bob, b, content) = two_tenants(&app).await;
    let before = content_fingerprint(&app, &b).await;
    // Lists come back empty (the database shows no rows); the rest is 404.
    let may_be_empty = [
        c::SocialAccounts::PATH,
        c::LabelsAndSignatures::PATH,
        c::MediaLibrary::PATH,
    ];
    for (path, args) in content_attacks(&b, &content) {
        let (status, body) = app.call_path(&alice, path, &args).await;
        if !may_be_empty.contains(&path) {
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {body}");
        for secret in SECRETS {
            assert!(!body.contains(secret), "{path} leaked {secret}: {body}");
        }
        assert_eq!(
            content_fingerprint(&app, &b).await,
            before,
            "{path} changed B"
        );
    }
    for page in PAGES
        .iter()
        .copied()
        .chain([format!("/posts/{}", content.post).as_str()])
    {
        let (_, body) = app.get(&alice, &format!("/w/{b}{page}")).await;
        for secret in SECRETS {
            assert!(!body.contains(secret), "/w/{b}{page} leaked {secret}");
        }
    }
    assert_eq!(content_fingerprint(&app, &b).await, before);
}

/// Inside your own workspace, B's label, signature, account and post ids
/// are unknown: 404 or a field error, and nothing changes anywhere.
#[sqlx::test]
async fn another_workspaces_content_ids_are_unknown_in_yours(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, a, _bob, b, theirs) = two_tenants(&app).await;
    let mine = seed_content(&app, &a, "draft").await;
    let (before_a, before_b) = (
        content_fingerprint(&app, &a).await,
        content_fingerprint(&app, &b).await,
    );
    // Every function aimed at A's slug with B's ids.
    for (path, args) in content_attacks(&a, &theirs) {
        let ok_reads = [
            c::SocialAccounts::PATH,
            c::LabelsAndSignatures::PATH,
            c::ApprovalQueue::PATH,
            c::LoadCalendar::PATH,
            c::ListPosts::PATH,
            c::MediaLibrary::PATH,
            c::Usage::PATH,
            c::PublishingSettings::PATH,
            c::CreateLabel::PATH,
            c::CreateSignature::PATH,
            c::UpdatePublishingSettings::PATH,
            c::DraftWithAi::PATH,
        ];
        if ok_reads.contains(&path) {
            continue; // not about B's ids; covered elsewhere
        }
        let (status, body) = app.call_path(&alice, path, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        for secret in SECRETS {
            assert!(!body.contains(secret), "{path} leaked {secret}");
        }
        assert_eq!(
            content_fingerprint(&app, &a).await,
            before_a,
            "{path} changed A"
        );
        assert_eq!(
            content_fingerprint(&app, &b).await,
            before_b,
            "{path} changed B"
        );
    }
    // A new post in A naming B's account, label or signature: a field error.
    for (field, value) in [
        ("media_ids[0]", theirs.media),
        ("account_ids[0]", theirs.account),
        ("label_ids[0]", theirs.label),
        ("signature_id", theirs.signature),
    ] {
        let mut args = vec![
            ("slug", a.clone()),
            ("content", "Hello".to_string()),
            ("account_ids[0]", mine.account.to_string()),
            ("intent", "draft".into()),
        ];
        args.retain(|(k, _)| *k != field);
        args.push((field, value.to_string()));
        let (status, err) = app.call_err::<c::SavePost>(&alice, &args).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        let f = field.trim_end_matches("[0]");
        assert!(err.message_for(f).is_some(), "{field}: {err:?}");
    }
    assert_eq!(content_fingerprint(&app, &b).await, before_b);
    assert_eq!(
        app.count("SELECT count(*) FROM posts").await,
        2,
        "nothing was saved by the refused posts"
    );
}

#[sqlx::test]
async fn every_content_server_fn_by_every_role(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive Owner", "owner@example.test").await;
    let slug = app.create_workspace(&owner, "Matrix Co").await;
    let content = seed_content(&app, &slug, "draft").await;
    for role in Role::ALL {
        let client = if role == Role::Owner {
            owner.clone()
        } else {
            let email = format!("{}@example.test", role.as_str().to_lowercase());
            let (client, _) = app.sign_up(role.label(), &email).await;
            app.add_member(&slug, &email, role.as_str()).await;
            client
        };
        // Calls that pass the role check and then do nothing harmful: the
        // post is a draft (approve/reject → 409), names are invalid.
        for (path, mut args) in content_attacks(&slug, &content) {
            for (k, v) in args.iter_mut() {
                if matches!(*k, "name" | "content") {
                    *v = String::new();
                }
                if *k == "timezone" {
                    *v = "Not/AZone".into();
                }
            }
            if [
                c::DeletePost::PATH,
                c::DeleteLabel::PATH,
                c::DeleteSignature::PATH,
                c::DisconnectAccount::PATH,
                c::DuplicatePost::PATH,
                c::ReschedulePost::PATH,
            ]
            .contains(&path)
            {
                // Aim destructive calls at an id that does not exist.
                for (k, v) in args.iter_mut() {
                    if k.ends_with("_id") {
                        *v = Uuid::new_v4().to_string();
                    }
                }
            }
            let before = content_fingerprint(&app, &slug).await;
            let (status, body) = app.call_path(&client, path, &args).await;
            if role.can(required(path)) {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} may call {path}: {body}"
                );
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{role:?} {path}: {body}");
                assert_ne!(
                    status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{role:?} {path}: {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} must be refused {path}: {body}"
                );
                assert_eq!(
                    content_fingerprint(&app, &slug).await,
                    before,
                    "{role:?}: refused {path} changed something"
                );
            }
        }
    }
}

/// The list is a page of its own; the calendar's old `?view=list` links
/// redirect there with their filters, and the list shows the post.
#[sqlx::test]
async fn the_posts_list_has_its_own_page_and_old_links_follow_it(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, slug) = app.sign_up("Alice", "alice@example.test").await;
    let content = seed_content(&app, &slug, "scheduled").await;
    for old in ["", "/calendar"] {
        let res = alice
            .get(format!(
                "{}/w/{slug}{old}?view=list&status=scheduled",
                app.base
            ))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{old}: {}", res.status());
        assert_eq!(
            crate::common::location(&res).as_deref(),
            Some(format!("/w/{slug}/posts?status=scheduled").as_str()),
            "{old}"
        );
    }
    let (status, body) = app
        .get(&alice, &format!("/w/{slug}/posts?status=scheduled"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains(&format!("/w/{slug}/posts/{}", content.post)),
        "{body}"
    );
    assert!(body.contains("Secret launch post"), "{body}");
    // A filter that matches nothing says so.
    let (status, body) = app
        .get(&alice, &format!("/w/{slug}/posts?status=failed"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("No posts match"), "{body}");
}
