//! Runtime configuration: `Leptos.toml` (or the file named by `POSTROOM_CONFIG`),
//! overridden by `POSTROOM_*` environment variables (`DATABASE_URL` is accepted
//! for `database_url`). Build settings for cargo-leptos live in Cargo.toml.
use crate::server::auth::client_addr::TrustedProxies;
use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BillingMode {
    Cloud,
    SelfHosted,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address the HTTP server binds.
    pub site_addr: String,
    /// Public base URL, used in links sent by email; `https://` turns on `Secure` cookies.
    pub public_url: String,
    pub billing_mode: BillingMode,
    /// Who may sign up: `open`, `invite-only` (through invitation links
    /// only) or `closed` (only `postroom admin create-user`).
    pub signup: crate::model::SignupMode,
    /// Migrator connection: owns the tables, applies migrations.
    pub database_url: String,
    /// Runtime connection (a role without BYPASSRLS). Empty: `database_url`
    /// with the user replaced by `postroom_app`.
    pub database_app_url: String,
    /// Background jobs' connection (mail sender, session purge). Empty:
    /// `database_url` with the user replaced by `postroom_jobs`.
    pub database_jobs_url: String,
    /// The log-in role's connection (sign-up, log-in: creates sessions).
    pub database_auth_url: String,
    pub database_max_connections: u32,
    /// Print the demo login at start (set by `scripts/run`, which seeds it
    /// with `postroom seed-demo`). Never seeds anything by itself.
    pub seed_demo: bool,
    pub session_idle_hours: i64,
    pub session_absolute_days: i64,
    /// Login attempts allowed per client address per minute (burst).
    pub login_attempts_per_ip: u32,
    /// Login attempts allowed per email address per 15 minutes (burst).
    pub login_attempts_per_email: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (IPs or CIDRs;
    /// empty: none, the TCP peer is the client).
    pub trusted_proxies: TrustedProxies,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_from: String,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: String,
    /// Key for social-account tokens at rest: 32 random bytes, base64
    /// (`openssl rand -base64 32`). Empty: a key for this process only.
    pub token_key: String,
    /// Run the publishing worker inside `postroom serve` (turn off when
    /// `postroom worker` processes run separately).
    pub run_worker: bool,
    /// How often an idle publishing worker looks for due posts (milliseconds).
    pub publish_poll_ms: u64,
    /// Where media files go: empty → the local directory `media_dir`; or an
    /// object-store URL such as `s3://bucket/prefix` (credentials and
    /// endpoint from the usual `AWS_*` variables).
    pub media_store_url: String,
    pub media_dir: String,
    /// An OpenAI-compatible API for "Draft with AI": its base URL (the part
    /// before `/chat/completions`, e.g. `http://127.0.0.1:11434/v1` for
    /// Ollama, `https://api.openai.com/v1`). Empty: AI drafting is off.
    pub ai_url: String,
    /// The model to ask for (e.g. `llama3.2`, `gpt-4o-mini`).
    pub ai_model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub ai_key: String,
    /// Most tokens one draft may generate.
    pub ai_max_tokens: u32,
    /// Seconds a draft may take before it is given up.
    pub ai_timeout_secs: u64,
    /// AI drafts one person may start per minute, and have running at once (in every
    /// billing mode: they spend the operator's endpoint).
    pub ai_drafts_per_minute: u32,
    pub ai_drafts_at_once: u32,
    /// Uploads one person may start per minute, and have in flight at once (each
    /// holds up to 100 MB in memory while it is checked).
    pub uploads_per_minute: u32,
    pub uploads_at_once: u32,
    /// Cloud billing: a new account's trial (a plan code, and days; `0` turns it off).
    pub trial_plan: String,
    pub trial_days: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("site_addr", &self.site_addr)
            .field("public_url", &self.public_url)
            .field("billing_mode", &self.billing_mode)
            .field("database_url", &redact_url(&self.database_url))
            .field("smtp_host", &self.smtp_host)
            .field("ai_url", &self.ai_url)
            .field("ai_model", &self.ai_model)
            .finish_non_exhaustive()
    }
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            site_addr: "127.0.0.1:3000".into(),
            public_url: String::new(),
            billing_mode: BillingMode::SelfHosted,
            signup: crate::model::SignupMode::Open,
            database_url: "postgres://postroom@127.0.0.1:5432/postroom".into(),
            database_app_url: String::new(),
            database_jobs_url: String::new(),
            database_auth_url: String::new(),
            database_max_connections: 16,
            seed_demo: false,
            session_idle_hours: 24 * 7,
            session_absolute_days: 30,
            login_attempts_per_ip: 30,
            login_attempts_per_email: 10,
            trusted_proxies: TrustedProxies::default(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: "Postroom <no-reply@postroom.local>".into(),
            smtp_security: "starttls".into(),
            token_key: String::new(),
            run_worker: true,
            publish_poll_ms: 5000,
            media_store_url: String::new(),
            media_dir: "data/media".into(),
            ai_url: String::new(),
            ai_model: String::new(),
            ai_key: String::new(),
            ai_max_tokens: 600,
            ai_timeout_secs: 120,
            ai_drafts_per_minute: 10,
            ai_drafts_at_once: 2,
            uploads_per_minute: 30,
            uploads_at_once: 2,
            trial_plan: "pro".into(),
            trial_days: 14,
        }
    }
}

