//! Pools and scoped transactions. Every tenant query runs inside a
//! `ScopedTx`, which sets `app.workspace_id` for the transaction so that
//! row-level security filters whatever the Rust code forgets to.
use crate::model::AppError;
use crate::server::tenancy::WorkspaceCtx;
use sqlx::{postgres::PgPoolOptions, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub async fn connect(url: &str, max: u32) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?)
}

/// Refuses to run the app as a role that would bypass row-level security.
pub async fn assert_runtime_role(pool: &PgPool) -> anyhow::Result<()> {
    let (name, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    if superuser || bypass {
        anyhow::bail!(
            "the runtime database role `{name}` is a superuser or has BYPASSRLS; \
             row-level security would not apply. Connect as a plain role (see database_app_url)."
        );
    }
    let owns: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user",
    )
    .fetch_one(pool)
    .await?;
    if owns > 0 {
        anyhow::bail!("the runtime database role `{name}` owns tables; use a role that does not");
    }
    Ok(())
}

/// A transaction bound to one workspace.
pub struct ScopedTx {
    tx: Transaction<'static, Postgres>,
    workspace_id: Uuid,
}

impl ScopedTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
}

pub async fn begin_scoped(pool: &PgPool, ctx: &WorkspaceCtx) -> Result<ScopedTx, AppError> {
    begin_for_workspace(pool, ctx.workspace_id()).await
}

/// Only for code that just proved the right to act in `workspace_id`
/// (authorize, or the creation of that workspace).
pub(crate) async fn begin_for_workspace(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<ScopedTx, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.workspace_id', $1, true)")
        .bind(workspace_id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(ScopedTx { tx, workspace_id })
}

/// A transaction that sees only the memberships (and their workspaces) of one
/// user: for the switcher and for `authorize()` itself.
pub struct UserTx {
    tx: Transaction<'static, Postgres>,
}

impl UserTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
}

pub async fn begin_user(pool: &PgPool, user_id: Uuid) -> Result<UserTx, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.user_id', $1, true)")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(UserTx { tx })
}

/// A transaction that can see exactly one invitation: the one whose token
/// digest it presents in `app.invitation_token` (see the `invitations_by_token`
/// policy). Used by `/invite/{token}` before any workspace scope exists.
pub struct TokenTx {
    tx: Transaction<'static, Postgres>,
}

impl TokenTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    /// Scopes the same transaction to the workspace of the invitation just
    /// read through the token: holding the token is the right to join it.
    pub(crate) async fn into_scoped(mut self, workspace_id: Uuid) -> Result<ScopedTx, AppError> {
        sqlx::query("SELECT set_config('app.workspace_id', $1, true)")
            .bind(workspace_id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(ScopedTx {
            tx: self.tx,
            workspace_id,
        })
    }
}

pub async fn begin_for_token(pool: &PgPool, token_hash: &[u8]) -> Result<TokenTx, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.invitation_token', $1, true)")
        .bind(hex::encode(token_hash))
        .execute(&mut *tx)
        .await?;
    Ok(TokenTx { tx })
}
