//! Invitations from the inviting side: invite, list, resend, revoke. The
//! token side (opening and accepting a link) is in `invite_tokens`.
use crate::model::{
    validate, AppError, InvitationView, InviteSentView, Permission, Problems, Role,
};
use crate::server::auth::tokens;
use crate::server::config::Config;
use crate::server::db::{self, ScopedTx};
use crate::server::error::violated_constraint;
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::WorkspaceCtx;
use sqlx::PgPool;
use uuid::Uuid;

pub fn invite_link(cfg: &Config, token: &str) -> String {
    format!("{}/invite/{token}", cfg.public_url.trim_end_matches('/'))
}

fn parse_role(role: &str) -> Result<Role, String> {
    match Role::parse(role) {
        Some(Role::Owner) => Err(
            "Invite as Admin, Editor, Viewer or Client; ownership can only be transferred.".into(),
        ),
        Some(r) => Ok(r),
        None => Err("Choose a role from the list.".into()),
    }
}

pub async fn invite(
    pool: &PgPool,
    cfg: &Config,
    ctx: &WorkspaceCtx,
    email: &str,
    role: &str,
) -> Result<InviteSentView, AppError> {
    ctx.require(Permission::ManageMembers)?;
    let mut p = Problems::default();
    let email = validate::email(email).map_err(|m| p.add("email", m)).ok();
    let role = parse_role(role).map_err(|m| p.add("role", m)).ok();
    p.into_result()?;
    let (email, role) = (email.unwrap(), role.unwrap());
    let ws = ctx.workspace_id();

    let mut tx = db::begin_scoped(pool, ctx).await?;
    let is_member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
                        WHERE m.workspace_id = $1 AND u.email = $2::citext)",
    )
    .bind(ws)
    .bind(&email)
    .fetch_one(tx.conn())
    .await?;
    if is_member {
        return Err(AppError::field(
            "email",
            format!("{email} is already a member of this workspace."),
        ));
    }
    // An expired invitation no longer blocks a new one.
    sqlx::query(
        "UPDATE invitations SET revoked_at = now() WHERE workspace_id = $1 AND email = $2::citext \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= now()",
    )
    .bind(ws)
    .bind(&email)
    .execute(tx.conn())
    .await?;
    let id = Uuid::new_v4();
    let token = tokens::new_secret();
    let inserted = sqlx::query(
        "INSERT INTO invitations (workspace_id, id, email, role, token_hash, invited_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ws)
    .bind(id)
    .bind(&email)
    .bind(role.as_str())
    .bind(tokens::digest(&token))
    .bind(ctx.actor().user_id)
    .execute(tx.conn())
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if violated_constraint(&e).as_deref() == Some("invitations_open_email_key") => {
            return Err(AppError::field(
                "email",
                format!("{email} already has a pending invitation. Resend or revoke it below."),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let sent = deliver(&mut tx, cfg, ctx, id, &email, role, &token).await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new(
            "invitation.created",
            "invitation",
            format!("invited {email} as {}", role.label()),
        )
        .object(id)
        .detail(serde_json::json!({ "email": email, "role": role })),
    )
    .await?;
    tx.commit().await?;
    Ok(sent)
}

/// Queues the email (when SMTP is configured) in the caller's transaction, or
/// hands the link back to be shown once. Without SMTP nothing would ever send
/// the message, so no copy of the token is written anywhere.
async fn deliver(
    tx: &mut ScopedTx,
    cfg: &Config,
    ctx: &WorkspaceCtx,
    invitation_id: Uuid,
    email: &str,
    role: Role,
    token: &str,
) -> Result<InviteSentView, AppError> {
    let link = invite_link(cfg, token);
    if !cfg.smtp_enabled() {
        return Ok(InviteSentView {
            email: email.to_string(),
            link: Some(link),
            emailed: false,
        });
    }
    let inviter = &ctx.actor().label;
    let subject = format!("{inviter} invited you to {} on Postroom", ctx.name());
    let body = format!(
        "Hello,\n\n{inviter} invited you to join the workspace “{}” on Postroom as {}.\n\n\
         Accept the invitation:\n{link}\n\n\
         The link works once and expires in 7 days. If you weren't expecting this, ignore this email.\n",
        ctx.name(),
        role.label(),
    );
    sqlx::query(
        "INSERT INTO email_outbox (workspace_id, invitation_id, to_address, subject, body_text) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ctx.workspace_id())
    .bind(invitation_id)
    .bind(email)
    .bind(subject)
    .bind(body)
    .execute(tx.conn())
    .await?;
    Ok(InviteSentView {
        email: email.to_string(),
        link: None,
        emailed: true,
    })
}

/// Unsent mail for an invitation carries a link that just died: drop it.
async fn cancel_mail(tx: &mut ScopedTx, invitation_id: Uuid) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    sqlx::query(
        "UPDATE email_outbox SET status = 'cancelled', body_text = NULL \
         WHERE workspace_id = $1 AND invitation_id = $2 AND status = 'pending'",
    )
    .bind(ws)
    .bind(invitation_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

type Row = (
    Uuid,
    String,
    String,
    Option<String>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
    bool,
);

/// Open invitations (not accepted, not revoked), expired ones included so they can be resent.
pub async fn list(pool: &PgPool, ctx: &WorkspaceCtx) -> Result<Vec<InvitationView>, AppError> {
    ctx.require(Permission::ManageMembers)?;
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.email::text, i.role, u.name, i.created_at, i.expires_at, i.expires_at <= now() \
         FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         ORDER BY i.created_at DESC",
    )
    .bind(ctx.workspace_id())
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, email, role, inviter, created_at, expires_at, expired)| InvitationView {
                id,
                email,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                invited_by: inviter.unwrap_or_else(|| "A former member".into()),
                created_at,
                expires_at,
                expired,
            },
        )
        .collect())
}

