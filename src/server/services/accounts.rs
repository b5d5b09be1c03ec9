//! Social accounts: list, connect through a provider (state checked on the
//! callback), disconnect (tokens wiped; past posts stay readable).
use crate::model::{network, AccountView, AppError, Permission};
use crate::server::auth::tokens;
use crate::server::config::BillingMode;
use crate::server::crypto::TokenCipher;
use crate::server::providers::{redirect_uri, Profile, Providers, Tokens};
use crate::server::services::activity::{self, Event};
use crate::server::services::usage;
use crate::server::tenancy::{self, Principal, ScopedTx, WorkspaceRef};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// How long a person has to finish a connection on the network's page.
const STATE_MINUTES: i32 = 15;

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: Uuid,
    platform: String,
    external_id: String,
    handle: String,
    display_name: String,
    avatar_url: Option<String>,
    profile_url: Option<String>,
    status: String,
    connected_at: DateTime<Utc>,
    last_published_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl From<AccountRow> for AccountView {
    fn from(r: AccountRow) -> Self {
        AccountView {
            id: r.id,
            platform_id: format!("{}-{}", r.platform, r.external_id),
            platform: r.platform,
            handle: r.handle,
            display_name: r.display_name,
            avatar_url: r.avatar_url,
            profile_url: r.profile_url,
            status: r.status,
            connected_at: r.connected_at,
            last_published_at: r.last_published_at,
            last_error: r.last_error,
        }
    }
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "id, platform, external_id, handle, display_name, avatar_url, profile_url, \
     status, connected_at, last_published_at, last_error";

/// Connected accounts first, then expired, then disconnected.
pub async fn list(tx: &mut ScopedTx) -> Result<Vec<AccountView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let rows: Vec<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM social_accounts WHERE workspace_id = $1 \
         ORDER BY CASE status WHEN 'connected' THEN 0 WHEN 'expired' THEN 1 ELSE 2 END, platform, lower(handle), id"
    ))
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Starts a connection: remembers a fresh `state` for this person and
/// workspace and returns the network's authorization URL.
pub async fn start_connect(
    tx: &mut ScopedTx,
    providers: &Providers,
    public_url: &str,
    platform: &str,
    billing: BillingMode,
) -> Result<String, AppError> {
    tx.ctx().require(Permission::ManageAccounts)?;
    // Said before the person goes to the network (checked again on the way back).
    usage::check_account(tx, billing).await?;
    let net = network(platform).ok_or(AppError::NotFound)?;
    let provider = providers.get(net.code).ok_or_else(|| {
        AppError::Conflict(format!(
            "{} cannot be connected on this server yet.",
            net.label
        ))
    })?;
    let user = tx.ctx().actor_user()?;
    let ws = tx.workspace_id();
    let state = tokens::new_secret();
    sqlx::query(
        "INSERT INTO connect_states (state_hash, workspace_id, user_id, platform, expires_at) \
         VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))",
    )
    .bind(tokens::digest(&state))
    .bind(ws)
    .bind(user)
    .bind(net.code)
    .bind(STATE_MINUTES)
    .execute(tx.conn())
    .await?;
    Ok(provider.authorize_url(&state, &redirect_uri(public_url, net.code), None))
}

/// Why a connection could not be finished, for the page the person lands on.
#[derive(Debug, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Unknown, expired or someone else's state: nothing to go back to.
    BadState,
    /// The person declined, or the network refused: back to the accounts page.
    Refused { slug: String, message: String },
}

/// Finishes a connection on the callback: the state must be one this
/// person started (and not expired); the code is traded for tokens; the
/// account is stored (or reconnected) in the workspace the state names,
/// after authorizing the person there again.
#[allow(clippy::too_many_arguments)]
pub async fn finish_connect(
    pool: &PgPool,
    providers: &Providers,
    cipher: &TokenCipher,
    public_url: &str,
    principal: &Principal,
    platform: &str,
    state: &str,
    code: Option<&str>,
    denied: Option<&str>,
    billing: BillingMode,
) -> Result<Result<String, ConnectFailure>, AppError> {
    // 1. Consume the state (short transaction, before any network call).
    let mut tx = tenancy::begin_user(pool, principal).await?;
    let found: Option<(Uuid, String)> = sqlx::query_as(
        "DELETE FROM connect_states WHERE state_hash = $1 AND expires_at > now() \
         RETURNING workspace_id, platform",
    )
    .bind(tokens::digest(state))
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let Some((workspace_id, _)) = found.filter(|(_, p)| p == platform) else {
        return Ok(Err(ConnectFailure::BadState));
    };
    let scoped = tenancy::authorize(
        pool,
        None,
        principal,
        WorkspaceRef::Id(workspace_id),
        Permission::ManageAccounts,
    )
    .await?;
    let slug = scoped.ctx().slug().to_string();
    scoped.commit().await?;
    let label = network(platform).map(|n| n.label).unwrap_or("The network");
    let refused = |message: String| {
        Ok(Err(ConnectFailure::Refused {
            slug: slug.clone(),
            message,
        }))
    };
    if denied.is_some() {
        return refused(format!(
            "{label} access was not granted, so nothing was connected."
        ));
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return refused(format!("{label} did not send an authorization code."));
    };
    let Some(provider) = providers.get(platform) else {
        return Ok(Err(ConnectFailure::BadState));
    };
    // 2. The network call, with no transaction open.
    let (profile, tokens) = match provider
        .exchange(code, &redirect_uri(public_url, platform), None)
        .await
    {
        Ok(v) => v,
        Err(e) => return refused(e.to_string()),
    };
    // 3. Store it, authorized again (the person may have lost the right meanwhile).
    let mut tx = tenancy::authorize(
        pool,
        None,
        principal,
        WorkspaceRef::Id(workspace_id),
        Permission::ManageAccounts,
    )
    .await?;
    save_account(&mut tx, cipher, platform, &profile, &tokens, billing).await?;
    tx.commit().await?;
    Ok(Ok(slug))
}

