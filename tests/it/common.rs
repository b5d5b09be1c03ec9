use leptos::server_fn::ServerFn;
use postroom::model::AppError;
use postroom::server::{app, config::Config};
use reqwest::{Client, StatusCode};
use serde::Serialize;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

/// The app running on a random port against this test's database, with the
/// runtime role (no BYPASSRLS), exactly as in production.
pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    /// The migrator/superuser pool, for assertions that must see every row.
    pub admin: PgPool,
    /// The background-jobs role (mail sender, session purge).
    pub jobs: PgPool,
    /// The log-in role (creates sessions).
    pub auth: postroom::server::tenancy::AuthPool,
    /// How many times the app has used a runtime-pool connection (one per
    /// transaction or autocommit statement): the page budget test reads it.
    pub db_uses: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub config: std::sync::Arc<Config>,
    /// The key the app encrypts social-account tokens with (the worker needs it).
    pub cipher: postroom::server::crypto::TokenCipher,
    /// The app's media store (in memory in tests).
    pub media: postroom::server::media_store::MediaStore,
    server: tokio::task::AbortHandle,
}

/// At the end of a test `#[sqlx::test]` drops the test's database, which
/// PostgreSQL refuses (after waiting five seconds) while any connection to it
/// is open: stop the server and close every pool first. The closing runs on
/// the test's runtime while the drop waits for the connections to go.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        let pools = [
            self.pool.clone(),
            self.admin.clone(),
            self.jobs.clone(),
            self.auth.pool().clone(),
        ];
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                for p in pools {
                    p.close().await;
                }
            });
        }
    }
}

pub async fn role_pool(opts: &PgConnectOptions, role: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(8)
        .after_release(|conn, _| postroom::server::db::release_clean(conn))
        .connect_with(opts.clone().username(role).password(""))
        .await
        .unwrap_or_else(|e| panic!("connect as {role} (created by the migrations): {e}"))
}

impl TestApp {
    pub async fn spawn(pool_opts: PgPoolOptions, opts: PgConnectOptions) -> TestApp {
        Self::spawn_with(pool_opts, opts, |_| {}).await
    }

    /// The app with the Rust-side membership check switched off
    /// (`ForgeAuthorization`): only row-level security stands between a
    /// caller and another tenant.
    pub async fn spawn_forged(pool_opts: PgPoolOptions, opts: PgConnectOptions) -> TestApp {
        Self::spawn_inner(pool_opts, opts, |_| {}, |_| {}, true).await
    }

    /// `spawn_forged` with its configuration changed.
    pub async fn spawn_forged_with(
        pool_opts: PgPoolOptions,
        opts: PgConnectOptions,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_inner(pool_opts, opts, tweak, |_| {}, true).await
    }

    /// The app with its Leptos options changed (e.g. another site root).
    pub async fn spawn_with_options(
        pool_opts: PgPoolOptions,
        opts: PgConnectOptions,
        tweak: impl FnOnce(&mut leptos::config::LeptosOptions),
    ) -> TestApp {
        Self::spawn_inner(pool_opts, opts, |_| {}, tweak, false).await
    }

    pub async fn spawn_with(
        pool_opts: PgPoolOptions,
        opts: PgConnectOptions,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_inner(pool_opts, opts, tweak, |_| {}, false).await
    }

