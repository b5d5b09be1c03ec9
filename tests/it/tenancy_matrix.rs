//! Every server function, called by a member of workspace A against
//! workspace B, answers 404 and changes nothing in B. A server function that
//! is missing from this matrix fails the test.
use crate::common::TestApp;
use leptos::server_fn::ServerFn;
use postroom::api::{agency as ag, auth as a, invitations as i, members as m, workspaces as w};
use postroom::model::AppError;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Server functions that take no workspace (they act on the caller's own account).
fn not_workspace_scoped() -> Vec<&'static str> {
    vec![
        a::SignUp::PATH,
        a::LogIn::PATH,
        a::LogOut::PATH,
        a::CurrentUser::PATH,
        a::SignupPolicy::PATH,
        a::HomeTarget::PATH,
        w::ListMyWorkspaces::PATH,
        w::CreateWorkspace::PATH,
        // Across the caller's own memberships, admitted by the database row by row
        // (tests in agency.rs, with the Rust checks off too).
        ag::AgencyOverview::PATH,
        ag::AgencyFeed::PATH,
        ag::AgencyReport::PATH,
        ag::FindWorkspaces::PATH,
        // Scoped by an invitation token instead (tests in invitations.rs).
        i::InvitationDetails::PATH,
        i::AcceptInvitation::PATH,
        i::SignUpAndAccept::PATH,
    ]
}

/// Each workspace-scoped server function with arguments aimed at `slug`,
/// one of its members and one of its invitations.
pub fn attacks(
    slug: &str,
    member: uuid::Uuid,
    invitation: uuid::Uuid,
) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let s = || ("slug", slug.to_string());
    let user = || ("user_id", member.to_string());
    let inv = || ("invitation_id", invitation.to_string());
    vec![
        (w::WorkspaceShell::PATH, vec![s()]),
        (w::WorkspaceOverview::PATH, vec![s()]),
        (w::WorkspaceSettings::PATH, vec![s()]),
        (
            w::UpdateWorkspace::PATH,
            vec![
                s(),
                ("name", "Pwned".into()),
                ("new_slug", "pwned".into()),
                ("logo_url", "".into()),
                ("primary_color", "#000000".into()),
                ("default_language", "en".into()),
            ],
        ),
        (w::BrandProfile::PATH, vec![s()]),
        (
            w::UpdateBrand::PATH,
            vec![
                s(),
                ("website", "https://evil.test".into()),
                ("description", "pwned".into()),
                ("tone", "".into()),
                ("voice_notes", "".into()),
                ("primary_color", "".into()),
                ("background_color", "".into()),
                ("text_color", "".into()),
                ("font", "".into()),
                ("content_language", "en".into()),
            ],
        ),
        (
            w::DeleteWorkspace::PATH,
            vec![s(), ("confirm_name", "Beta Co".into())],
        ),
        (w::ListActivity::PATH, vec![s()]),
        (m::ListMembers::PATH, vec![s()]),
        (
            m::ChangeMemberRole::PATH,
            vec![s(), user(), ("role", "VIEWER".into())],
        ),
        (m::RemoveMember::PATH, vec![s(), user()]),
        (m::LeaveWorkspace::PATH, vec![s()]),
        (
            m::TransferOwnership::PATH,
            vec![s(), user(), ("password", "correct horse battery".into())],
        ),
        (i::ListInvitations::PATH, vec![s()]),
        (
            i::InviteMember::PATH,
            vec![
                s(),
                ("email", "spy@example.test".into()),
                ("role", "ADMIN".into()),
            ],
        ),
        (i::ResendInvitation::PATH, vec![s(), inv()]),
        (i::RevokeInvitation::PATH, vec![s(), inv()]),
    ]
}

/// Everything about workspace B that an attack could change.
pub async fn fingerprint(app: &TestApp, slug: &str) -> String {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        uuid::Uuid,
        Option<String>,
        Option<String>,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT w.name, w.slug, w.primary_color, b.website, w.owner_id, \
                (SELECT string_agg(m.user_id || ':' || m.role, ',' ORDER BY m.user_id) \
                   FROM memberships m WHERE m.workspace_id = w.id), \
                (SELECT string_agg(i.email || ':' || i.role || ':' || encode(i.token_hash, 'hex') || ':' \
                                   || coalesce(i.revoked_at::text, '') || coalesce(i.accepted_at::text, ''), \
                                   ',' ORDER BY i.id) \
                   FROM invitations i WHERE i.workspace_id = w.id), \
                (SELECT count(*) FROM activity_log l WHERE l.workspace_id = w.id) \
         FROM workspaces w LEFT JOIN brand_profiles b ON b.workspace_id = w.id WHERE w.slug = $1",
    )
    .bind(slug)
    .fetch_optional(&app.admin)
    .await
    .unwrap();
    format!("{row:?}")
}

#[sqlx::test]
async fn every_server_fn_is_in_the_matrix(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let _app = TestApp::spawn(pool_opts, opts).await;
    let mut known: Vec<&str> = not_workspace_scoped();
    let nil = uuid::Uuid::nil();
    known.extend(attacks("x", nil, nil).into_iter().map(|(p, _)| p));
    let none = crate::content::Content {
        label: nil,
        signature: nil,
        account: nil,
        post: nil,
        media: nil,
    };
    known.extend(
        crate::content::content_attacks("x", &none)
            .into_iter()
            .map(|(p, _)| p),
    );
    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p)
        .collect();
    assert!(!registered.is_empty());
    for path in registered {
        assert!(
            known.contains(&path),
            "server fn {path} is not in the tenancy matrix"
        );
    }
}

