//! Sends the email outbox over SMTP (lettre, rustls). One message per
//! transaction, claimed with `FOR UPDATE SKIP LOCKED`, so any number of
//! servers can run a mailer without sending a message twice at once. A failed
//! attempt is retried with exponential backoff until `max_attempts`, then the
//! message is marked failed. The body (it holds a live invitation link) is
//! cleared as soon as delivery ends either way.
use crate::server::config::Config;
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};

pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// How often an idle mailer looks for due messages.
pub const POLL: Duration = Duration::from_secs(2);

/// Starts the sender when SMTP is configured; returns whether it started.
pub fn spawn(pool: PgPool, cfg: Arc<Config>) -> bool {
    if !cfg.smtp_enabled() {
        tracing::info!(
            "smtp_host is empty: invitation links are shown to the inviter instead of emailed"
        );
        return false;
    }
    let transport = match transport(&cfg) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "SMTP configuration is invalid; the mailer is not running");
            return false;
        }
    };
    tokio::spawn(async move {
        loop {
            match send_due(&pool, &cfg, &transport).await {
                Ok(0) => tokio::time::sleep(POLL).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "mailer pass failed");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
    true
}

pub fn transport(cfg: &Config) -> anyhow::Result<Transport> {
    let host = cfg.smtp_host.trim();
    let builder = match cfg.smtp_security.trim().to_ascii_lowercase().as_str() {
        "none" => Transport::builder_dangerous(host),
        "tls" => Transport::relay(host)?,
        "starttls" | "" => Transport::starttls_relay(host)?,
        other => anyhow::bail!("smtp_security must be starttls, tls or none (got {other:?})"),
    };
    let mut builder = builder
        .port(cfg.smtp_port)
        .timeout(Some(Duration::from_secs(30)));
    if !cfg.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(
            cfg.smtp_username.clone(),
            cfg.smtp_password.clone(),
        ));
    }
    Ok(builder.build())
}

/// Seconds to wait before attempt `n + 1` after `n` failures: 30 s, 1 min, 2 min… capped at 1 h.
pub fn backoff_secs(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30i64 << exp).min(3600)
}

/// Sends every due message, one per transaction; returns how many it handled.
pub async fn send_due(pool: &PgPool, cfg: &Config, transport: &Transport) -> anyhow::Result<usize> {
    let mut handled = 0;
    while send_one(pool, cfg, transport).await? {
        handled += 1;
    }
    Ok(handled)
}

type Claimed = (i64, String, String, Option<String>, i32, i32);

async fn send_one(pool: &PgPool, cfg: &Config, transport: &Transport) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    let row: Option<Claimed> = sqlx::query_as(
        "SELECT id, to_address::text, subject, body_text, attempts, max_attempts FROM email_outbox \
         WHERE status = 'pending' AND next_attempt_at <= now() \
         ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, to, subject, body, attempts, max_attempts)) = row else {
        return Ok(false);
    };
    let attempts = attempts + 1;
    let result = match body {
        Some(body) => deliver(cfg, transport, &to, &subject, body).await,
        None => Err("message has no body".to_string()),
    };
    match result {
        Ok(()) => {
            sqlx::query(
                "UPDATE email_outbox SET status = 'sent', attempts = $2, sent_at = now(), \
                 body_text = NULL, last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(attempts)
            .execute(&mut *tx)
            .await?;
            tracing::info!(id, "email sent");
        }
        Err(error) if attempts >= max_attempts => {
            sqlx::query(
                "UPDATE email_outbox SET status = 'failed', attempts = $2, last_error = $3, \
                 body_text = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(attempts)
            .bind(&error)
            .execute(&mut *tx)
            .await?;
            tracing::error!(id, %error, "email failed for good");
        }
        Err(error) => {
            sqlx::query(
                "UPDATE email_outbox SET attempts = $2, last_error = $3, \
                 next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1",
            )
            .bind(id)
            .bind(attempts)
            .bind(&error)
            .bind(backoff_secs(attempts) as f64)
            .execute(&mut *tx)
            .await?;
            tracing::warn!(id, attempts, %error, "email failed; will retry");
        }
    }
    tx.commit().await?;
    Ok(true)
}

async fn deliver(
    cfg: &Config,
    transport: &Transport,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), String> {
    let from: Mailbox = cfg
        .smtp_from
        .parse()
        .map_err(|e| format!("smtp_from is not a valid address: {e}"))?;
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("recipient is not a valid address: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("could not build the message: {e}"))?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_secs(1), 30);
        assert_eq!(super::backoff_secs(2), 60);
        assert_eq!(super::backoff_secs(3), 120);
        assert_eq!(super::backoff_secs(20), 3600);
    }
}