    async fn spawn_inner(
        pool_opts: PgPoolOptions,
        opts: PgConnectOptions,
        tweak: impl FnOnce(&mut Config),
        tweak_options: impl FnOnce(&mut leptos::config::LeptosOptions),
        forge: bool,
    ) -> TestApp {
        let admin = pool_opts.connect_with(opts.clone()).await.unwrap();
        let db_uses = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = db_uses.clone();
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .after_release(move |conn, _| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                postroom::server::db::release_clean(conn)
            })
            .connect_with(opts.clone().username("postroom_app").password(""))
            .await
            .expect("connect as postroom_app");
        let jobs = role_pool(&opts, "postroom_jobs").await;
        let auth =
            postroom::server::tenancy::AuthPool::new(role_pool(&opts, "postroom_auth").await);
        for p in [&pool, &jobs, auth.pool()] {
            postroom::server::db::assert_runtime_role(p).await.unwrap();
        }
        let mut cfg = Config {
            site_addr: "127.0.0.1:0".into(),
            seed_demo: false,
            media_store_url: "memory:///".into(),
            // Sign-ups start on their own plan; the trial tests turn it on.
            trial_days: 0,
            ..Config::default()
        };
        tweak(&mut cfg);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        cfg.public_url = format!("http://{addr}");
        let mut options = app::leptos_options(&cfg);
        options.site_addr = addr;
        tweak_options(&mut options);
        let mut state = app::build_state(cfg, pool.clone(), auth.clone(), options);
        if forge {
            state.forge_authorization =
                Some(postroom::server::tenancy::ForgeAuthorization(admin.clone()));
        }
        let config = state.config.clone();
        let cipher = state.cipher.clone();
        let media = state.media.clone();
        let router = app::router(state);
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        })
        .abort_handle();
        TestApp {
            base: format!("http://{addr}"),
            pool,
            admin,
            jobs,
            auth,
            db_uses,
            config,
            cipher,
            media,
            server,
        }
    }

    /// A browser-like client with its own cookie jar. Like a browser posting
    /// from our own page, it sends `Origin` (the CSRF check requires it).
    pub fn client(&self) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.base.parse().unwrap());
        Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            // A request that hangs fails its test (with the request named) instead of
            // holding up the whole run.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    /// Calls a server function over HTTP, as the hydrated page does.
    pub async fn call<F: ServerFn>(
        &self,
        client: &Client,
        args: &impl Serialize,
    ) -> (StatusCode, String) {
        self.call_path(client, F::PATH, args).await
    }

    pub async fn call_path(
        &self,
        client: &Client,
        path: &str,
        args: &impl Serialize,
    ) -> (StatusCode, String) {
        let res = client
            .post(format!("{}{}", self.base, path))
            .header("accept", "application/json")
            .form(args)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Calls a server function and decodes its error.
    pub async fn call_err<F: ServerFn>(
        &self,
        client: &Client,
        args: &impl Serialize,
    ) -> (StatusCode, AppError) {
        let (status, body) = self.call::<F>(client, args).await;
        assert!(
            !status.is_success() || status.is_redirection(),
            "expected an error, got {status}: {body}"
        );
        let err: AppError =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("not an AppError: {body}"));
        (status, err)
    }

    /// Logs in with the test password as the hydrated page does, returning the
    /// raw response so tests can read its cookie and redirect headers.
    pub async fn log_in_response(&self, client: &Client, email: &str) -> reqwest::Response {
        client
            .post(format!("{}{}", self.base, postroom::api::auth::LogIn::PATH))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", "correct horse battery")])
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let res = client
            .get(format!("{}{}", self.base, path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Signs up a new account and returns its client and personal workspace slug.
    pub async fn sign_up(&self, name: &str, email: &str) -> (Client, String) {
        let client = self.client();
        let res = client
            .post(format!(
                "{}{}",
                self.base,
                postroom::api::auth::SignUp::PATH
            ))
            .header("accept", "application/json")
            .form(&[
                ("name", name),
                ("email", email),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "sign up failed: {}",
            res.status()
        );
        let slug: String = sqlx::query_scalar(
            "SELECT w.slug FROM workspaces w JOIN users u ON u.id = w.owner_id WHERE u.email = $1 AND w.is_personal",
        )
        .bind(email)
        .fetch_one(&self.admin)
        .await
        .unwrap();
        (client, slug)
    }

    /// The composer's "Schedule" (server function `SavePost`) for `text` to
    /// `accounts` at `date` and `time` (the workspace's clock).
    pub async fn schedule_post(
        &self,
        client: &Client,
        slug: &str,
        text: &str,
        accounts: &[uuid::Uuid],
        (date, time): (String, String),
    ) -> (StatusCode, String) {
        let mut args = vec![
            ("slug".to_string(), slug.to_string()),
            ("content".to_string(), text.to_string()),
            ("date".to_string(), date),
            ("time".to_string(), time),
            ("intent".to_string(), "schedule".to_string()),
        ];
        for (i, id) in accounts.iter().enumerate() {
            args.push((format!("account_ids[{i}]"), id.to_string()));
        }
        self.call::<postroom::api::content::SavePost>(client, &args)
            .await
    }

    /// Creates a workspace as the client's user; returns its slug.
    pub async fn create_workspace(&self, client: &Client, name: &str) -> String {
        let (status, body) = self
            .call::<postroom::api::workspaces::CreateWorkspace>(client, &[("name", name)])
            .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "create failed: {status} {body}"
        );
        sqlx::query_scalar(
            "SELECT slug FROM workspaces WHERE name = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(name)
        .fetch_one(&self.admin)
        .await
        .unwrap()
    }
}

impl TestApp {
    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.admin)
            .await
            .unwrap()
    }

    pub async fn workspace_id(&self, slug: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.admin)
            .await
            .unwrap()
    }

    /// Makes `email` a member of `slug` directly (the invitation flow has its own tests).
    pub async fn add_member(&self, slug: &str, email: &str, role: &str) {
        sqlx::query(
            "INSERT INTO memberships (workspace_id, user_id, role) \
             SELECT w.id, u.id, $3 FROM workspaces w, users u WHERE w.slug = $1 AND u.email = $2",
        )
        .bind(slug)
        .bind(email)
        .bind(role)
        .execute(&self.admin)
        .await
        .unwrap();
    }

    pub async fn role_of(&self, slug: &str, email: &str) -> Option<String> {
        sqlx::query_scalar(
            "SELECT m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             JOIN users u ON u.id = m.user_id WHERE w.slug = $1 AND u.email = $2",
        )
        .bind(slug)
        .bind(email)
        .fetch_optional(&self.admin)
        .await
        .unwrap()
    }

    /// Invites `email` (no SMTP: the link comes back) and returns the token.
    pub async fn invite(&self, client: &Client, slug: &str, email: &str, role: &str) -> String {
        let (status, body) = self
            .call::<postroom::api::invitations::InviteMember>(
                client,
                &[("slug", slug), ("email", email), ("role", role)],
            )
            .await;
        assert!(status.is_success(), "invite failed: {status} {body}");
        let sent: postroom::model::InviteSentView = serde_json::from_str(&body).unwrap();
        token_of(&sent.link.expect("a link when SMTP is off"))
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.admin)
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A session for `email` made directly in the database; returns the hex
    /// digest a transaction presents in `app.session`. `valid_for` may be
    /// negative (an expired session).
    pub async fn session_digest(&self, email: &str, valid_for: chrono::Duration) -> String {
        let token = postroom::server::auth::tokens::new_secret();
        let digest = postroom::server::auth::tokens::digest(&token);
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, expires_at) \
             SELECT $1, id, now() + make_interval(secs => $3) FROM users WHERE email = $2",
        )
        .bind(&digest)
        .bind(email)
        .bind(valid_for.num_seconds() as f64)
        .execute(&self.admin)
        .await
        .unwrap();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A transaction as the runtime role with `app.*` settings made by hand,
    /// so a test exercises the policies without the app's own scoping code.
    pub async fn raw_tx(
        &self,
        settings: &[(&str, String)],
    ) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut tx = self.pool.begin().await.unwrap();
        for (name, value) in settings {
            sqlx::query("SELECT set_config($1, $2, true)")
                .bind(name)
                .bind(value)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx
    }
}

/// The date and time fields of a form for `at` (`YYYY-MM-DD`, `HH:MM`).
pub fn date_time<Z: chrono::TimeZone>(at: chrono::DateTime<Z>) -> (String, String)
where
    Z::Offset: std::fmt::Display,
{
    (
        at.format("%Y-%m-%d").to_string(),
        at.format("%H:%M").to_string(),
    )
}

pub fn token_of(link: &str) -> String {
    link.rsplit_once("/invite/")
        .expect("an invite link")
        .1
        .to_string()
}

/// Where a server function that redirects sent the caller.
pub fn location(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Runs the `postroom` binary (operator commands) against this test's database as the
/// migrator, with the serving roles' URLs derived: whether it succeeded, and its stdout
/// followed by its stderr.
pub fn run_cli(opts: &PgConnectOptions, args: &[&str]) -> (bool, String) {
    let url = format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap()
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_postroom"))
        .args(args)
        .env("POSTROOM_DATABASE_URL", &url)
        .env("POSTROOM_DATABASE_APP_URL", "")
        .env("POSTROOM_DATABASE_AUTH_URL", "")
        .env("POSTROOM_DATABASE_JOBS_URL", "")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}
