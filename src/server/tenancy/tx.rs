//! The transactions that present a credential to PostgreSQL. These are the
//! only places in the code base that set `app.*` settings (all of them
//! transaction-local: `set_config(…, true)`), so a pooled connection never
//! carries one request's credential into the next.
use super::{Principal, SessionDigest, WorkspaceCtx};
use crate::model::{AppError, Role};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

type PgTx = Transaction<'static, Postgres>;

/// Binds a credential-presenting transaction to the workspace of `ctx`.
async fn into_scoped(mut tx: PgTx, ctx: WorkspaceCtx) -> Result<ScopedTx, AppError> {
    set(&mut tx, "app.workspace_id", ctx.workspace_id.to_string()).await?;
    Ok(ScopedTx { tx, ctx })
}

async fn set(tx: &mut PgTx, name: &'static str, value: String) -> Result<(), AppError> {
    sqlx::query("SELECT set_config($1, $2, true)")
        .bind(name)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A transaction that presents the caller's session: it sees the caller's
/// own account, memberships and the workspaces they belong to.
pub struct UserTx {
    tx: PgTx,
}

impl UserTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
    pub(super) async fn into_scoped(self, ctx: WorkspaceCtx) -> Result<ScopedTx, AppError> {
        into_scoped(self.tx, ctx).await
    }
}

pub async fn begin_user(pool: &PgPool, principal: &Principal) -> Result<UserTx, AppError> {
    let tx = begin_presenting(pool, "app.session", principal.session().hex(), "").await?;
    Ok(UserTx { tx })
}

/// A transaction across every workspace the caller belongs to (the agency dashboard):
/// it presents the session and `app.agency = on`, and the database admits each row by
/// the role the session's user holds in that row's workspace
/// (`migrations/…_agency_scope.sql`). It reads only, and it has no way into a workspace
/// scope: nothing here sets `app.workspace_id`, and with that set the agency policies
/// admit nothing.
pub struct AgencyTx {
    tx: PgTx,
    user_id: uuid::Uuid,
}

impl AgencyTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    /// The person whose session this transaction presents.
    pub fn user_id(&self) -> uuid::Uuid {
        self.user_id
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
}

pub async fn begin_agency(pool: &PgPool, principal: &Principal) -> Result<AgencyTx, AppError> {
    let Principal::User { id, session, .. } = principal;
    let tx = begin_presenting(
        pool,
        "app.session",
        session.hex(),
        "; SELECT set_config('app.agency', 'on', true)",
    )
    .await?;
    Ok(AgencyTx { tx, user_id: *id })
}

/// `BEGIN` and one `set_config` (and `more`, a constant statement of the caller's) in a
/// single round trip (a simple-protocol query of several statements). The value is
/// spliced into the SQL, so only a hex string — a digest, which is all a credential ever
/// is here — is accepted.
async fn begin_presenting(
    pool: &PgPool,
    name: &'static str,
    hex: String,
    more: &'static str,
) -> Result<PgTx, AppError> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Internal);
    }
    let begin = format!("BEGIN; SELECT set_config('{name}', '{hex}', true){more}");
    // Run to completion on a task of its own: if the caller is cancelled while `BEGIN`
    // is in flight, sqlx has not yet built the Transaction that would roll it back on
    // drop, and the connection would go back to the pool inside a transaction. The
    // task always gets the Transaction, and dropping it there queues the ROLLBACK.
    let pool = pool.clone();
    let tx = tokio::spawn(async move { pool.begin_with(begin).await })
        .await
        .map_err(|_| AppError::Internal)??;
    Ok(tx)
}

