//! The `postroom` binary: `serve` (default), `migrate`, and operator commands.
use crate::model::AppError;
use crate::server::{
    app,
    config::Config,
    db, seed,
    services::{users, workspaces},
    tenancy::Principal,
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
    /// Apply migrations, seed the demo if the database is empty, and serve (default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
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
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = Config::load()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cfg).await,
        Command::Migrate => {
            migrate(&cfg).await?;
            println!("migrations applied");
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
    let pool = db::connect(&cfg.database_app_url, cfg.database_max_connections).await?;
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

async fn admin(cfg: Config, cmd: Admin) -> anyhow::Result<()> {
    let pool = runtime_pool(&cfg).await?;
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
                &pool,
                users::SignupInput {
                    email: email.clone(),
                    password,
                    name,
                    plan,
                },
            )
            .await
            .map_err(explain)?;
            println!(
                "created {email} (personal workspace: {})",
                account.personal.slug()
            );
        }
        Admin::CreateWorkspace { owner, name } => {
            let (id, owner_name) = users::find_by_email(&pool, &owner)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow::anyhow!("no account with email {owner}"))?;
            let ctx = workspaces::create(
                &pool,
                &Principal::User {
                    id,
                    name: owner_name,
                },
                &name,
            )
            .await
            .map_err(explain)?;
            println!("{}", ctx.slug());
        }
        Admin::SetPlan { email, plan } => {
            users::set_plan(&pool, &email, &plan)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => anyhow::anyhow!("no account with email {email}"),
                    other => explain(other),
                })?;
            println!("{email} is now on the {plan} plan");
        }
    }
    Ok(())
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    if cfg.migrate_on_start {
        migrate(&cfg).await?;
    }
    let pool = runtime_pool(&cfg).await?;
    let seeded = if cfg.seed_demo {
        seed::seed_if_empty(&pool).await.map_err(explain)?
    } else {
        false
    };
    let options = app::leptos_options(&cfg);
    let addr = options.site_addr;
    let state = app::build_state(cfg.clone(), pool.clone(), options);
    spawn_housekeeping(state.clone());
    crate::server::jobs::mailer::spawn(pool.clone(), state.config.clone());
    let router = app::router(state);
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!();
    println!("  Postroom is running at http://{addr}");
    if cfg.seed_demo {
        let demo_exists = users::find_by_email(&pool, seed::DEMO_EMAIL)
            .await
            .ok()
            .flatten()
            .is_some();
        if demo_exists {
            println!(
                "  Demo login: {} / {}{}",
                seed::DEMO_EMAIL,
                seed::DEMO_PASSWORD,
                if seeded { "  (just seeded)" } else { "" }
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

fn spawn_housekeeping(state: crate::server::state::AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) =
                crate::server::auth::sessions::purge_expired(&state.pool, &state.config).await
            {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
}
