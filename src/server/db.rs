//! Pools, migrations and the start-up check of the database roles. The
//! transactions that present credentials live in `server::tenancy`.
use sqlx::{postgres::PgPoolOptions, PgPool};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The migrator's pool (migrations, operator commands).
pub async fn connect(url: &str, max: u32) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?)
}

/// The migrator's pool for bulk loads (`admin seed-load`): statements of many seconds
/// are expected there, so they are not logged as slow.
pub async fn connect_bulk(url: &str, max: u32) -> anyhow::Result<PgPool> {
    use sqlx::ConnectOptions;
    let opts: sqlx::postgres::PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .connect_with(opts.log_slow_statements(log::LevelFilter::Off, std::time::Duration::ZERO))
        .await?)
}

/// Every `app.*` setting a transaction may present (`server::tenancy`). Placeholder
/// settings do not show in `pg_settings`, so they are named here.
pub const APP_SETTINGS: [&str; 4] = [
    "app.session",
    "app.workspace_id",
    "app.invitation_token",
    "app.agency",
];

/// A pool of one of the roles that serve (runtime, log-in, jobs): a connection goes
/// back to it only when `release_clean` finds it clean.
pub async fn connect_serving(url: &str, max: u32) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .after_release(|conn, _| release_clean(conn))
        .connect(url)
        .await?)
}

/// Is this connection, being returned to its pool, outside any transaction and free
/// of every `app.*` setting? A request cancelled at the wrong moment (between `BEGIN`
/// and its first result, say) could otherwise hand the next borrower an open
/// transaction with the previous caller's credential in it: its `COMMIT` would commit
/// the cancelled request's writes. `now()` is the transaction's start, so it equals
/// `statement_timestamp()` only when this statement began its own transaction. A dirty
/// connection is closed (PostgreSQL then rolls its transaction back), never reused.
/// Runs after the response has gone (sqlx returns connections in a spawned task).
pub fn release_clean(
    conn: &mut sqlx::PgConnection,
) -> futures_util::future::BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        use sqlx::{Executor, Row};
        // The simple query protocol: one message, so `statement_timestamp()` is the
        // implicit transaction's start (with Parse/Bind/Execute they differ).
        static CHECK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = CHECK.get_or_init(|| {
            let names = APP_SETTINGS.map(|n| format!("'{n}'")).join(", ");
            format!(
                "SELECT now() = statement_timestamp() \
                    AND NOT EXISTS (SELECT 1 FROM unnest(ARRAY[{names}]) n \
                                     WHERE coalesce(current_setting(n, true), '') <> '')"
            )
        });
        // A bare &str with no arguments goes out as a simple Query message.
        let clean: bool = conn.fetch_one(sql.as_str()).await?.try_get(0)?;
        if !clean {
            tracing::warn!("a pooled connection came back inside a transaction or with app.* settings; closing it");
        }
        Ok(clean)
    })
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
