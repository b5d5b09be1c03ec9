//! Accounts: sign-up (with a personal workspace), credential checks, plans.
use crate::model::{validate, AppError, Problems};
use crate::server::auth::passwords;
use crate::server::error::violated_constraint;
use crate::server::services::workspaces;
use crate::server::tenancy::{Principal, WorkspaceCtx};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub name: String,
    pub plan: Option<String>,
}

pub struct NewAccount {
    pub user_id: Uuid,
    pub personal: WorkspaceCtx,
}

pub const LOGIN_FAILED: &str = "Email or password is incorrect.";

/// Creates the account and its personal workspace in one transaction.
pub async fn sign_up(pool: &PgPool, input: SignupInput) -> Result<NewAccount, AppError> {
    let mut tx = pool.begin().await?;
    let (id, name) = create_account_in(&mut tx, input).await?;
    let principal = Principal::User {
        id,
        name: name.clone(),
    };
    let first = name.split_whitespace().next().unwrap_or(&name);
    let personal =
        workspaces::create_in(&mut tx, &principal, &format!("{first}'s workspace"), true).await?;
    tx.commit().await?;
    Ok(NewAccount {
        user_id: id,
        personal,
    })
}

/// Validates and inserts an account (no workspace) inside the caller's
/// transaction; returns its id and display name. An invited person signs up
/// this way, so they see only the workspace they were invited to.
pub async fn create_account_in(
    conn: &mut PgConnection,
    input: SignupInput,
) -> Result<(Uuid, String), AppError> {
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
    let hash = passwords::hash(input.password).await?;
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, plan) VALUES ($1, $2, $3, $4, coalesce($5, 'starter'))",
    )
    .bind(id)
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .bind(&input.plan)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok((id, name)),
        Err(e) if violated_constraint(&e).as_deref() == Some("users_email_key") => {
            Err(AppError::field(
                "email",
                "An account with this email already exists. Log in instead.",
            ))
        }
        Err(e) if violated_constraint(&e).as_deref() == Some("users_plan_fkey") => {
            Err(AppError::field("plan", "Unknown plan."))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Credentials {
    pub id: Uuid,
    pub name: String,
}

/// Checks email and password. Unknown email and wrong password give the same error.
pub async fn authenticate(
    pool: &PgPool,
    email: &str,
    password: &str,
) -> Result<Credentials, AppError> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, name, password_hash FROM users WHERE email = $1::citext")
            .bind(email.trim())
            .fetch_optional(pool)
            .await?;
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

pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<(Uuid, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, name FROM users WHERE email = $1::citext")
            .bind(email.trim())
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn set_plan(pool: &PgPool, email: &str, plan: &str) -> Result<(), AppError> {
    let result = sqlx::query("UPDATE users SET plan = $2 WHERE email = $1::citext")
        .bind(email.trim())
        .bind(plan.trim().to_lowercase())
        .execute(pool)
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

/// Where a user lands after login: the last workspace they used, if they are
/// still a member, else the first one they belong to.
pub async fn landing_slug(
    pool: &PgPool,
    user_id: Uuid,
    last: Option<Uuid>,
) -> Result<Option<String>, AppError> {
    let list = workspaces::list_for_user(pool, user_id).await?;
    Ok(last
        .and_then(|l| list.iter().find(|w| w.id == l))
        .or(list.first())
        .map(|w| w.slug.clone()))
}
