//! Invitations: inviting, listing, and the token's state machine.
use crate::common::{location, token_of, TestApp};
use leptos::server_fn::ServerFn;
use postroom::api::invitations::{
    AcceptInvitation, InvitationDetails, InviteMember, ListInvitations, ResendInvitation,
    RevokeInvitation, SignUpAndAccept,
};
use postroom::model::{InvitationView, InvitePageView, InviteState, Role};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn details(app: &TestApp, client: &reqwest::Client, token: &str) -> InvitePageView {
    let (status, body) = app
        .call::<InvitationDetails>(client, &[("token", token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub(crate) async fn accept(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
) -> reqwest::Response {
    client
        .post(format!("{}{}", app.base, AcceptInvitation::PATH))
        .header("accept", "application/json")
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

#[sqlx::test]
async fn inviting_validates_and_refuses_duplicates(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    app.sign_up("Bob", "bob@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    app.add_member(&slug, "bob@example.test", "EDITOR").await;
    let invite = |email: &str, role: &str| {
        vec![
            ("slug", slug.clone()),
            ("email", email.to_string()),
            ("role", role.to_string()),
        ]
    };
    for (args, field, message) in [
        (
            invite("nope", "EDITOR"),
            "email",
            "Enter a valid email address.",
        ),
        (
            invite("x@example.test", "boss"),
            "role",
            "Choose a role from the list.",
        ),
        (
            invite("x@example.test", "OWNER"),
            "role",
            "Invite as Admin, Editor, Viewer or Client; ownership can only be transferred.",
        ),
        (
            invite("BOB@example.test", "VIEWER"),
            "email",
            "BOB@example.test is already a member of this workspace.",
        ),
    ] {
        let (status, err) = app.call_err::<InviteMember>(&alice, &args).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err.message_for(field).as_deref(), Some(message));
    }
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 0);

    let token = app
        .invite(&alice, &slug, "carol@example.test", "CLIENT")
        .await;
    assert_eq!(token.len(), 43, "256 bits, URL-safe base64");
    let (status, err) = app
        .call_err::<InviteMember>(&alice, &invite("Carol@Example.test", "EDITOR"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message_for("email").as_deref(),
        Some("Carol@Example.test already has a pending invitation. Resend or revoke it below.")
    );
    // Only the SHA-256 of the token is stored; no outbox row without SMTP.
    let (hash, days): (Vec<u8>, f64) = sqlx::query_as(
        "SELECT token_hash, (extract(epoch FROM expires_at - created_at) / 86400)::float8 FROM invitations",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(hash, postroom::server::auth::tokens::digest(&token));
    assert!((days - 7.0).abs() < 0.01, "{days}");
    assert_eq!(app.count("SELECT count(*) FROM email_outbox").await, 0);

    let (_, body) = app
        .call::<ListInvitations>(&alice, &[("slug", &slug)])
        .await;
    let list: Vec<InvitationView> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0].email.as_str(),
            list[0].role,
            list[0].invited_by.as_str(),
            list[0].expired
        ),
        ("carol@example.test", Role::Client, "Alice", false)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity_log WHERE action = 'invitation.created'")
            .await,
        1
    );
}

#[sqlx::test]
async fn the_token_state_machine(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (carol, _) = app.sign_up("Carol", "carol@example.test").await;
    let (dave, _) = app.sign_up("Dave", "dave@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let anon = app.client();

    // Unknown and malformed tokens: a clear page, 404.
    for t in ["x".repeat(43), "short".into()] {
        assert_eq!(details(&app, &anon, &t).await.state, InviteState::Unknown);
        let (status, html) = app.get(&anon, &format!("/invite/{t}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("This invitation link isn't valid"));
    }

    let token = app
        .invite(&alice, &slug, "carol@example.test", "CLIENT")
        .await;
    let seen = details(&app, &anon, &token).await;
    assert_eq!(seen.state, InviteState::Open);
    assert_eq!(
        (
            seen.workspace_name.as_str(),
            seen.inviter.as_str(),
            seen.email.as_str(),
            seen.role
        ),
        ("Acme", "Alice", "carol@example.test", Some(Role::Client))
    );
    let (status, html) = app.get(&anon, &format!("/invite/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Alice invited you to join") && html.contains("Create account and join"));

    // Signed in as someone else: refused, nothing changes.
    assert!(!details(&app, &dave, &token).await.viewer_matches());
    let (status, html) = app.get(&dave, &format!("/invite/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("but you&#x27;re signed in as dave@example.test")
            || html.contains("signed in as dave@example.test")
    );
    let res = accept(&app, &dave, &token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.role_of(&slug, "dave@example.test").await, None);
    assert_eq!(
        app.count("SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL")
            .await,
        0
    );

    // Signed in with the invited email: one click, lands in the workspace.
    assert!(details(&app, &carol, &token).await.viewer_matches());
    let res = accept(&app, &carol, &token).await;
    assert!(res.status().is_redirection() || res.status().is_success());
    assert_eq!(
        location(&res).as_deref(),
        Some(format!("/w/{slug}").as_str())
    );
    assert_eq!(
        app.role_of(&slug, "carol@example.test").await.as_deref(),
        Some("CLIENT")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity_log WHERE action = 'member.joined'")
            .await,
        1
    );

    // Used: a clear page (410) and a refusal.
    assert_eq!(
        details(&app, &carol, &token).await.state,
        InviteState::Accepted
    );
    let (status, html) = app.get(&carol, &format!("/invite/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("already been used"));
    assert_eq!(
        accept(&app, &carol, &token).await.status(),
        StatusCode::CONFLICT
    );

    // Revoked.
    let erin = app
        .invite(&alice, &slug, "erin@example.test", "VIEWER")
        .await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'erin@example.test'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    let (status, _) = app
        .call::<RevokeInvitation>(
            &alice,
            &[("slug", slug.clone()), ("invitation_id", id.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        details(&app, &anon, &erin).await.state,
        InviteState::Revoked
    );
    let (status, _) = app
        .call::<SignUpAndAccept>(
            &anon,
            &[
                ("token", erin.as_str()),
                ("name", "Erin"),
                ("password", "long enough pass"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'erin@example.test'")
            .await,
        0
    );
    let (status, _) = app
        .call::<RevokeInvitation>(
            &alice,
            &[("slug", slug.clone()), ("invitation_id", id.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "revoking twice");

    // Expired: refused; and it no longer blocks a new invitation.
    let frank = app
        .invite(&alice, &slug, "frank@example.test", "EDITOR")
        .await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'frank@example.test'")
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(
        details(&app, &anon, &frank).await.state,
        InviteState::Expired
    );
    let (status, _) = app
        .call::<SignUpAndAccept>(
            &anon,
            &[
                ("token", frank.as_str()),
                ("name", "Frank"),
                ("password", "long enough pass"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let frank2 = app
        .invite(&alice, &slug, "frank@example.test", "EDITOR")
        .await;
    assert_eq!(details(&app, &anon, &frank2).await.state, InviteState::Open);

    // Resend: a new token; the old link dies at once.
    let id: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM invitations WHERE email = 'frank@example.test' AND revoked_at IS NULL",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    let (status, body) = app
        .call::<ResendInvitation>(
            &alice,
            &[("slug", slug.clone()), ("invitation_id", id.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent: postroom::model::InviteSentView = serde_json::from_str(&body).unwrap();
    let frank3 = token_of(&sent.link.unwrap());
    assert_ne!(frank3, frank2);
    assert_eq!(
        details(&app, &anon, &frank2).await.state,
        InviteState::Unknown
    );
    assert_eq!(details(&app, &anon, &frank3).await.state, InviteState::Open);
}
