//! Who is acting, and the proof that they may act in a workspace.
//!
//! This module is the one door to tenant data. It alone sets the `app.*`
//! settings that row-level security reads (see `tx.rs`), and it alone builds
//! a `WorkspaceCtx`: `authorize()` checks membership and role *inside* the
//! transaction that then does the work, locking the caller's membership so a
//! concurrent demotion or removal waits for the change in flight. Founding a
//! workspace and joining one through an invitation are the two other ways in,
//! and the database re-checks both (policies `memberships_join`,
//! `workspaces_create`). Each transaction presents the caller's credential —
//! the session digest — so even a wrong scope chosen by buggy Rust code is
//! refused by PostgreSQL.
mod request;
mod tx;

pub use request::{agency_in_request, authorize_in_request, AgencyWork, RequestTx, WorkTx};
pub use tx::{
    begin_agency, begin_login, begin_token, begin_user, AgencyTx, AuthPool, LoginTx, ScopedTx,
    TokenTx, UserTx,
};

use crate::model::{AppError, Permission, Role};
use sqlx::PgPool;
use uuid::Uuid;

/// The credential a request presents to the database: the SHA-256 of its
/// secret (never the secret itself).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionDigest(Vec<u8>);

impl SessionDigest {
    pub fn new(digest: Vec<u8>) -> SessionDigest {
        SessionDigest(digest)
    }
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
    fn hex(&self) -> String {
        hex::encode(&self.0)
    }
}

impl std::fmt::Debug for SessionDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionDigest(…)")
    }
}

/// The authenticated caller and the credential that proves it.
#[derive(Debug, Clone)]
pub enum Principal {
    User {
        id: Uuid,
        name: String,
        session: SessionDigest,
    },
}

impl Principal {
    pub fn user(id: Uuid, name: String, session: SessionDigest) -> Principal {
        Principal::User { id, name, session }
    }
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { id, .. } => Some(*id),
        }
    }
    pub fn session(&self) -> &SessionDigest {
        match self {
            Principal::User { session, .. } => session,
        }
    }
    fn actor(&self) -> Actor {
        match self {
            Principal::User { id, name, .. } => Actor {
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

/// Proof that the principal may act in one workspace with one role. Only this
/// module constructs it.
#[derive(Debug, Clone)]
pub struct WorkspaceCtx {
    workspace_id: Uuid,
    slug: String,
    name: String,
    role: Role,
    actor: Actor,
}

impl WorkspaceCtx {
    fn new(
        principal: &Principal,
        workspace_id: Uuid,
        slug: String,
        name: String,
        role: Role,
    ) -> Self {
        WorkspaceCtx {
            workspace_id,
            slug,
            name,
            role,
            actor: principal.actor(),
        }
    }
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
    /// The acting person; API keys (later) act without one.
    pub fn actor_user(&self) -> Result<Uuid, AppError> {
        self.actor.user_id.ok_or(AppError::Forbidden)
    }
    /// Checks one more permission on an existing context.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Test-only: skip the Rust-side membership check, so the tenancy matrix can
/// prove that row-level security alone refuses. Carries a pool that may read
/// workspace ids (the test's admin pool); never built from configuration.
#[derive(Clone)]
pub struct ForgeAuthorization(pub PgPool);

/// Opens the transaction that does the work and proves, inside it, that the
/// principal may act in `workspace` with `permission`. A workspace the
/// principal does not belong to is `NotFound` (never `Forbidden`), so ids and
/// slugs of other tenants reveal nothing. For anything but a read, the
/// caller's membership row stays locked (`FOR SHARE`) until the transaction
/// ends, so a concurrent demotion, removal or ownership transfer waits for it.
pub async fn authorize(
    pool: &PgPool,
    forge: Option<&ForgeAuthorization>,
    principal: &Principal,
    workspace: WorkspaceRef<'_>,
    permission: Permission,
) -> Result<ScopedTx, AppError> {
    // A slug is short and URL-safe; anything else (a NUL from `/w/%00/…`, which
    // PostgreSQL cannot even take as text) names no workspace.
    if let WorkspaceRef::Slug(slug) = workspace {
        if !plausible_slug(slug) {
            return Err(AppError::NotFound);
        }
    }
    let tx = begin_user(pool, principal).await?;
    if let Some(ForgeAuthorization(oracle)) = forge {
        return forge_scope(tx, oracle, principal, workspace).await;
    }
    let mut tx = tx
        .scope_to_membership(principal, workspace)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut role = tx.ctx().role();
    if !is_read(permission) {
        // Lock the membership and judge by the role it holds now (a
        // demotion that committed a moment ago is seen here).
        let locked: Option<String> = sqlx::query_scalar("SELECT app_lock_membership()")
            .fetch_one(tx.conn())
            .await?;
        role = Role::parse(&locked.ok_or(AppError::NotFound)?).ok_or(AppError::Internal)?;
        tx.set_role(role);
    }
    if !role.can(permission) {
        return Err(AppError::Forbidden);
    }
    Ok(tx)
}

fn plausible_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_read(permission: Permission) -> bool {
    matches!(permission, Permission::ViewContent | Permission::ViewUsage)
}

/// The wrong Rust code the matrix simulates: scope to whatever workspace was
/// named, as its owner, without asking the database who the caller is.
async fn forge_scope(
    tx: UserTx,
    oracle: &PgPool,
    principal: &Principal,
    workspace: WorkspaceRef<'_>,
) -> Result<ScopedTx, AppError> {
    let row: Option<(Uuid, String, String)> = match workspace {
        WorkspaceRef::Slug(slug) => {
            sqlx::query_as("SELECT id, slug, name FROM workspaces WHERE slug = $1")
                .bind(slug.to_ascii_lowercase())
                .fetch_optional(oracle)
                .await?
        }
        WorkspaceRef::Id(ws) => {
            sqlx::query_as("SELECT id, slug, name FROM workspaces WHERE id = $1")
                .bind(ws)
                .fetch_optional(oracle)
                .await?
        }
    };
    let (workspace_id, slug, name) = row.ok_or(AppError::NotFound)?;
    tx.into_scoped(WorkspaceCtx::new(
        principal,
        workspace_id,
        slug,
        name,
        Role::Owner,
    ))
    .await
}

impl UserTx {
    /// Enters the workspace `id` that this transaction has just inserted,
    /// owned by the principal. The database admits the OWNER membership only
    /// when the session's user owns a workspace that has no members yet.
    pub async fn found_workspace(
        self,
        principal: &Principal,
        id: Uuid,
        slug: String,
        name: String,
    ) -> Result<ScopedTx, AppError> {
        self.into_scoped(WorkspaceCtx::new(principal, id, slug, name, Role::Owner))
            .await
    }
}

impl TokenTx {
    /// Enters the workspace whose invitation this transaction has just
    /// claimed with the presented token; the membership insert that follows
    /// is admitted by the database only for that workspace and role.
    pub async fn joined(
        self,
        principal: &Principal,
        id: Uuid,
        slug: String,
        name: String,
        role: Role,
    ) -> Result<ScopedTx, AppError> {
        self.into_scoped(WorkspaceCtx::new(principal, id, slug, name, role))
            .await
    }
}
