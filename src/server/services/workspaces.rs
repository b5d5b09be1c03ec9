//! Workspaces: create, list for the switcher, settings, brand profile, delete.
use crate::model::{
    validate, AppError, Permission, Problems, Role, WorkspaceSettingsView, WorkspaceSummary,
};
use crate::server::db::{self, begin_user};
use crate::server::error::violated_constraint;
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::{Principal, WorkspaceCtx};
use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

type SummaryRow = (
    Uuid,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    String,
);

fn summary(
    (id, name, slug, logo_url, primary_color, is_personal, role): SummaryRow,
) -> WorkspaceSummary {
    WorkspaceSummary {
        id,
        name,
        slug,
        logo_url,
        primary_color,
        is_personal,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
    }
}

/// Every workspace the user belongs to, personal first, then by name.
pub async fn list_for_user(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Vec<WorkspaceSummary>, AppError> {
    let mut tx = begin_user(pool, user_id).await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT w.id, w.name, w.slug, w.logo_url, w.primary_color, w.is_personal, m.role \
         FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.user_id = $1 ORDER BY w.is_personal DESC, lower(w.name), w.slug",
    )
    .bind(user_id)
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// Derives a URL-safe slug from a name.
pub fn slug_base(name: &str) -> String {
    // "Ada's workspace" → ada-s-workspace reads badly; drop apostrophes first.
    let mut s = slug::slugify(name.replace(['\'', '’'], ""));
    s.truncate(40);
    let s = s.trim_matches('-').to_string();
    if s.len() < 2 {
        "workspace".into()
    } else {
        s
    }
}

/// Creates a workspace owned by the principal inside the caller's
/// transaction (so sign-up and its personal workspace are one change).
pub async fn create_in(
    conn: &mut PgConnection,
    principal: &Principal,
    name: &str,
    is_personal: bool,
) -> Result<WorkspaceCtx, AppError> {
    let owner = principal.user_id().ok_or(AppError::Forbidden)?;
    let name = validate::workspace_name(name).map_err(|m| AppError::field("name", m))?;
    let id = Uuid::new_v4();
    sqlx::query("SELECT set_config('app.workspace_id', $1, true)")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    let base = slug_base(&name);
    let mut slug = base.clone();
    let mut attempt = 1;
    loop {
        let mut sp = conn.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO workspaces (id, name, slug, owner_id, is_personal) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&name)
        .bind(&slug)
        .bind(owner)
        .bind(is_personal)
        .execute(&mut *sp)
        .await;
        match inserted {
            Ok(_) => {
                sp.commit().await?;
                break;
            }
            Err(e) if violated_constraint(&e).as_deref() == Some("workspaces_slug_key") => {
                sp.rollback().await?;
                attempt += 1;
                slug = if attempt <= 20 {
                    format!("{base}-{attempt}")
                } else {
                    format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..6])
                };
            }
            Err(e) => return Err(e.into()),
        }
    }
    sqlx::query("INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'OWNER')")
        .bind(id)
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO brand_profiles (workspace_id) VALUES ($1)")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2")
        .bind(id)
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    let ctx = WorkspaceCtx::founding(principal, id, slug, name.clone());
    activity::record(
        conn,
        &ctx,
        Event::new(
            "workspace.created",
            "workspace",
            format!("created the workspace “{name}”"),
        )
        .object(id),
    )
    .await?;
    Ok(ctx)
}

pub async fn create(
    pool: &PgPool,
    principal: &Principal,
    name: &str,
) -> Result<WorkspaceCtx, AppError> {
    let mut tx = pool.begin().await?;
    let ctx = create_in(&mut tx, principal, name, false).await?;
    tx.commit().await?;
    Ok(ctx)
}

