//! Sends the email outbox over SMTP (lettre, rustls), as the jobs role.
//!
//! A message is *claimed* in a short transaction (`FOR UPDATE SKIP LOCKED`,
//! status `sending` with a lease), which also mints the invitation's token —
//! the queued body holds only a placeholder, so the database never holds a
//! usable link. The transaction commits before the SMTP conversation, so no
//! row lock or pool connection is held across the network; a second
//! transaction records the result. A failed attempt is retried with
//! exponential backoff until `max_attempts`. A lease that runs out while
//! `sending` means the result was never recorded: that message is marked
//! failed ("outcome unknown") rather than sent again blindly.
use crate::server::auth::tokens;
use crate::server::config::Config;
use crate::server::services::invitations::{invite_link, LINK_PLACEHOLDER};
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

/// How long a claimed message may stay `sending` before it counts as lost.
pub const LEASE_SECS: f64 = 300.0;

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

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    workspace_id: Option<uuid::Uuid>,
    invitation_id: Option<uuid::Uuid>,
    to_address: String,
    subject: String,
    body_text: Option<String>,
    attempts: i32,
    max_attempts: i32,
}

enum Claim {
    None,
    Skipped,
    Send(Claimed, String),
}

/// Claims one due message and mints its link, in one short transaction.
async fn claim(pool: &PgPool, cfg: &Config) -> anyhow::Result<Claim> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE email_outbox SET status = 'failed', body_text = NULL, lease_until = NULL, \
                last_error = 'delivery outcome unknown: the sender stopped before recording it' \
         WHERE status = 'sending' AND lease_until <= now()",
    )
    .execute(&mut *tx)
    .await?;
    let row: Option<Claimed> = sqlx::query_as(
        "UPDATE email_outbox SET status = 'sending', attempts = attempts + 1, \
                lease_until = now() + make_interval(secs => $1) \
         WHERE id = (SELECT id FROM email_outbox \
                      WHERE status = 'pending' AND next_attempt_at <= now() \
                      ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, workspace_id, invitation_id, to_address::text AS to_address, subject, \
                   body_text, attempts, max_attempts",
    )
    .bind(LEASE_SECS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(msg) = row else {
        tx.commit().await?;
        return Ok(Claim::None);
    };
    let mut body = msg.body_text.clone().unwrap_or_default();
    if let (Some(ws), Some(inv)) = (msg.workspace_id, msg.invitation_id) {
        let token = tokens::new_secret();
        let minted = sqlx::query(
            "UPDATE invitations SET token_hash = $3 WHERE workspace_id = $1 AND id = $2 \
               AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()",
        )
        .bind(ws)
        .bind(inv)
        .bind(tokens::digest(&token))
        .execute(&mut *tx)
        .await?;
        if minted.rows_affected() != 1 {
            sqlx::query(
                "UPDATE email_outbox SET status = 'cancelled', body_text = NULL, lease_until = NULL, \
                        last_error = 'the invitation is no longer open' WHERE id = $1",
            )
            .bind(msg.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Claim::Skipped);
        }
        body = body.replace(LINK_PLACEHOLDER, &invite_link(cfg, &token));
    }
    tx.commit().await?;
    Ok(Claim::Send(msg, body))
}

async fn send_one(pool: &PgPool, cfg: &Config, transport: &Transport) -> anyhow::Result<bool> {
    let (msg, body) = match claim(pool, cfg).await? {
        Claim::None => return Ok(false),
        Claim::Skipped => return Ok(true),
        Claim::Send(msg, body) => (msg, body),
    };
    let result = if msg.body_text.is_some() {
        deliver(cfg, transport, &msg.to_address, &msg.subject, body).await
    } else {
        Err("message has no body".to_string())
    };
    let (id, attempts) = (msg.id, msg.attempts);
    match result {
        Ok(()) => {
            sqlx::query(
                "UPDATE email_outbox SET status = 'sent', sent_at = now(), body_text = NULL, \
                        last_error = NULL, lease_until = NULL WHERE id = $1 AND status = 'sending'",
            )
            .bind(id)
            .execute(pool)
            .await?;
            tracing::info!(id, "email sent");
        }
        Err(error) if attempts >= msg.max_attempts => {
            sqlx::query(
                "UPDATE email_outbox SET status = 'failed', last_error = $2, body_text = NULL, \
                        lease_until = NULL WHERE id = $1 AND status = 'sending'",
            )
            .bind(id)
            .bind(&error)
            .execute(pool)
            .await?;
            tracing::error!(id, %error, "email failed for good");
        }
        Err(error) => {
            sqlx::query(
                "UPDATE email_outbox SET status = 'pending', last_error = $2, lease_until = NULL, \
                        next_attempt_at = now() + make_interval(secs => $3) \
                 WHERE id = $1 AND status = 'sending'",
            )
            .bind(id)
            .bind(&error)
            .bind(backoff_secs(attempts) as f64)
            .execute(pool)
            .await?;
            tracing::warn!(id, attempts, %error, "email failed; will retry");
        }
    }
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