/// The open invitation `id`, locked; accepted or revoked ones are a conflict.
async fn open_invitation(tx: &mut ScopedTx, id: Uuid) -> Result<(String, Role), AppError> {
    let ws = tx.workspace_id();
    let row: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT email::text, role, accepted_at IS NULL AND revoked_at IS NULL \
         FROM invitations WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((_, _, false)) => Err(AppError::Conflict(
            "This invitation was already accepted or revoked.".into(),
        )),
        Some((email, role, true)) => Ok((email, Role::parse(&role).ok_or(AppError::Internal)?)),
    }
}

/// A new token and a fresh 7-day expiry; the old link stops working at once.
pub async fn resend(
    pool: &PgPool,
    cfg: &Config,
    ctx: &WorkspaceCtx,
    id: Uuid,
) -> Result<InviteSentView, AppError> {
    ctx.require(Permission::ManageMembers)?;
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let (email, role) = open_invitation(&mut tx, id).await?;
    let token = tokens::new_secret();
    sqlx::query(
        "UPDATE invitations SET token_hash = $3, expires_at = now() + interval '7 days' \
         WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ctx.workspace_id())
    .bind(id)
    .bind(tokens::digest(&token))
    .execute(tx.conn())
    .await?;
    cancel_mail(&mut tx, id).await?;
    let sent = deliver(&mut tx, cfg, ctx, id, &email, role, &token).await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new(
            "invitation.resent",
            "invitation",
            format!("resent the invitation to {email}"),
        )
        .object(id),
    )
    .await?;
    tx.commit().await?;
    Ok(sent)
}

pub async fn revoke(pool: &PgPool, ctx: &WorkspaceCtx, id: Uuid) -> Result<(), AppError> {
    ctx.require(Permission::ManageMembers)?;
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let (email, _) = open_invitation(&mut tx, id).await?;
    sqlx::query("UPDATE invitations SET revoked_at = now() WHERE workspace_id = $1 AND id = $2")
        .bind(ctx.workspace_id())
        .bind(id)
        .execute(tx.conn())
        .await?;
    cancel_mail(&mut tx, id).await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new(
            "invitation.revoked",
            "invitation",
            format!("revoked the invitation to {email}"),
        )
        .object(id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
