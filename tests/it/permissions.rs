//! Every workspace server function × every role, driven by the one role →
//! permission table (`Role::can`): allowed → past the check (never 401/403/404),
//! refused → 403 and nothing changed. Arguments are chosen to fail validation
//! after the check, so allowed calls change nothing either.
use crate::common::TestApp;
use crate::tenancy_matrix::{attacks, fingerprint};
use leptos::server_fn::ServerFn;
use postroom::api::members::LeaveWorkspace;
use postroom::model::{Permission, Role};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The permission each workspace-scoped server function requires.
fn required(path: &str) -> Permission {
    use postroom::api::{invitations as i, members as m, workspaces as w};
    let table: &[(&str, Permission)] = &[
        (w::WorkspaceShell::PATH, Permission::ViewContent),
        (w::WorkspaceOverview::PATH, Permission::ViewContent),
        (w::WorkspaceSettings::PATH, Permission::EditSettings),
        (w::UpdateWorkspace::PATH, Permission::EditSettings),
        (w::BrandProfile::PATH, Permission::EditSettings),
        (w::UpdateBrand::PATH, Permission::EditSettings),
        (w::DeleteWorkspace::PATH, Permission::OwnWorkspace),
        (w::ListActivity::PATH, Permission::ViewUsage),
        (m::ListMembers::PATH, Permission::ManageMembers),
        (m::ChangeMemberRole::PATH, Permission::ManageMembers),
        (m::RemoveMember::PATH, Permission::ManageMembers),
        (m::LeaveWorkspace::PATH, Permission::ViewContent),
        (m::TransferOwnership::PATH, Permission::OwnWorkspace),
        (i::ListInvitations::PATH, Permission::ManageMembers),
        (i::InviteMember::PATH, Permission::ManageMembers),
        (i::ResendInvitation::PATH, Permission::ManageMembers),
        (i::RevokeInvitation::PATH, Permission::ManageMembers),
    ];
    table
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, perm)| *perm)
        .unwrap_or_else(|| panic!("{path} has no required permission in this table"))
}

/// Each workspace server function with arguments that pass the role check
/// and then fail (or only read), so an allowed call changes nothing.
fn harmless(
    slug: &str,
    me: uuid::Uuid,
    invitation: uuid::Uuid,
) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    use postroom::api::{invitations as i, members as m, workspaces as w};
    let s = || ("slug", slug.to_string());
    let me = || ("user_id", me.to_string());
    let inv = || ("invitation_id", invitation.to_string());
    vec![
        (w::WorkspaceShell::PATH, vec![s()]),
        (w::WorkspaceOverview::PATH, vec![s()]),
        (w::WorkspaceSettings::PATH, vec![s()]),
        (
            w::UpdateWorkspace::PATH,
            vec![
                s(),
                ("name", "".into()),
                ("new_slug", slug.to_string()),
                ("logo_url", "".into()),
                ("primary_color", "".into()),
                ("default_language", "en".into()),
            ],
        ),
        (w::BrandProfile::PATH, vec![s()]),
        (
            w::UpdateBrand::PATH,
            vec![
                s(),
                ("website", "not a url".into()),
                ("description", "".into()),
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
            vec![s(), ("confirm_name", "wrong".into())],
        ),
        (w::ListActivity::PATH, vec![s()]),
        (m::ListMembers::PATH, vec![s()]),
        (
            m::ChangeMemberRole::PATH,
            vec![s(), me(), ("role", "boss".into())],
        ),
        (m::RemoveMember::PATH, vec![s(), me()]),
        (m::LeaveWorkspace::PATH, vec![s()]),
        (
            m::TransferOwnership::PATH,
            vec![s(), me(), ("password", "x".into())],
        ),
        (i::ListInvitations::PATH, vec![s()]),
        (
            i::InviteMember::PATH,
            vec![s(), ("email", "nope".into()), ("role", "EDITOR".into())],
        ),
        (i::ResendInvitation::PATH, vec![s(), inv()]),
        (i::RevokeInvitation::PATH, vec![s(), inv()]),
    ]
}

#[test]
fn covers_every_workspace_server_fn() {
    let id = uuid::Uuid::nil();
    let mut here: Vec<&str> = harmless("x", id, id).into_iter().map(|(p, _)| p).collect();
    let mut all: Vec<&str> = attacks("x", id, id).into_iter().map(|(p, _)| p).collect();
    here.sort();
    all.sort();
    assert_eq!(here, all);
    for p in all {
        required(p);
    }
}

#[sqlx::test]
async fn every_server_fn_by_every_role(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive Owner", "owner@example.test").await;
    let slug = app.create_workspace(&owner, "Matrix Co").await;
    // A revoked invitation: resend/revoke reach the service and answer 409.
    app.invite(&owner, &slug, "gone@example.test", "VIEWER")
        .await;
    sqlx::query("UPDATE invitations SET revoked_at = now()")
        .execute(&app.admin)
        .await
        .unwrap();
    let invitation: uuid::Uuid = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&app.admin)
        .await
        .unwrap();

    for role in Role::ALL {
        let (client, email) = if role == Role::Owner {
            (owner.clone(), "owner@example.test".to_string())
        } else {
            let email = format!("{}@example.test", role.as_str().to_lowercase());
            let (client, _) = app.sign_up(role.label(), &email).await;
            app.add_member(&slug, &email, role.as_str()).await;
            (client, email)
        };
        let me = app.user_id(&email).await;
        let mut calls = harmless(&slug, me, invitation);
        // Leaving really leaves: do it last.
        calls.sort_by_key(|(p, _)| *p == LeaveWorkspace::PATH);
        for (path, args) in calls {
            let before = fingerprint(&app, &slug).await;
            let (status, body) = app.call_path(&client, path, &args).await;
            if role.can(required(path)) {
                assert!(
                    ![
                        StatusCode::UNAUTHORIZED,
                        StatusCode::FORBIDDEN,
                        StatusCode::NOT_FOUND
                    ]
                    .contains(&status),
                    "{role:?} may call {path}, got {status}: {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} must be refused {path}: {body}"
                );
                assert_eq!(
                    fingerprint(&app, &slug).await,
                    before,
                    "{role:?}: refused {path} changed something"
                );
            }
        }
    }
}