#[sqlx::test]
async fn another_workspace_answers_404_and_changes_nothing(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    app.create_workspace(&alice, "Alpha Co").await;
    let b = app.create_workspace(&bob, "Beta Co").await;
    let (_carol, _) = app.sign_up("Carol", "carol@example.test").await;
    app.add_member(&b, "carol@example.test", "ADMIN").await;
    app.invite(&bob, &b, "dave@example.test", "CLIENT").await;
    let carol = app.user_id("carol@example.test").await;
    let invitation: uuid::Uuid = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let before = fingerprint(&app, &b).await;

    for (path, args) in attacks(&b, carol, invitation) {
        let (status, body) = app.call_path(&alice, path, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        let err: AppError = serde_json::from_str(&body).unwrap();
        assert_eq!(err, AppError::NotFound, "{path}");
        assert_eq!(
            fingerprint(&app, &b).await,
            before,
            "{path} changed workspace B"
        );
    }
    // A slug that does not exist at all looks exactly the same.
    for (path, args) in attacks("no-such-workspace", carol, invitation) {
        let (status, _) = app.call_path(&alice, path, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Pages too.
    for page in [
        "",
        "/settings",
        "/settings/brand",
        "/settings/team",
        "/activity",
    ] {
        let (status, body) = app.get(&alice, &format!("/w/{b}{page}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "/w/{b}{page}");
        assert!(!body.contains("Beta Co"), "page leaks the workspace name");
    }
    // Signed out: every workspace function asks for a login and changes nothing.
    let anon = app.client();
    for (path, args) in attacks(&b, carol, invitation) {
        let (status, body) = app.call_path(&anon, path, &args).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
    }
    assert_eq!(fingerprint(&app, &b).await, before);
}

/// Everything of B a response must never carry.
const B_SECRETS: &[&str] = &[
    "Beta Co",
    "carol@example.test",
    "dave@example.test",
    "bob@example.test",
];

/// The same matrix with the Rust-side membership check switched off: the
/// app scopes every call to whatever workspace was named, as its owner, and
/// PostgreSQL alone must refuse. Each call answers 404 or reveals and
/// changes nothing.
#[sqlx::test]
async fn with_rust_checks_off_the_database_still_refuses(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_forged(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    app.create_workspace(&alice, "Alpha Co").await;
    let b = app.create_workspace(&bob, "Beta Co").await;
    app.sign_up("Carol", "carol@example.test").await;
    app.add_member(&b, "carol@example.test", "ADMIN").await;
    app.invite(&bob, &b, "dave@example.test", "CLIENT").await;
    let carol = app.user_id("carol@example.test").await;
    let invitation: uuid::Uuid = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let before = fingerprint(&app, &b).await;
    // Reads of lists come back empty rather than 404 (the database shows no
    // rows); leaving is refused because the forged role is OWNER. Everything
    // that names a row or writes must be a plain 404.
    let may_be_empty = [
        w::BrandProfile::PATH,
        w::ListActivity::PATH,
        m::ListMembers::PATH,
        i::ListInvitations::PATH,
        m::LeaveWorkspace::PATH,
    ];
    for (path, args) in attacks(&b, carol, invitation) {
        let (status, body) = app.call_path(&alice, path, &args).await;
        if !may_be_empty.contains(&path) {
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {body}");
        for secret in B_SECRETS {
            assert!(!body.contains(secret), "{path} leaked {secret}: {body}");
        }
        assert_eq!(
            fingerprint(&app, &b).await,
            before,
            "{path} changed workspace B"
        );
    }
    for page in [
        "",
        "/settings",
        "/settings/brand",
        "/settings/team",
        "/activity",
    ] {
        let (_, body) = app.get(&alice, &format!("/w/{b}{page}")).await;
        for secret in B_SECRETS {
            assert!(!body.contains(secret), "/w/{b}{page} leaked {secret}");
        }
    }
    assert_eq!(fingerprint(&app, &b).await, before);
}

/// Inside your *own* workspace, another workspace's member or invitation id
/// is unknown: 404, and nothing changes anywhere.
#[sqlx::test]
async fn another_workspaces_object_ids_are_unknown_in_yours(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let a = app.create_workspace(&alice, "Alpha Co").await;
    let b = app.create_workspace(&bob, "Beta Co").await;
    app.sign_up("Carol", "carol@example.test").await;
    app.add_member(&b, "carol@example.test", "ADMIN").await;
    app.invite(&bob, &b, "dave@example.test", "CLIENT").await;
    let carol = app.user_id("carol@example.test").await;
    let invitation: uuid::Uuid = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (before_a, before_b) = (fingerprint(&app, &a).await, fingerprint(&app, &b).await);
    let s = || ("slug", a.clone());
    let swaps: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            m::ChangeMemberRole::PATH,
            vec![
                s(),
                ("user_id", carol.to_string()),
                ("role", "VIEWER".into()),
            ],
        ),
        (
            m::RemoveMember::PATH,
            vec![s(), ("user_id", carol.to_string())],
        ),
        (
            m::TransferOwnership::PATH,
            vec![
                s(),
                ("user_id", carol.to_string()),
                ("password", "correct horse battery".into()),
            ],
        ),
        (
            i::ResendInvitation::PATH,
            vec![s(), ("invitation_id", invitation.to_string())],
        ),
        (
            i::RevokeInvitation::PATH,
            vec![s(), ("invitation_id", invitation.to_string())],
        ),
    ];
    for (path, args) in swaps {
        let (status, body) = app.call_path(&alice, path, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(fingerprint(&app, &a).await, before_a, "{path} changed A");
        assert_eq!(fingerprint(&app, &b).await, before_b, "{path} changed B");
    }
}
