//! Members of a workspace: list, change role, remove, leave, transfer ownership.
//! Rules (SPEC §1): OWNER only moves by transfer; nobody changes their own
//! role; an ADMIN cannot touch the owner. Every change is logged in the same
//! transaction, and a person who loses the right to manage members loses
//! their open invitations with it.
use crate::model::{AppError, MemberView, Permission, Role, TeamView};
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: Uuid,
    name: String,
    email: String,
    role: String,
    joined_at: chrono::DateTime<chrono::Utc>,
}

impl From<MemberRow> for MemberView {
    fn from(r: MemberRow) -> Self {
        MemberView {
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            joined_at: r.joined_at,
        }
    }
}

pub async fn list(tx: &mut ScopedTx) -> Result<TeamView, AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let ws = tx.workspace_id();
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email::text AS email, m.role, m.created_at AS joined_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 \
         ORDER BY array_position(ARRAY['OWNER','ADMIN','EDITOR','VIEWER','CLIENT'], m.role), lower(u.name)",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(TeamView {
        members: rows.into_iter().map(Into::into).collect(),
        me: tx.ctx().actor_user()?,
        my_role: tx.ctx().role(),
    })
}

async fn member(tx: &mut ScopedTx, user_id: Uuid, lock: bool) -> Result<MemberView, AppError> {
    let ws = tx.workspace_id();
    let sql = format!(
        "SELECT u.id AS user_id, u.name, u.email::text AS email, m.role, m.created_at AS joined_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 AND m.user_id = $2{}",
        if lock { " FOR UPDATE OF m" } else { "" }
    );
    let row: Option<MemberRow> = sqlx::query_as(&sql)
        .bind(ws)
        .bind(user_id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(Into::into).ok_or(AppError::NotFound)
}

/// The target's membership, locked for the rest of the transaction when the
/// caller may change it (the database lets only such callers lock a row:
/// `FOR UPDATE` must pass the `memberships_manage` policy, which admits no
/// OWNER row and not the caller's own). The caller's own membership is locked
/// FOR SHARE (`app_lock_membership`); the OWNER's row is locked by the
/// database's transfer path itself. Others get it unlocked, to be refused by
/// the caller's rule checks.
async fn locked_member(tx: &mut ScopedTx, user_id: Uuid) -> Result<MemberView, AppError> {
    let found = member(tx, user_id, false).await?;
    let me = tx.ctx().role();
    if Some(user_id) == tx.ctx().actor_user().ok() {
        sqlx::query("SELECT app_lock_membership()")
            .execute(tx.conn())
            .await?;
        Ok(found)
    } else if me.can(Permission::ManageMembers) && found.role != Role::Owner {
        member(tx, user_id, true).await
    } else {
        Ok(found)
    }
}

/// Invitations sent by someone who can no longer grant them die with their
/// authority (and so does their unsent mail).
async fn revoke_invitations_of(tx: &mut ScopedTx, inviter: Uuid) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    sqlx::query(
        "WITH gone AS ( \
           UPDATE invitations SET revoked_at = now() \
            WHERE workspace_id = $1 AND invited_by = $2 AND accepted_at IS NULL AND revoked_at IS NULL \
           RETURNING id) \
         UPDATE email_outbox SET status = 'cancelled', body_text = NULL \
          WHERE workspace_id = $1 AND status = 'pending' AND invitation_id IN (SELECT id FROM gone)",
    )
    .bind(ws)
    .bind(inviter)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn change_role(
    tx: &mut ScopedTx,
    user_id: Uuid,
    role: &str,
) -> Result<MemberView, AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    let role =
        Role::parse(role).ok_or_else(|| AppError::field("role", "Choose a role from the list."))?;
    if role == Role::Owner {
        return Err(AppError::field(
            "role",
            "Ownership can only be handed over with “Transfer ownership”.",
        ));
    }
    if user_id == tx.ctx().actor_user()? {
        return Err(AppError::field("role", "You can't change your own role."));
    }
    let target = locked_member(tx, user_id).await?;
    if target.role == Role::Owner {
        return Err(AppError::Forbidden);
    }
    if target.role == role {
        return Ok(target);
    }
    let ws = tx.workspace_id();
    sqlx::query("UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws)
        .bind(user_id)
        .bind(role.as_str())
        .execute(tx.conn())
        .await?;
    if !role.can(Permission::ManageMembers) {
        revoke_invitations_of(tx, user_id).await?;
    }
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "member.role_changed",
            "member",
            format!(
                "changed {}’s role from {} to {}",
                target.name,
                target.role.label(),
                role.label()
            ),
        )
        .object(user_id)
        .detail(serde_json::json!({ "from": target.role, "to": role })),
    )
    .await?;
    Ok(MemberView { role, ..target })
}

pub async fn remove(tx: &mut ScopedTx, user_id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageMembers)?;
    if user_id == tx.ctx().actor_user()? {
        return Err(AppError::field(
            "form",
            "You can't remove yourself. Use “Leave workspace” instead.",
        ));
    }
    let target = locked_member(tx, user_id).await?;
    if target.role == Role::Owner {
        return Err(AppError::Forbidden);
    }
    revoke_invitations_of(tx, user_id).await?;
    delete_membership(tx, user_id).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "member.removed",
            "member",
            format!("removed {} from the workspace", target.name),
        )
        .object(user_id)
        .detail(serde_json::json!({ "role": target.role })),
    )
    .await?;
    Ok(())
}

async fn delete_membership(tx: &mut ScopedTx, user_id: Uuid) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn leave(tx: &mut ScopedTx) -> Result<(), AppError> {
    const OWNER_STAYS: &str = "The owner can't leave. Transfer ownership to an admin first.";
    if tx.ctx().role() == Role::Owner {
        return Err(AppError::field("form", OWNER_STAYS));
    }
    let me = tx.ctx().actor_user()?;
    let mine = locked_member(tx, me).await?;
    if mine.role == Role::Owner {
        return Err(AppError::field("form", OWNER_STAYS));
    }
    // Logged while still a member: the policy admits activity only from one.
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new("member.left", "member", "left the workspace").object(me),
    )
    .await?;
    revoke_invitations_of(tx, me).await?;
    delete_membership(tx, me).await?;
    Ok(())
}

/// Hands the workspace to an existing ADMIN; the old owner becomes ADMIN. The
/// caller checked the owner's password before opening the transaction.
pub async fn transfer_ownership(tx: &mut ScopedTx, to_user: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::OwnWorkspace)?;
    let me = tx.ctx().actor_user()?;
    if to_user == me {
        return Err(AppError::field(
            "user_id",
            "You already own this workspace.",
        ));
    }
    let mine = locked_member(tx, me).await?;
    let target = locked_member(tx, to_user).await?;
    if mine.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if target.role != Role::Admin {
        return Err(AppError::field(
            "user_id",
            "Ownership can only go to an admin. Make them an admin first.",
        ));
    }
    let ws = tx.workspace_id();
    // The database's own transfer path: it checks again that the session's user is
    // the OWNER and the new owner an ADMIN, locks the new owner's usage, moves both
    // roles and `workspaces.owner_id` (which no UPDATE grant reaches).
    sqlx::query("SELECT app_transfer_ownership($1)")
        .bind(to_user)
        .execute(tx.conn())
        .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "workspace.ownership_transferred",
            "workspace",
            format!("transferred ownership to {}", target.name),
        )
        .object(ws)
        .detail(serde_json::json!({ "from": me, "to": to_user })),
    )
    .await?;
    Ok(())
}
