//! Accounts: sign-up (with a personal workspace and its first session),
//! credential checks, log-in sessions, and operator commands.
//!
//! The slow parts (argon2) run before any transaction is opened, so a hash in
//! progress never holds a pool connection.
use crate::model::{validate, AppError, Problems};
use crate::server::auth::{passwords, sessions};
use crate::server::config::Config;
use crate::server::error::violated_constraint;
use crate::server::services::workspaces;
use crate::server::tenancy::{self, AuthPool, Principal, SessionDigest};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub name: String,
}

/// A sign-up that passed validation and whose password is hashed already.
pub struct ValidSignup {
    pub email: String,
    pub name: String,
    password_hash: String,
}

/// Where a request came from, recorded on its session.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A new session: the secret for the cookie and the principal it proves.
pub struct NewSession {
    pub token: String,
    pub principal: Principal,
}

pub struct NewAccount {
    pub user_id: Uuid,
    pub session: NewSession,
    pub personal_slug: String,
}

pub const LOGIN_FAILED: &str = "Email or password is incorrect.";

/// Validates the form and hashes the password (no database involved).
pub async fn prepare_sign_up(input: SignupInput) -> Result<ValidSignup, AppError> {
    let mut p = Problems::default();
    let email = validate::email(&input.email)
        .map_err(|m| p.add("email", m))
        .ok();
    let name = validate::display_name(&input.name)
        .map_err(|m| p.add("name", m))
        .ok();
    let _ = validate::password(&input.password).map_err(|m| p.add("password", m));
    p.into_result()?;
    let (email, name) = (email.unwrap(), name.unwrap());
    let password_hash = passwords::hash(input.password).await?;
    Ok(ValidSignup {
        email,
        name,
        password_hash,
    })
}

impl ValidSignup {
    /// The same sign-up with the address an invitation fixes.
    pub fn with_email(self, email: String) -> ValidSignup {
        ValidSignup { email, ..self }
    }
}

/// Creates the account, its first session and its personal workspace in one
/// transaction (the log-in role inserts the account and the session, then the
/// transaction continues as the runtime role).
pub async fn sign_up(
    auth: &AuthPool,
    cfg: &Config,
    input: SignupInput,
    client: &ClientInfo,
) -> Result<NewAccount, AppError> {
    let valid = prepare_sign_up(input).await?;
    let (token, digest) = sessions::new_token();
    let mut login = tenancy::begin_login(auth, &digest).await?;
    let user_id = insert_account(login.conn(), &valid, cfg.trial()).await?;
    sessions::insert(
        login.conn(),
        cfg,
        user_id,
        &digest,
        client.user_agent.as_deref(),
        client.ip.clone(),
    )
    .await?;
    let tx = login.into_user().await?;
    let principal = Principal::user(user_id, valid.name.clone(), digest);
    let first = valid.name.split_whitespace().next().unwrap_or(&valid.name);
    let scoped =
        workspaces::create_in(tx, &principal, &format!("{first}'s workspace"), true).await?;
    let personal_slug = scoped.ctx().slug().to_string();
    scoped.commit().await?;
    Ok(NewAccount {
        user_id,
        session: NewSession { token, principal },
        personal_slug,
    })
}

