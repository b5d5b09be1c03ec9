//! Workspaces: create, list for the switcher, settings, brand profile, delete.
use crate::model::{
    validate, AppError, Permission, Problems, Role, WorkspaceSettingsView, WorkspaceSummary,
};
use crate::server::error::violated_constraint;
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::{self, Principal, ScopedTx, UserTx};
use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    name: String,
    slug: String,
    logo_url: Option<String>,
    primary_color: Option<String>,
    is_personal: bool,
    role: String,
}

impl From<SummaryRow> for WorkspaceSummary {
    fn from(r: SummaryRow) -> Self {
        WorkspaceSummary {
            initials: crate::model::initials(&r.name),
            id: r.id.to_string(),
            name: r.name,
            slug: r.slug,
            logo_url: r.logo_url,
            primary_color: r.primary_color,
            is_personal: r.is_personal,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
        }
    }
}

/// The switcher's list of user `$1`'s workspaces, personal first, then by
/// name; `{extra}` adds columns.
fn summary_query(extra: &str) -> String {
    format!(
        "SELECT w.id, w.name, w.slug, w.logo_url, w.primary_color, w.is_personal, m.role{extra} \
         FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.user_id = $1 ORDER BY w.is_personal DESC, lower(w.name), w.slug"
    )
}

/// Every workspace the user belongs to, personal first, then by name. Runs in
/// any transaction that presents the user's session.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> Result<Vec<WorkspaceSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&summary_query(""))
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The quick finder: user `user_id`'s workspaces whose name or slug contains `q` (any
/// case), names that start with it first, at most `limit`.
pub async fn find_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    q: &str,
    limit: i64,
) -> Result<Vec<WorkspaceSummary>, AppError> {
    let q = q.trim();
    let pattern = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT w.id, w.name, w.slug, w.logo_url, w.primary_color, w.is_personal, m.role \
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
          WHERE m.user_id = $1 AND (w.name ILIKE $2 OR w.slug ILIKE $2) \
          ORDER BY (lower(w.name) LIKE lower($3) || '%') DESC, lower(w.name), w.slug LIMIT $4",
    )
    .bind(user_id)
    .bind(&pattern)
    .bind(q.replace(['%', '_', '\\'], ""))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// At most this many workspaces in the sidebar's switcher (the current one among them);
/// beyond that it links to the agency dashboard, whose finder searches them all.
pub const SWITCHER_MAX: i64 = 12;

/// What the workspace layout draws in one statement: the switcher's list (the current
/// workspace and the first others, personal first, then by name), how many workspaces
/// the user has in all, and the number of posts in `ws` waiting for approval (an
/// uncorrelated sub-select, computed once).
pub async fn shell_list(
    tx: &mut ScopedTx,
    user_id: Uuid,
) -> Result<(Vec<WorkspaceSummary>, i64, i64), AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        summary: SummaryRow,
        pending: i64,
        total: i64,
    }
    let ws = tx.workspace_id();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT w.id, w.name, w.slug, w.logo_url, w.primary_color, w.is_personal, m.role, \
                (SELECT count(*) FROM posts p \
                  WHERE p.workspace_id = $2 AND p.status = 'awaiting_approval') AS pending, \
                count(*) OVER () AS total \
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
          WHERE m.user_id = $1 \
          ORDER BY (w.id = $2) DESC, w.is_personal DESC, lower(w.name), w.slug LIMIT $3",
    )
    .bind(user_id)
    .bind(ws)
    .bind(SWITCHER_MAX)
    .fetch_all(tx.conn())
    .await?;
    let pending = rows.first().map_or(0, |r| r.pending);
    let total = rows.first().map_or(0, |r| r.total);
    let mut list: Vec<SummaryRow> = rows.into_iter().map(|r| r.summary).collect();
    list.sort_by(|a, b| {
        (!a.is_personal, a.name.to_lowercase(), &a.slug).cmp(&(
            !b.is_personal,
            b.name.to_lowercase(),
            &b.slug,
        ))
    });
    Ok((list.into_iter().map(Into::into).collect(), pending, total))
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
/// transaction (so sign-up and its personal workspace are one change) and
/// returns that transaction scoped to the new workspace.
pub async fn create_in(
    mut tx: UserTx,
    principal: &Principal,
    name: &str,
    is_personal: bool,
) -> Result<ScopedTx, AppError> {
    let owner = principal.user_id().ok_or(AppError::Forbidden)?;
    let name = validate::workspace_name(name).map_err(|m| AppError::field("name", m))?;
    let id = Uuid::new_v4();
    let conn = tx.conn();
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
    let mut tx = tx
        .found_workspace(principal, id, slug, name.clone())
        .await?;
    sqlx::query("INSERT INTO brand_profiles (workspace_id) VALUES ($1)")
        .bind(id)
        .execute(tx.conn())
        .await?;
    remember_last(tx.conn(), owner, id).await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "workspace.created",
            "workspace",
            format!("created the workspace “{name}”"),
        )
        .object(id),
    )
    .await?;
    Ok(tx)
}