impl UserTx {
    /// Scopes this transaction to a workspace the principal is a member of,
    /// found by slug or id, in the same statement that finds it (the lookup
    /// itself needs only the session: a member sees their own memberships and
    /// workspaces), with the role the membership holds. `None` — and no scope —
    /// when there is no such membership.
    pub(super) async fn scope_to_membership(
        mut self,
        principal: &Principal,
        workspace: super::WorkspaceRef<'_>,
    ) -> Result<Option<ScopedTx>, AppError> {
        let Principal::User { id: user_id, .. } = principal;
        let base = "SELECT w.id, w.slug, w.name, m.role, \
                           set_config('app.workspace_id', w.id::text, true) \
                    FROM workspaces w JOIN memberships m \
                      ON m.workspace_id = w.id AND m.user_id = $1 ";
        let row: Option<(uuid::Uuid, String, String, String, String)> = match workspace {
            super::WorkspaceRef::Slug(slug) => {
                sqlx::query_as(&format!("{base} WHERE w.slug = $2"))
                    .bind(user_id)
                    .bind(slug.to_ascii_lowercase())
                    .fetch_optional(&mut *self.tx)
                    .await?
            }
            super::WorkspaceRef::Id(ws) => {
                sqlx::query_as(&format!("{base} WHERE w.id = $2"))
                    .bind(user_id)
                    .bind(ws)
                    .fetch_optional(&mut *self.tx)
                    .await?
            }
        };
        let Some((id, slug, name, role, _)) = row else {
            return Ok(None);
        };
        let role = Role::parse(&role).ok_or(AppError::Internal)?;
        Ok(Some(ScopedTx {
            tx: self.tx,
            ctx: WorkspaceCtx::new(principal, id, slug, name, role),
        }))
    }
}

/// The pool of the log-in role (`postroom_auth`): the only role that may create a
/// session or read a password hash. A type of its own, so that the runtime pool can
/// never be handed to the code that mints credentials, nor this one to tenant code.
#[derive(Clone)]
pub struct AuthPool(PgPool);

impl AuthPool {
    pub fn new(pool: PgPool) -> AuthPool {
        AuthPool(pool)
    }
    /// For start-up checks and shutdown.
    pub fn pool(&self) -> &PgPool {
        &self.0
    }
}

/// A transaction of the log-in role that presents a session about to be created in
/// it (sign-up, log-in, invitation sign-up): `conn()` inserts the account and the
/// `sessions` row with this digest as `postroom_auth`; `into_user` / `into_token`
/// then drop to the runtime role (`SET LOCAL ROLE postroom_app`) for the rest of the
/// transaction, which acts as that session's user.
pub struct LoginTx {
    tx: PgTx,
}

impl LoginTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    async fn drop_to_runtime(&mut self) -> Result<(), AppError> {
        sqlx::query("SET LOCAL ROLE postroom_app")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
    pub async fn into_user(mut self) -> Result<UserTx, AppError> {
        self.drop_to_runtime().await?;
        Ok(UserTx { tx: self.tx })
    }
    /// The same, presenting an invitation token's digest too (joining through it).
    pub async fn into_token(mut self, token_digest: &[u8]) -> Result<TokenTx, AppError> {
        self.drop_to_runtime().await?;
        set(
            &mut self.tx,
            "app.invitation_token",
            hex::encode(token_digest),
        )
        .await?;
        Ok(TokenTx { tx: self.tx })
    }
}

pub async fn begin_login(auth: &AuthPool, session: &SessionDigest) -> Result<LoginTx, AppError> {
    let tx = begin_presenting(&auth.0, "app.session", session.hex(), "").await?;
    Ok(LoginTx { tx })
}

/// A transaction bound to one workspace, for the principal of its context.
pub struct ScopedTx {
    tx: PgTx,
    ctx: WorkspaceCtx,
}

impl ScopedTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    pub fn ctx(&self) -> &WorkspaceCtx {
        &self.ctx
    }
    pub fn workspace_id(&self) -> uuid::Uuid {
        self.ctx.workspace_id
    }
    /// The context and the connection at once, for services that record
    /// activity while they query.
    pub fn parts(&mut self) -> (&WorkspaceCtx, &mut PgConnection) {
        (&self.ctx, &mut self.tx)
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
    pub(super) fn set_role(&mut self, role: Role) {
        self.ctx.role = role;
    }
}

/// A transaction that presents an invitation token's digest (and the
/// caller's session, if any): it can see exactly that invitation and its
/// workspace's name, and claim it in the session user's name.
pub struct TokenTx {
    tx: PgTx,
}

impl TokenTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
    pub(super) async fn into_scoped(self, ctx: WorkspaceCtx) -> Result<ScopedTx, AppError> {
        into_scoped(self.tx, ctx).await
    }
}

pub async fn begin_token(
    pool: &PgPool,
    token_digest: &[u8],
    session: Option<&SessionDigest>,
) -> Result<TokenTx, AppError> {
    let mut tx =
        begin_presenting(pool, "app.invitation_token", hex::encode(token_digest), "").await?;
    if let Some(s) = session {
        set(&mut tx, "app.session", s.hex()).await?;
    }
    Ok(TokenTx { tx })
}
