//! Invitations from the invited side: what `/invite/{token}` shows, and
//! joining through it. The token (256 random bits, only its SHA-256 stored) is
//! the capability: it reveals one invitation's workspace name, logo, inviter,
//! address and role, and lets the person with the invited email join — nothing
//! else.
use crate::model::{AppError, InvitePageView, InviteState, Role};
use crate::server::auth::{sessions, tokens};
use crate::server::config::Config;
use crate::server::services::{
    activity::{self, Event},
    users::{self, ClientInfo, NewSession, SignupInput},
};
use crate::server::tenancy::{self, AuthPool, Principal, SessionDigest, TokenTx};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

struct Found {
    workspace_id: Uuid,
    email: String,
    role: Role,
    inviter: String,
    expires_at: DateTime<Utc>,
    state: InviteState,
}

/// Tokens are 43 characters of URL-safe base64; anything else is not worth a query.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(sqlx::FromRow)]
struct FoundRow {
    workspace_id: Uuid,
    email: String,
    role: String,
    inviter: Option<String>,
    expires_at: DateTime<Utc>,
    accepted: bool,
    revoked: bool,
    expired: bool,
}

async fn find(tx: &mut TokenTx, hash: &[u8]) -> Result<Option<Found>, AppError> {
    let row: Option<FoundRow> = sqlx::query_as(
        "SELECT i.workspace_id, i.email::text AS email, i.role, u.name AS inviter, i.expires_at, \
                i.accepted_at IS NOT NULL AS accepted, i.revoked_at IS NOT NULL AS revoked, \
                i.expires_at <= now() AS expired \
         FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|r| Found {
        workspace_id: r.workspace_id,
        email: r.email,
        role: Role::parse(&r.role).unwrap_or(Role::Viewer),
        inviter: r.inviter.unwrap_or_else(|| "A former member".into()),
        expires_at: r.expires_at,
        state: if r.accepted {
            InviteState::Accepted
        } else if r.revoked {
            InviteState::Revoked
        } else if r.expired {
            InviteState::Expired
        } else {
            InviteState::Open
        },
    }))
}

fn refusal(state: InviteState) -> AppError {
    match state {
        InviteState::Expired => {
            AppError::Conflict("This invitation has expired. Ask for a new one.".into())
        }
        InviteState::Revoked => AppError::Conflict("This invitation was revoked.".into()),
        InviteState::Accepted => {
            AppError::Conflict("This invitation has already been used.".into())
        }
        InviteState::Unknown => AppError::NotFound,
        InviteState::Open => AppError::Internal,
    }
}

/// Opens the token's invitation in a transaction that presents the token
/// (and the caller's session, if any); `Ok(None)` for an unknown or
/// malformed token.
async fn open(
    pool: &PgPool,
    token: &str,
    session: Option<&SessionDigest>,
) -> Result<Option<(TokenTx, Found)>, AppError> {
    if !well_formed(token) {
        return Ok(None);
    }
    let hash = tokens::digest(token);
    let mut tx = tenancy::begin_token(pool, &hash, session).await?;
    Ok(find(&mut tx, &hash).await?.map(|found| (tx, found)))
}

pub async fn page(
    pool: &PgPool,
    token: &str,
    viewer_email: Option<String>,
) -> Result<InvitePageView, AppError> {
    let Some((mut tx, found)) = open(pool, token, None).await? else {
        return Ok(InvitePageView::unknown(viewer_email));
    };
    let (name, logo, color): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT name, logo_url, primary_color FROM workspaces WHERE id = $1")
            .bind(found.workspace_id)
            .fetch_one(tx.conn())
            .await?;
    tx.commit().await?;
    Ok(InvitePageView {
        state: found.state,
        workspace_name: name,
        workspace_logo: logo,
        workspace_color: color,
        inviter: found.inviter,
        email: found.email,
        role: Some(found.role),
        expires_at: Some(found.expires_at),
        viewer_email,
    })
}

/// The signed-in user with the invited email joins. Returns the workspace slug.
pub async fn accept(
    pool: &PgPool,
    token: &str,
    principal: &Principal,
    email: &str,
) -> Result<String, AppError> {
    let (tx, found) = open(pool, token, Some(principal.session()))
        .await?
        .ok_or(AppError::NotFound)?;
    if !found.email.eq_ignore_ascii_case(email.trim()) {
        return Err(AppError::Forbidden);
    }
    if found.state != InviteState::Open {
        return Err(refusal(found.state));
    }
    join(tx, token, principal, &found).await
}