/// Inserts a validated account (no workspace) inside the caller's
/// transaction, on `trial` (a plan and days) when one is given. An invited
/// person signs up this way, so they see only the workspace they were invited to.
pub async fn insert_account(
    conn: &mut PgConnection,
    valid: &ValidSignup,
    trial: Option<(String, u32)>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let (trial_plan, trial_days) = match trial {
        Some((plan, days)) => (Some(plan), Some(days as i32)),
        None => (None, None),
    };
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, trial_plan, trial_ends_at) \
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))",
    )
    .bind(id)
    .bind(&valid.email)
    .bind(&valid.name)
    .bind(&valid.password_hash)
    .bind(trial_plan)
    .bind(trial_days)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok(id),
        Err(e) if violated_constraint(&e).as_deref() == Some("users_email_key") => {
            Err(AppError::field(
                "email",
                "An account with this email already exists. Log in instead.",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Credentials {
    pub id: Uuid,
    pub name: String,
}

/// Checks email and password. Unknown email and wrong password give the same
/// error and take the same time. The hash comes from `auth_login_lookup`, which
/// only the log-in role may call: the runtime role cannot read `password_hash`.
pub async fn authenticate(
    auth: &AuthPool,
    email: &str,
    password: &str,
) -> Result<Credentials, AppError> {
    let email = email.trim();
    let row: Option<(Uuid, String, String)> = if email.len() <= 254 && !email.contains('\0') {
        sqlx::query_as("SELECT user_id, name, password_hash FROM auth_login_lookup($1)")
            .bind(email)
            .fetch_optional(auth.pool())
            .await?
    } else {
        None
    };
    let (id, name, hash) = match row {
        Some((id, name, hash)) => (Some(id), name, Some(hash)),
        None => (None, String::new(), None),
    };
    let too_long = password.chars().count() > validate::PASSWORD_MAX;
    let ok = passwords::verify(password.to_string(), hash).await? && !too_long;
    match (ok, id) {
        (true, Some(id)) => Ok(Credentials { id, name }),
        _ => Err(AppError::field("form", LOGIN_FAILED)),
    }
}

/// Starts a session for a user whose password was just checked and finds
/// where they should land: one transaction that presents the new session.
pub async fn open_session(
    auth: &AuthPool,
    cfg: &Config,
    who: &Credentials,
    client: &ClientInfo,
) -> Result<(NewSession, String), AppError> {
    let (token, digest) = sessions::new_token();
    let mut login = tenancy::begin_login(auth, &digest).await?;
    sessions::insert(
        login.conn(),
        cfg,
        who.id,
        &digest,
        client.user_agent.as_deref(),
        client.ip.clone(),
    )
    .await?;
    let mut tx = login.into_user().await?;
    let landing = landing_path(tx.conn(), who.id).await?;
    tx.commit().await?;
    let principal = Principal::user(who.id, who.name.clone(), digest);
    Ok((NewSession { token, principal }, landing))
}

/// Where a user lands after login (and at `/`): with more than one workspace, the agency
/// dashboard; with one, that workspace; with none, the page that creates the first.
pub async fn landing_path(conn: &mut PgConnection, user_id: Uuid) -> Result<String, AppError> {
    let list = workspaces::list_for_user(conn, user_id).await?;
    Ok(match list.as_slice() {
        [] => "/workspaces/new".into(),
        [only] => format!("/w/{}", only.slug),
        _ => "/agency".into(),
    })
}

/// Operator commands (`postroom admin …`) run with the migrator's pool: they
/// act outside any tenant, as the operator.
pub mod operator {
    use super::*;

    pub async fn find_by_email(
        owner_pool: &PgPool,
        email: &str,
    ) -> Result<Option<(Uuid, String)>, AppError> {
        Ok(
            sqlx::query_as("SELECT id, name FROM users WHERE email = $1::citext")
                .bind(email.trim())
                .fetch_optional(owner_pool)
                .await?,
        )
    }

    pub async fn set_plan(owner_pool: &PgPool, email: &str, plan: &str) -> Result<(), AppError> {
        // The operator chose this account's plan: a trial it was on ends with that.
        let result = sqlx::query(
            "UPDATE users SET plan = $2, trial_plan = NULL, trial_ends_at = NULL WHERE email = $1::citext",
        )
            .bind(email.trim())
            .bind(plan.trim().to_lowercase())
            .execute(owner_pool)
            .await;
        match result {
            Ok(r) if r.rows_affected() == 1 => Ok(()),
            Ok(_) => Err(AppError::NotFound),
            Err(e) if violated_constraint(&e).as_deref() == Some("users_plan_fkey") => Err(
                AppError::field("plan", "Unknown plan. Use starter, plus, pro or max."),
            ),
            Err(e) => Err(e.into()),
        }
    }

    /// A session for `user_id` that lives only inside one operator
    /// transaction: the operator acts as the account owner (e.g. to create a
    /// workspace for them) and nothing usable outlives the command.
    pub async fn act_as(
        auth: &AuthPool,
        cfg: &Config,
        user_id: Uuid,
        name: String,
    ) -> Result<(tenancy::UserTx, Principal), AppError> {
        let (_token, digest) = sessions::new_token();
        let mut login = tenancy::begin_login(auth, &digest).await?;
        sessions::insert(
            login.conn(),
            cfg,
            user_id,
            &digest,
            Some("postroom admin"),
            None,
        )
        .await?;
        let tx = login.into_user().await?;
        let principal = Principal::user(user_id, name, digest.clone());
        Ok((tx, principal))
    }

    /// Ends the transient session of `act_as` inside its transaction.
    pub async fn end_acting(
        conn: &mut PgConnection,
        digest: &SessionDigest,
    ) -> Result<(), AppError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(digest.bytes())
            .execute(conn)
            .await?;
        Ok(())
    }
}