/// Remembers the workspace the user last opened, for the next login.
pub async fn remember_last(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
    user_id: Uuid,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2 AND last_workspace_id IS DISTINCT FROM $1")
        .bind(ctx.workspace_id())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

type SettingsRow = (
    Uuid,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    bool,
    chrono::DateTime<chrono::Utc>,
);

pub async fn settings(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
) -> Result<WorkspaceSettingsView, AppError> {
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let (id, name, slug, logo_url, primary_color, default_language, is_personal, created_at): SettingsRow =
        sqlx::query_as(
            "SELECT id, name, slug, logo_url, primary_color, default_language, is_personal, created_at \
             FROM workspaces WHERE id = $1",
        )
        .bind(ctx.workspace_id())
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(WorkspaceSettingsView {
        id,
        name,
        slug,
        logo_url,
        primary_color,
        default_language,
        is_personal,
        created_at,
        role: ctx.role(),
    })
}

#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub name: String,
    pub slug: String,
    pub logo_url: String,
    pub primary_color: String,
    pub default_language: String,
}

/// Validates and saves the general settings; returns the (possibly new) slug.
pub async fn update_settings(
    pool: &PgPool,
    ctx: &WorkspaceCtx,
    input: SettingsInput,
) -> Result<String, AppError> {
    ctx.require(Permission::EditSettings)?;
    let mut p = Problems::default();
    let name = validate::workspace_name(&input.name)
        .map_err(|m| p.add("name", m))
        .ok();
    let slug = validate::slug(&input.slug)
        .map_err(|m| p.add("slug", m))
        .ok();
    let logo = validate::optional_url(&input.logo_url, "Logo URL")
        .map_err(|m| p.add("logo_url", m))
        .ok();
    let color = validate::color(&input.primary_color, "Primary colour")
        .map_err(|m| p.add("primary_color", m))
        .ok();
    let lang = validate::language(&input.default_language)
        .map_err(|m| p.add("default_language", m))
        .ok();
    p.into_result()?;
    let (name, slug, logo, color, lang) = (
        name.unwrap(),
        slug.unwrap(),
        logo.unwrap(),
        color.unwrap(),
        lang.unwrap(),
    );

    let mut tx = db::begin_scoped(pool, ctx).await?;
    let result = sqlx::query(
        "UPDATE workspaces SET name = $2, slug = $3, logo_url = $4, primary_color = $5, default_language = $6 \
         WHERE id = $1",
    )
    .bind(ctx.workspace_id())
    .bind(&name)
    .bind(&slug)
    .bind(&logo)
    .bind(&color)
    .bind(&lang)
    .execute(tx.conn())
    .await;
    match result {
        Ok(r) if r.rows_affected() == 1 => {}
        Ok(_) => return Err(AppError::NotFound),
        Err(e) if violated_constraint(&e).as_deref() == Some("workspaces_slug_key") => {
            return Err(AppError::field(
                "slug",
                "This slug is already taken. Try another.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    activity::record(
        tx.conn(),
        ctx,
        Event::new("workspace.updated", "workspace", "updated the workspace settings")
            .object(ctx.workspace_id())
            .detail(serde_json::json!({ "name": name, "slug": slug, "primary_color": color, "default_language": lang })),
    )
    .await?;
    tx.commit().await?;
    Ok(slug)
}

/// Deletes the workspace and everything in it. The typed name must match.
pub async fn delete(pool: &PgPool, ctx: &WorkspaceCtx, confirm_name: &str) -> Result<(), AppError> {
    ctx.require(Permission::OwnWorkspace)?;
    if confirm_name.trim() != ctx.name() {
        return Err(AppError::field(
            "confirm_name",
            "Type the workspace name exactly to confirm.",
        ));
    }
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let done = sqlx::query("DELETE FROM workspaces WHERE id = $1")
        .bind(ctx.workspace_id())
        .execute(tx.conn())
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    sqlx::query("UPDATE users SET last_workspace_id = NULL WHERE last_workspace_id = $1")
        .bind(ctx.workspace_id())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    tracing::info!(workspace = %ctx.workspace_id(), "workspace deleted");
    Ok(())
}

pub async fn member_count(pool: &PgPool, ctx: &WorkspaceCtx) -> Result<i64, AppError> {
    let mut tx = db::begin_scoped(pool, ctx).await?;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE workspace_id = $1")
        .bind(ctx.workspace_id())
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(n)
}