/// Creates a workspace for the principal; returns its slug.
pub async fn create(
    pool: &PgPool,
    principal: &Principal,
    name: &str,
    billing: crate::server::config::BillingMode,
) -> Result<String, AppError> {
    let mut tx = tenancy::begin_user(pool, principal).await?;
    crate::server::services::usage::check_workspace(&mut tx, billing).await?;
    let tx = create_in(tx, principal, name, false).await?;
    let slug = tx.ctx().slug().to_string();
    tx.commit().await?;
    Ok(slug)
}

/// Remembers the workspace the user last opened, for the next login (the
/// user's own row; the `users_self_update` policy admits no other).
pub async fn remember_last(
    conn: &mut PgConnection,
    user_id: Uuid,
    workspace_id: Uuid,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2 AND last_workspace_id IS DISTINCT FROM $1")
        .bind(workspace_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    id: Uuid,
    name: String,
    slug: String,
    logo_url: Option<String>,
    primary_color: Option<String>,
    default_language: String,
    is_personal: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn settings(tx: &mut ScopedTx) -> Result<WorkspaceSettingsView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let r: SettingsRow = sqlx::query_as(
        "SELECT id, name, slug, logo_url, primary_color, default_language, is_personal, created_at \
         FROM workspaces WHERE id = $1",
    )
    .bind(ws)
    .fetch_one(tx.conn())
    .await?;
    Ok(WorkspaceSettingsView {
        id: r.id,
        name: r.name,
        slug: r.slug,
        logo_url: r.logo_url,
        primary_color: r.primary_color,
        default_language: r.default_language,
        is_personal: r.is_personal,
        created_at: r.created_at,
        role: tx.ctx().role(),
    })
}

pub use crate::model::WorkspaceSettingsInput as SettingsInput;

/// Validates and saves the general settings; returns the (possibly new) slug.
pub async fn update_settings(tx: &mut ScopedTx, input: SettingsInput) -> Result<String, AppError> {
    tx.ctx().require(Permission::EditSettings)?;
    let mut p = Problems::default();
    let name = validate::workspace_name(&input.name)
        .map_err(|m| p.add("name", m))
        .ok();
    let slug = validate::slug(&input.new_slug)
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

    let ws = tx.workspace_id();
    let result = sqlx::query(
        "UPDATE workspaces SET name = $2, slug = $3, logo_url = $4, primary_color = $5, default_language = $6 \
         WHERE id = $1",
    )
    .bind(ws)
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
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new("workspace.updated", "workspace", "updated the workspace settings")
            .object(ws)
            .detail(serde_json::json!({ "name": name, "slug": slug, "primary_color": color, "default_language": lang })),
    )
    .await?;
    Ok(slug)
}

/// Deletes the workspace and everything in it. The typed name must match.
/// Members' `last_workspace_id` may still point at it; the switcher skips
/// a workspace they no longer belong to.
pub async fn delete(tx: &mut ScopedTx, confirm_name: &str) -> Result<(), AppError> {
    tx.ctx().require(Permission::OwnWorkspace)?;
    if confirm_name.trim() != tx.ctx().name() {
        return Err(AppError::field(
            "confirm_name",
            "Type the workspace name exactly to confirm.",
        ));
    }
    let ws = tx.workspace_id();
    let done = sqlx::query("DELETE FROM workspaces WHERE id = $1")
        .bind(ws)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    tracing::info!(workspace = %ws, "workspace deleted");
    Ok(())
}

pub async fn member_count(tx: &mut ScopedTx) -> Result<i64, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE workspace_id = $1")
        .bind(ws)
        .fetch_one(tx.conn())
        .await?;
    Ok(n)
}

/// Settings › Publishing: the workspace's time zone and whether scheduled
/// posts need a client's approval.
pub async fn update_publishing(
    tx: &mut ScopedTx,
    timezone: &str,
    require_approval: bool,
) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditSettings)?;
    let zone = crate::server::services::zones::parse(timezone).ok_or_else(|| {
        AppError::field(
            "timezone",
            "Choose a time zone from the list (an IANA name such as Europe/Paris).",
        )
    })?;
    let ws = tx.workspace_id();
    sqlx::query("UPDATE workspaces SET timezone = $2, require_approval = $3 WHERE id = $1")
        .bind(ws)
        .bind(zone.name())
        .bind(require_approval)
        .execute(tx.conn())
        .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "workspace.publishing_updated",
            "workspace",
            format!(
                "set the time zone to {} and client approval {}",
                zone.name(),
                if require_approval { "on" } else { "off" }
            ),
        )
        .object(ws),
    )
    .await
}
