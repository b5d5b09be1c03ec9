//! Invitations from the inviting side: invite, list, resend, revoke. The
//! token side (opening and accepting a link) is in `invite_tokens`.
use crate::model::{
    validate, AppError, InvitationView, InviteSentView, Permission, Problems, Role,
};
use crate::server::auth::tokens;
use crate::server::config::Config;
use crate::server::error::violated_constraint;
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;
use uuid::Uuid;

/// Where the mail sender puts the link it mints at send time: the outbox
/// never holds a usable token.
pub const LINK_PLACEHOLDER: &str = "{{invite_link}}";

/// Invitations one person may send per hour in one workspace, and that one
/// workspace may send per hour in all.
pub const PER_INVITER_PER_HOUR: i64 = 30;
pub const PER_WORKSPACE_PER_HOUR: i64 = 100;

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

/// Refuses a new invitation when this inviter or this workspace sent too
/// many in the last hour (counted in the database, so every server agrees).
async fn throttle(tx: &mut ScopedTx) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    let me = tx.ctx().actor().user_id;
    let (mine, all, oldest): (i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE invited_by = $2), count(*), \
                extract(epoch FROM min(created_at) + interval '1 hour' - now())::float8 \
         FROM invitations WHERE workspace_id = $1 AND created_at > now() - interval '1 hour'",
    )
    .bind(ws)
    .bind(me)
    .fetch_one(tx.conn())
    .await?;
    if mine >= PER_INVITER_PER_HOUR || all >= PER_WORKSPACE_PER_HOUR {
        return Err(AppError::RateLimited {
            retry_after_secs: oldest.unwrap_or(60.0).clamp(1.0, 3600.0) as u64,
        });
    }
    Ok(())
}

pub async fn invite(
    tx: &mut ScopedTx,
    cfg: &Config,
    email: &str,
    role: &str,
) -> Result<InviteSentView, AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let mut p = Problems::default();
    let email = validate::email(email).map_err(|m| p.add("email", m)).ok();
    let role = parse_role(role).map_err(|m| p.add("role", m)).ok();
    p.into_result()?;
    let (email, role) = (email.unwrap(), role.unwrap());
    let ws = tx.workspace_id();
    throttle(tx).await?;
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
    crate::server::services::usage::check_invite(tx, cfg.billing_mode, &email).await?;
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
    .bind(tx.ctx().actor().user_id)
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
    let sent = deliver(tx, cfg, id, &email, role, &token).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "invitation.created",
            "invitation",
            format!("invited {} as {}", activity::EMAIL, role.label()),
        )
        .object(id)
        .detail(serde_json::json!({ "email": email, "role": role })),
    )
    .await?;
    Ok(sent)
}

/// Queues the email (when SMTP is configured) in the caller's transaction, or
/// hands the link back to be shown once. The queued body carries a
/// placeholder instead of the link: the sender mints the token when it sends
/// (and the token made here dies unseen). User-chosen text (names) stays out
/// of the subject.
async fn deliver(
    tx: &mut ScopedTx,
    cfg: &Config,
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
    let ctx = tx.ctx();
    let inviter = &ctx.actor().label;
    let subject = "You're invited to a workspace on Postroom".to_string();
    let body = format!(
        "Hello,\n\n{inviter} invited you to join the workspace “{}” on Postroom as {}.\n\n\
         Accept the invitation:\n{LINK_PLACEHOLDER}\n\n\
         The link works once and expires in 7 days. If you weren't expecting this, ignore this email.\n",
        ctx.name(),
        role.label(),
    );
    let ws = ctx.workspace_id();
    sqlx::query(
        "INSERT INTO email_outbox (workspace_id, invitation_id, to_address, subject, body_text) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws)
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

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    email: String,
    role: String,
    inviter: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
    expired: bool,
}

/// Open invitations (not accepted, not revoked), expired ones included so they can be resent.
pub async fn list(tx: &mut ScopedTx) -> Result<Vec<InvitationView>, AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let ws = tx.workspace_id();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.email::text AS email, i.role, u.name AS inviter, i.created_at, i.expires_at, \
                i.expires_at <= now() AS expired \
         FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         ORDER BY i.created_at DESC",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| InvitationView {
            id: r.id,
            email: r.email,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            invited_by: r.inviter.unwrap_or_else(|| "A former member".into()),
            created_at: r.created_at,
            expires_at: r.expires_at,
            expired: r.expired,
        })
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
pub async fn resend(tx: &mut ScopedTx, cfg: &Config, id: Uuid) -> Result<InviteSentView, AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let ws = tx.workspace_id();
    let (email, role) = open_invitation(tx, id).await?;
    // An expired invitation no longer holds a seat: resending it takes one again,
    // so the member limit is checked like a new invitation's (a pending one is
    // counted already and passes).
    crate::server::services::usage::check_invite(tx, cfg.billing_mode, &email).await?;
    let token = tokens::new_secret();
    sqlx::query(
        "UPDATE invitations SET token_hash = $3, expires_at = now() + interval '7 days' \
         WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(tokens::digest(&token))
    .execute(tx.conn())
    .await?;
    cancel_mail(tx, id).await?;
    let sent = deliver(tx, cfg, id, &email, role, &token).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "invitation.resent",
            "invitation",
            format!("resent the invitation to {}", activity::EMAIL),
        )
        .object(id)
        .detail(serde_json::json!({ "email": email })),
    )
    .await?;
    Ok(sent)
}

pub async fn revoke(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let ws = tx.workspace_id();
    let (email, _) = open_invitation(tx, id).await?;
    sqlx::query("UPDATE invitations SET revoked_at = now() WHERE workspace_id = $1 AND id = $2")
        .bind(ws)
        .bind(id)
        .execute(tx.conn())
        .await?;
    cancel_mail(tx, id).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "invitation.revoked",
            "invitation",
            format!("revoked the invitation to {}", activity::EMAIL),
        )
        .object(id)
        .detail(serde_json::json!({ "email": email })),
    )
    .await?;
    Ok(())
}
