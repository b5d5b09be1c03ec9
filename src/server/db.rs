//! Pools, migrations and the start-up check of the database roles. The
//! transactions that present credentials live in `server::tenancy`.
use sqlx::{postgres::PgPoolOptions, PgPool};

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