impl Config {
    pub fn load() -> anyhow::Result<Config> {
        let file = std::env::var("POSTROOM_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Ok(addr) = std::env::var("LEPTOS_SITE_ADDR") {
            // cargo-leptos passes the address from Cargo.toml; the file and
            // POSTROOM_SITE_ADDR still win.
            fig = fig.merge(Serialized::default("site_addr", addr));
        }
        if std::path::Path::new(&file).exists() {
            fig = fig.merge(Toml::file(&file));
        }
        let fig = fig
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Env::prefixed("POSTROOM_").ignore(&["CONFIG"]));
        let mut cfg: Config = fig.extract()?;
        if cfg.public_url.is_empty() {
            cfg.public_url = format!("http://{}", cfg.site_addr);
        }
        cfg.public_url = cfg.public_url.trim_end_matches('/').to_string();
        if cfg.database_app_url.is_empty() {
            cfg.database_app_url = derive_role_url(&cfg.database_url, "postroom_app")?;
        }
        if cfg.database_jobs_url.is_empty() {
            cfg.database_jobs_url = derive_role_url(&cfg.database_url, "postroom_jobs")?;
        }
        if cfg.database_auth_url.is_empty() {
            cfg.database_auth_url = derive_role_url(&cfg.database_url, "postroom_auth")?;
        }
        Ok(cfg)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The trial a new account starts, if any: cloud billing, a plan and some days.
    pub fn trial(&self) -> Option<(String, u32)> {
        let plan = self.trial_plan.trim().to_ascii_lowercase();
        (self.billing_mode == BillingMode::Cloud && self.trial_days > 0 && !plan.is_empty())
            .then_some((plan, self.trial_days.min(90)))
    }

    pub fn smtp_enabled(&self) -> bool {
        !self.smtp_host.trim().is_empty()
    }
}

/// A role's URL: the migrator's URL with the user `role` and no password.
pub fn derive_role_url(database_url: &str, role: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(database_url)
        .map_err(|e| anyhow::anyhow!("database_url is not a valid URL: {e}"))?;
    url.set_username(role)
        .map_err(|_| anyhow::anyhow!("database_url cannot carry a user name"))?;
    let _ = url.set_password(None);
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_url_swaps_the_user() {
        assert_eq!(
            derive_role_url(
                "postgres://owner:secret@db:5432/postroom?sslmode=disable",
                "postroom_app"
            )
            .unwrap(),
            "postgres://postroom_app@db:5432/postroom?sslmode=disable"
        );
    }

    #[test]
    fn trusted_proxies_come_from_a_list_or_a_comma_separated_env_value() {
        let base = || Figment::from(Serialized::defaults(Config::default()));
        let cfg: Config = base().extract().unwrap();
        assert!(cfg.trusted_proxies.is_empty());
        // A unique prefix: the process environment is shared by all tests.
        std::env::set_var("PRTEST_CFG_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16");
        let cfg: Config = base()
            .merge(Env::prefixed("PRTEST_CFG_"))
            .extract()
            .unwrap();
        let ip = |s: &str| s.parse().unwrap();
        assert!(cfg.trusted_proxies.contains(ip("10.0.0.1")));
        assert!(cfg.trusted_proxies.contains(ip("10.1.2.3")));
        assert!(!cfg.trusted_proxies.contains(ip("10.0.0.2")));
        let cfg: Config = base()
            .merge(Toml::string(
                r#"trusted_proxies = ["::1", "192.168.0.0/24"]"#,
            ))
            .extract()
            .unwrap();
        assert!(cfg.trusted_proxies.contains(ip("192.168.0.9")));
        let bad = base().merge(Toml::string(r#"trusted_proxies = "proxy.local""#));
        assert!(bad.extract::<Config>().is_err());
    }
}
