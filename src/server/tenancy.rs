//! Who is acting, and the proof that they may act in a workspace.
//!
//! `WorkspaceCtx` has private fields and only two constructors: `authorize()`
//! (membership + role check) and the creation of a new workspace. Every
//! service that touches tenant data takes one, so reaching tenant data without
//! a check does not compile.
use crate::model::{AppError, Permission, Role};
use crate::server::db;
use sqlx::PgPool;
use uuid::Uuid;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User { id: Uuid, name: String },
}

impl Principal {
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { id, .. } => Some(*id),
        }
    }
    fn actor(&self) -> Actor {
        match self {
            Principal::User { id, name } => Actor {
                user_id: Some(*id),
                key_id: None,
                label: name.clone(),
            },
        }
    }
}

/// Who the activity log names for a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub key_id: Option<Uuid>,
    pub label: String,
}

/// How a request names a workspace.
#[derive(Debug, Clone, Copy)]
pub enum WorkspaceRef<'a> {
    Slug(&'a str),
    Id(Uuid),
}

#[derive(Debug, Clone)]
pub struct WorkspaceCtx {
    workspace_id: Uuid,
    slug: String,
    name: String,
    role: Role,
    actor: Actor,
}

impl WorkspaceCtx {
    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }
    pub fn slug(&self) -> &str {
        &self.slug
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// Checks one more permission on an existing context.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The context of a workspace the principal is creating right now.
    pub(in crate::server) fn founding(
        principal: &Principal,
        workspace_id: Uuid,
        slug: String,
        name: String,
    ) -> WorkspaceCtx {
        WorkspaceCtx {
            workspace_id,
            slug,
            name,
            role: Role::Owner,
            actor: principal.actor(),
        }
    }

    /// The context of a workspace the principal is joining right now through
    /// an invitation whose token they presented (the token is the proof).
    pub(in crate::server) fn joining(
        principal: &Principal,
        workspace_id: Uuid,
        slug: String,
        name: String,
        role: Role,
    ) -> WorkspaceCtx {
        WorkspaceCtx {
            workspace_id,
            slug,
            name,
            role,
            actor: principal.actor(),
        }
    }
}

/// The only way to obtain a `WorkspaceCtx` for an existing workspace.
/// A workspace the principal does not belong to is `NotFound` (never
/// `Forbidden`), so ids and slugs of other tenants reveal nothing.
pub async fn authorize(
    pool: &PgPool,
    principal: &Principal,
    workspace: WorkspaceRef<'_>,
    permission: Permission,
) -> Result<WorkspaceCtx, AppError> {
    match principal {
        Principal::User { id, .. } => {
            let mut tx = db::begin_user(pool, *id).await?;
            let base = "SELECT w.id, w.slug, w.name, m.role \
                        FROM workspaces w JOIN memberships m \
                          ON m.workspace_id = w.id AND m.user_id = $1 ";
            let row: Option<(Uuid, String, String, String)> = match workspace {
                WorkspaceRef::Slug(slug) => {
                    sqlx::query_as(&format!("{base} WHERE w.slug = $2"))
                        .bind(id)
                        .bind(slug.to_ascii_lowercase())
                        .fetch_optional(tx.conn())
                        .await?
                }
                WorkspaceRef::Id(ws) => {
                    sqlx::query_as(&format!("{base} WHERE w.id = $2"))
                        .bind(id)
                        .bind(ws)
                        .fetch_optional(tx.conn())
                        .await?
                }
            };
            tx.commit().await?;
            let (workspace_id, slug, name, role) = row.ok_or(AppError::NotFound)?;
            let role = Role::parse(&role).ok_or(AppError::Internal)?;
            if !role.can(permission) {
                return Err(AppError::Forbidden);
            }
            Ok(WorkspaceCtx {
                workspace_id,
                slug,
                name,
                role,
                actor: principal.actor(),
            })
        }
    }
}
