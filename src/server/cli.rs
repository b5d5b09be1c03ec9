//! The `postroom` binary: `serve` (default), `migrate`, and operator commands.
use crate::model::AppError;
use crate::server::tenancy::AuthPool;
use crate::server::{
    app,
    config::Config,
    db, seed,
    services::{users, workspaces},
};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "postroom",
    version,
    about = "Postroom: social-media workspaces for agencies"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve (default). Connects only as the runtime and jobs roles: apply
    /// migrations first with `postroom migrate`.
    Serve,
    /// Apply pending migrations (as the migrator, `database_url`) and exit.
    Migrate,
    /// Run only the publishing worker (scale it apart from the web servers;
    /// then set `run_worker = false` for `serve`).
    Worker,
    /// Seed the demo agency into an empty database and print its login.
    SeedDemo,
    /// List the server functions' paths (for benchmarks and scripts).
    #[command(hide = true)]
    ServerFns,
    /// Operator commands.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create an account (with its personal workspace).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        plan: Option<String>,
    },
    /// Create a workspace owned by an existing account; prints its slug.
    CreateWorkspace {
        #[arg(long)]
        owner: String,
        #[arg(long)]
        name: String,
    },
    /// Change an account's plan (starter, plus, pro, max).
    SetPlan {
        #[arg(long)]
        email: String,
        #[arg(long)]
        plan: String,
    },
    /// Build a large data set for benchmarks: one agency person owning `--workspaces`
    /// workspaces with people, accounts, activity and `--posts` posts in every status.
    SeedLoad {
        #[arg(long, default_value_t = 1000)]
        workspaces: usize,
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
        #[arg(long, default_value = "load@postroom.test")]
        email: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = Config::load()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cfg).await,
        Command::Worker => worker(cfg).await,
        Command::Migrate => {
            migrate(&cfg).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ServerFns => {
            use std::io::Write;
            // A reader that stops early (`| head`, awk's `exit`) closes the pipe: stop
            // quietly rather than panic in println!.
            let mut out = std::io::stdout().lock();
            for (path, method) in leptos::server_fn::axum::server_fn_paths() {
                if writeln!(out, "{method} {path}").is_err() {
                    break;
                }
            }
            Ok(())
        }
        Command::SeedDemo => {
            let owner = db::connect(&cfg.database_url, 2).await?;
            let pool = runtime_pool(&cfg).await?;
            let auth = auth_pool(&cfg).await?;
            let seeded = seed::seed_if_empty(&pool, &auth, &owner, &cfg)
                .await
                .map_err(explain)?;
            if seeded {
                println!(
                    "demo seeded: {} / {} (Pro plan), {} / {} (Starter plan)",
                    seed::DEMO_EMAIL,
                    seed::DEMO_PASSWORD,
                    seed::DEMO_STARTER_EMAIL,
                    seed::DEMO_PASSWORD
                );
            } else {
                println!("the database has accounts already; nothing seeded");
            }
            Ok(())
        }
        Command::Admin(cmd) => admin(cfg, cmd).await,
    }
}

async fn migrate(cfg: &Config) -> anyhow::Result<()> {
    let owner = db::connect(&cfg.database_url, 2).await?;
    db::MIGRATOR.run(&owner).await?;
    owner.close().await;
    Ok(())
}

async fn runtime_pool(cfg: &Config) -> anyhow::Result<sqlx::PgPool> {
    let pool = db::connect_serving(&cfg.database_app_url, cfg.database_max_connections).await?;
    db::assert_runtime_role(&pool).await?;
    Ok(pool)
}

async fn auth_pool(cfg: &Config) -> anyhow::Result<AuthPool> {
    let pool = db::connect_serving(&cfg.database_auth_url, 4).await?;
    db::assert_runtime_role(&pool).await?;
    Ok(AuthPool::new(pool))
}

async fn jobs_pool(cfg: &Config) -> anyhow::Result<sqlx::PgPool> {
    let pool = db::connect_serving(&cfg.database_jobs_url, 4).await?;
    db::assert_runtime_role(&pool).await?;
    Ok(pool)
}

fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Operator commands: lookups and plans with the migrator's pool (the
/// operator acts outside any tenant); accounts and workspaces through the
/// same services, and so the same policies, as the web app.
async fn admin(cfg: Config, cmd: Admin) -> anyhow::Result<()> {
    let owner = db::connect(&cfg.database_url, 2).await?;
    let pool = runtime_pool(&cfg).await?;
    let auth = auth_pool(&cfg).await?;
    match cmd {
        Admin::CreateUser {
            email,
            password,
            name,
            plan,
        } => {
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("User").to_string());
            let account = users::sign_up(
                &auth,
                &cfg,
                users::SignupInput {
                    email: email.clone(),
                    password,
                    name,
                },
                &users::ClientInfo {
                    user_agent: Some("postroom admin".into()),
                    ip: None,
                },
            )
            .await
            .map_err(explain)?;
            crate::server::auth::sessions::destroy(
                &pool,
                account.session.principal.session().bytes(),
            )
            .await
            .map_err(explain)?;
            if let Some(plan) = plan {
                users::operator::set_plan(&owner, &email, &plan)
                    .await
                    .map_err(explain)?;
            }
            println!(
                "created {email} (personal workspace: {})",
                account.personal_slug
            );
        }
        Admin::CreateWorkspace { owner: email, name } => {
            let (id, owner_name) = users::operator::find_by_email(&owner, &email)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow::anyhow!("no account with email {email}"))?;
            let (tx, principal) = users::operator::act_as(&auth, &cfg, id, owner_name)
                .await
                .map_err(explain)?;
            let mut tx = workspaces::create_in(tx, &principal, &name, false)
                .await
                .map_err(explain)?;
            let slug = tx.ctx().slug().to_string();
            users::operator::end_acting(tx.conn(), principal.session())
                .await
                .map_err(explain)?;
            tx.commit().await.map_err(explain)?;
            println!("{slug}");
        }
        Admin::SetPlan { email, plan } => {
            users::operator::set_plan(&owner, &email, &plan)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => anyhow::anyhow!("no account with email {email}"),
                    other => explain(other),
                })?;
            println!("{email} is now on the {plan} plan");
        }
        Admin::SeedLoad {
            workspaces,
            posts,
            email,
        } => {
            if workspaces == 0 || posts < workspaces {
                anyhow::bail!("--workspaces must be at least 1 and --posts at least --workspaces");
            }
            let bulk = db::connect_bulk(&cfg.database_url, 2).await?;
            crate::server::load::seed_load(
                &bulk,
                &auth,
                &pool,
                &cfg,
                crate::server::load::LoadPlan {
                    email,
                    workspaces,
                    posts,
                },
            )
            .await
            .map_err(explain)?;
        }
    }
    Ok(())
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    let pool = runtime_pool(&cfg).await?;
    let jobs = jobs_pool(&cfg).await?;
    let auth = auth_pool(&cfg).await?;
    let options = app::leptos_options(&cfg);
    let addr = options.site_addr;
    crate::server::crypto::TokenCipher::from_config(&cfg.token_key)?;
    app::media_store(&cfg)?;
    let state = app::build_state(cfg.clone(), pool.clone(), auth.clone(), options);
    spawn_housekeeping(jobs.clone());
    if cfg.run_worker {
        let publisher = crate::server::jobs::publisher::new(
            jobs.clone(),
            &cfg.public_url,
            state.cipher.clone(),
            state.media.clone(),
        );
        crate::server::jobs::publisher::spawn(
            publisher,
            std::time::Duration::from_millis(cfg.publish_poll_ms.max(50)),
        );
    }
    crate::server::jobs::mailer::spawn(jobs, state.config.clone());
    let router = app::router(state);
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!();
    println!("  Postroom is running at http://{addr}");
    if cfg.seed_demo {
        let demo_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM auth_login_lookup($1))")
                .bind(seed::DEMO_EMAIL)
                .fetch_one(auth.pool())
                .await
                .unwrap_or(false);
        if demo_exists {
            println!(
                "  Demo login: {} / {}",
                seed::DEMO_EMAIL,
                seed::DEMO_PASSWORD
            );
            println!(
                "  On the Starter plan ({}): {} / {}",
                match cfg.billing_mode {
                    crate::server::config::BillingMode::Cloud =>
                        "cloud billing: its limits are enforced",
                    crate::server::config::BillingMode::SelfHosted =>
                        "self-hosted: nothing is limited",
                },
                seed::DEMO_STARTER_EMAIL,
                seed::DEMO_PASSWORD
            );
        }
    }
    println!();
    tracing::info!(%addr, "listening");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn worker(cfg: Config) -> anyhow::Result<()> {
    let jobs = jobs_pool(&cfg).await?;
    let cipher = crate::server::crypto::TokenCipher::from_config(&cfg.token_key)?;
    let media = app::media_store(&cfg)?;
    let publisher = crate::server::jobs::publisher::new(jobs, &cfg.public_url, cipher, media);
    tracing::info!(poll_ms = cfg.publish_poll_ms, "publishing worker running");
    let handle = crate::server::jobs::publisher::spawn(
        publisher,
        std::time::Duration::from_millis(cfg.publish_poll_ms.max(50)),
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        r = handle => r.map_err(|e| anyhow::anyhow!("worker stopped: {e}")),
    }
}

/// Hourly: purge dead sessions (as the jobs role, which sees only those).
fn spawn_housekeeping(jobs: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = crate::server::auth::sessions::purge_expired(&jobs).await {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
}
