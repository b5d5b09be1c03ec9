//! Members of a workspace: list, change role, remove, leave, transfer ownership.
//! Rules (SPEC §1): OWNER only moves by transfer; nobody changes their own
//! role; an ADMIN cannot touch the owner. Every change is logged in the same
//! transaction.
use crate::model::{AppError, MemberView, Permission, Role, TeamView};
use crate::server::auth::passwords;
use crate::server::db::{self, ScopedTx};
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::WorkspaceCtx;
use sqlx::PgPool;
use uuid::Uuid;

type MemberRow = (Uuid, String, String, String, chrono::DateTime<chrono::Utc>);

fn member((user_id, name, email, role, joined_at): MemberRow) -> MemberView {
    MemberView {
        user_id,
        name,
        email,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        joined_at,
    }
}

pub async fn list(pool: &PgPool, ctx: &WorkspaceCtx, me: Uuid) -> Result<TeamView, AppError> {
    ctx.require(Permission::ManageMembers)?;
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email::text, m.role, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 \
         ORDER BY array_position(ARRAY['OWNER','ADMIN','EDITOR','VIEWER','CLIENT'], m.role), lower(u.name)",
    )
    .bind(ctx.workspace_id())
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(TeamView {
        members: rows.into_iter().map(member).collect(),
        me,
        my_role: ctx.role(),
    })
}

/// The target's membership, locked for the rest of the transaction.
async fn locked_member(tx: &mut ScopedTx, user_id: Uuid) -> Result<MemberView, AppError> {
    let ws = tx.workspace_id();
    let row: Option<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email::text, m.role, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 AND m.user_id = $2 FOR UPDATE OF m",
    )
    .bind(ws)
    .bind(user_id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(member).ok_or(AppError::NotFound)
}

fn actor_id(ctx: &WorkspaceCtx) -> Result<Uuid, AppError> {
    ctx.actor().user_id.ok_or(AppError::Forbidden)
}

pub async fn change_role(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
    user_id: Uuid,
    role: &str,
) -> Result<MemberView, AppError> {
    ctx.require(Permission::ManageMembers)?;
    let role =
        Role::parse(role).ok_or_else(|| AppError::field("role", "Choose a role from the list."))?;
    if role == Role::Owner {
        return Err(AppError::field(
            "role",
            "Ownership can only be handed over with “Transfer ownership”.",
        ));
    }
    if user_id == actor_id(ctx)? {
        return Err(AppError::field("role", "You can't change your own role."));
    }
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let target = locked_member(&mut tx, user_id).await?;
    if target.role == Role::Owner {
        return Err(AppError::Forbidden);
    }
    if target.role == role {
        return Ok(target);
    }
    sqlx::query("UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2")
        .bind(ctx.workspace_id())
        .bind(user_id)
        .bind(role.as_str())
        .execute(tx.conn())
        .await?;
    activity::record(
        tx.conn(),
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
    tx.commit().await?;
    Ok(MemberView { role, ..target })
}

pub async fn remove(pool: &PgPool, ctx: &WorkspaceCtx, user_id: Uuid) -> Result<(), AppError> {
    ctx.require(Permission::ManageMembers)?;
    if user_id == actor_id(ctx)? {
        return Err(AppError::field(
            "form",
            "You can't remove yourself. Use “Leave workspace” instead.",
        ));
    }
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let target = locked_member(&mut tx, user_id).await?;
    if target.role == Role::Owner {
        return Err(AppError::Forbidden);
    }
    delete_membership(&mut tx, user_id).await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new(
            "member.removed",
            "member",
            format!(
                "removed {} ({}) from the workspace",
                target.name, target.email
            ),
        )
        .object(user_id)
        .detail(serde_json::json!({ "role": target.role })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn delete_membership(tx: &mut ScopedTx, user_id: Uuid) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    // The next login should not aim at a workspace they can no longer open.
    sqlx::query(
        "UPDATE users SET last_workspace_id = NULL WHERE id = $1 AND last_workspace_id = $2",
    )
    .bind(user_id)
    .bind(ws)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn leave(pool: &PgPool, ctx: &WorkspaceCtx) -> Result<(), AppError> {
    if ctx.role() == Role::Owner {
        return Err(AppError::field(
            "form",
            "The owner can't leave. Transfer ownership to an admin first.",
        ));
    }
    let me = actor_id(ctx)?;
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let mine = locked_member(&mut tx, me).await?;
    if mine.role == Role::Owner {
        return Err(AppError::field(
            "form",
            "The owner can't leave. Transfer ownership to an admin first.",
        ));
    }
    delete_membership(&mut tx, me).await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new("member.left", "member", "left the workspace").object(me),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hands the workspace to an existing ADMIN; the old owner becomes ADMIN.
pub async fn transfer_ownership(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
    to_user: Uuid,
    password: String,
) -> Result<(), AppError> {
    ctx.require(Permission::OwnWorkspace)?;
    let me = actor_id(ctx)?;
    if to_user == me {
        return Err(AppError::field(
            "user_id",
            "You already own this workspace.",
        ));
    }
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(me)
        .fetch_optional(pool)
        .await?;
    if password.is_empty() || !passwords::verify(password, hash).await? {
        return Err(AppError::field("password", "Your password is incorrect."));
    }
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let mine = locked_member(&mut tx, me).await?;
    let target = locked_member(&mut tx, to_user).await?;
    if mine.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if target.role != Role::Admin {
        return Err(AppError::field(
            "user_id",
            "Ownership can only go to an admin. Make them an admin first.",
        ));
    }
    let ws = ctx.workspace_id();
    for (user, role) in [(me, Role::Admin), (to_user, Role::Owner)] {
        sqlx::query("UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2")
            .bind(ws)
            .bind(user)
            .bind(role.as_str())
            .execute(tx.conn())
            .await?;
    }
    sqlx::query("UPDATE workspaces SET owner_id = $2 WHERE id = $1")
        .bind(ws)
        .bind(to_user)
        .execute(tx.conn())
        .await?;
    activity::record(
        tx.conn(),
        ctx,
        Event::new(
            "workspace.ownership_transferred",
            "workspace",
            format!(
                "transferred ownership to {} ({})",
                target.name, target.email
            ),
        )
        .object(ws)
        .detail(serde_json::json!({ "from": me, "to": to_user })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