/// Inserts the account, or reconnects the same network account.
pub async fn save_account(
    tx: &mut ScopedTx,
    cipher: &TokenCipher,
    platform: &str,
    profile: &Profile,
    tokens: &Tokens,
    billing: BillingMode,
) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::ManageAccounts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let current: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT id, status FROM social_accounts WHERE workspace_id = $1 AND platform = $2 AND external_id = $3",
    )
    .bind(ws)
    .bind(platform)
    .bind(&profile.external_id)
    .fetch_optional(tx.conn())
    .await?;
    // A new account, or one coming back from disconnected, takes a slot.
    if current
        .as_ref()
        .is_none_or(|(_, status)| status == "disconnected")
    {
        usage::check_account(tx, billing).await?;
    }
    let existing = current.map(|(id, _)| id);
    let id = existing.unwrap_or_else(Uuid::new_v4);
    let access = cipher.seal(&tokens.access, id.as_bytes());
    let refresh = tokens
        .refresh
        .as_deref()
        .map(|r| cipher.seal(r, id.as_bytes()));
    // One set of parameters for both: a reconnection updates the same
    // account (same network, same external id) in place.
    let sql = if existing.is_some() {
        "UPDATE social_accounts SET handle = $5, display_name = $6, avatar_url = $7, profile_url = $8, \
                status = 'connected', access_token_enc = $9, refresh_token_enc = $10, token_expires_at = $11, \
                connected_by = $12, connected_at = now(), disconnected_at = NULL, last_error = NULL \
          WHERE workspace_id = $1 AND id = $2 AND platform = $3 AND external_id = $4"
    } else {
        "INSERT INTO social_accounts (workspace_id, id, platform, external_id, handle, display_name, avatar_url, \
                                      profile_url, status, access_token_enc, refresh_token_enc, token_expires_at, connected_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'connected', $9, $10, $11, $12)"
    };
    let done = sqlx::query(sql)
        .bind(ws)
        .bind(id)
        .bind(platform)
        .bind(&profile.external_id)
        .bind(&profile.handle)
        .bind(&profile.display_name)
        .bind(&profile.avatar_url)
        .bind(&profile.profile_url)
        .bind(&access)
        .bind(&refresh)
        .bind(tokens.expires_at)
        .bind(user)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    let label = network(platform).map(|n| n.label).unwrap_or(platform);
    let verb = if existing.is_some() {
        "reconnected"
    } else {
        "connected"
    };
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "account.connected",
            "social_account",
            format!("{verb} the {label} account @{}", profile.handle),
        )
        .object(id),
    )
    .await?;
    Ok(id)
}

/// Disconnects an account: it stays listed (and its posts readable) as
/// disconnected; its tokens are wiped here, after the publishing worker has
/// revoked them on the network's side (`jobs::publisher::revoke_disconnected`).
pub async fn disconnect(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageAccounts)?;
    let ws = tx.workspace_id();
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE social_accounts SET status = 'disconnected', disconnected_at = now() \
          WHERE workspace_id = $1 AND id = $2 AND status <> 'disconnected' RETURNING platform, handle",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((platform, handle)) = row else {
        // Unknown here, or already disconnected: say which without revealing others.
        let known: Option<bool> = sqlx::query_scalar(
            "SELECT true FROM social_accounts WHERE workspace_id = $1 AND id = $2",
        )
        .bind(ws)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
        return match known {
            Some(_) => Err(AppError::Conflict(
                "This account is already disconnected.".into(),
            )),
            None => Err(AppError::NotFound),
        };
    };
    let label = network(&platform).map(|n| n.label).unwrap_or("social");
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "account.disconnected",
            "social_account",
            format!("disconnected the {label} account @{handle}"),
        )
        .object(id),
    )
    .await
}