/// A person without an account signs up with the invited email (fixed by the
/// invitation, not by the form) and joins, in one transaction that also
/// starts their first session. No personal workspace is made: they see only
/// what they were invited to. The password is hashed before the transaction
/// opens.
pub async fn sign_up_and_accept(
    pool: &PgPool,
    auth: &AuthPool,
    cfg: &Config,
    token: &str,
    name: String,
    password: String,
    client: &ClientInfo,
) -> Result<(NewSession, String), AppError> {
    if !well_formed(token) {
        return Err(AppError::NotFound);
    }
    // The address is the invitation's; validate the rest before any hashing.
    let placeholder_email = "invitee@example.com".to_string();
    let valid = users::prepare_sign_up(SignupInput {
        email: placeholder_email,
        password,
        name,
    })
    .await?;
    // Which address the invitation fixes (read as the runtime role, by the token).
    let (peek, found) = open(pool, token, None).await?.ok_or(AppError::NotFound)?;
    drop(peek);
    if found.state != InviteState::Open {
        return Err(refusal(found.state));
    }
    let valid = valid.with_email(found.email.clone());
    // The log-in role creates the account and its session; the same transaction then
    // continues as the runtime role, presenting the token and the new session.
    let (session_token, digest) = sessions::new_token();
    let mut login = tenancy::begin_login(auth, &digest).await?;
    let user_id = users::insert_account(login.conn(), &valid, cfg.trial())
        .await
        .map_err(|e| match e.message_for("email") {
            Some(m) if m.contains("already exists") => AppError::field(
                "email",
                "An account with this email already exists. Log in to accept the invitation.",
            ),
            _ => e,
        })?;
    sessions::insert(
        login.conn(),
        cfg,
        user_id,
        &digest,
        client.user_agent.as_deref(),
        client.ip.clone(),
    )
    .await?;
    let hash = tokens::digest(token);
    let mut tx = login.into_token(&hash).await?;
    let found = find(&mut tx, &hash).await?.ok_or(AppError::NotFound)?;
    if found.state != InviteState::Open || !found.email.eq_ignore_ascii_case(&valid.email) {
        return Err(refusal(found.state));
    }
    let principal = Principal::user(user_id, valid.name.clone(), digest);
    let slug = join(tx, token, &principal, &found).await?;
    Ok((
        NewSession {
            token: session_token,
            principal,
        },
        slug,
    ))
}

/// The one atomic claim of the invitation plus the membership, in the
/// caller's transaction, then commit. Of two racing accepts exactly one
/// updates the row; the other sees it accepted and changes nothing.
async fn join(
    mut tx: TokenTx,
    token: &str,
    principal: &Principal,
    found: &Found,
) -> Result<String, AppError> {
    let user_id = principal.user_id().ok_or(AppError::Forbidden)?;
    let claimed: Option<(Uuid, Uuid, String)> = sqlx::query_as(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 \
         WHERE token_hash = $1 AND email = $3::citext \
           AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() \
         RETURNING workspace_id, id, role",
    )
    .bind(tokens::digest(token))
    .bind(user_id)
    .bind(&found.email)
    .fetch_optional(tx.conn())
    .await?;
    let Some((ws, invitation_id, role)) = claimed else {
        return Err(AppError::Conflict(
            "This invitation is no longer valid: it was used, revoked or has expired.".into(),
        ));
    };
    let role = Role::parse(&role).ok_or(AppError::Internal)?;
    // The database admits the membership only if the inviter may still grant
    // this role; ask first, to say so clearly.
    let grantable: Option<String> = sqlx::query_scalar("SELECT app_claimed_role($1)")
        .bind(ws)
        .fetch_one(tx.conn())
        .await?;
    if grantable.as_deref() != Some(role.as_str()) {
        return Err(AppError::Conflict(
            "This invitation is no longer valid: the person who sent it can no longer add members. Ask for a new one."
                .into(),
        ));
    }
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, user_id) DO NOTHING",
    )
    .bind(ws)
    .bind(user_id)
    .bind(role.as_str())
    .execute(tx.conn())
    .await?;
    sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2")
        .bind(ws)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    let (slug, name): (String, String) =
        sqlx::query_as("SELECT slug, name FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(tx.conn())
            .await?;
    let mut tx = tx.joined(principal, ws, slug.clone(), name, role).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "member.joined",
            "member",
            format!("joined as {} (invited by {})", role.label(), found.inviter),
        )
        .object(user_id)
        .detail(serde_json::json!({ "invitation_id": invitation_id, "role": role })),
    )
    .await?;
    tx.commit().await?;
    Ok(slug)
}
