//! What an invitation token can reach (only its own invitation), the SMTP
//! path against a real SMTP conversation, retries, and the grants.
use crate::common::{token_of, TestApp};
use postroom::api::invitations::{InvitationDetails, InviteMember};
use postroom::model::{InvitePageView, InviteSentView, InviteState};
use postroom::server::{auth::tokens, jobs::mailer};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

#[sqlx::test]
async fn a_token_sees_only_its_own_invitation(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let a = app.create_workspace(&alice, "Alpha Co").await;
    let b = app.create_workspace(&bob, "Beta Co").await;
    let token = app.invite(&alice, &a, "carol@example.test", "VIEWER").await;
    app.invite(&bob, &b, "carol@example.test", "ADMIN").await;
    app.invite(&alice, &a, "dave@example.test", "EDITOR").await;

    // The page shows the workspace's name and look, never its id, slug or other rows.
    let (_, body) = app
        .call::<InvitationDetails>(&app.client(), &[("token", token.as_str())])
        .await;
    let view: InvitePageView = serde_json::from_str(&body).unwrap();
    assert_eq!(view.state, InviteState::Open);
    let a_id = app.workspace_id(&a).await.to_string();
    for secret in [
        a.as_str(),
        a_id.as_str(),
        "dave@example.test",
        "Beta Co",
        "ADMIN",
    ] {
        assert!(!body.contains(secret), "details leak {secret}: {body}");
    }

    // Row-level security alone: presenting the digest shows exactly that row,
    // nothing of any other table, and allows no write.
    let hash = hex_of(&tokens::digest(&token));
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.invitation_token', $1, true)")
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT email::text, role FROM invitations")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        rows,
        [("carol@example.test".to_string(), "VIEWER".to_string())]
    );
    // Its workspace's row (name and look, for the page), and no other.
    let visible: Vec<String> = sqlx::query_scalar("SELECT slug FROM workspaces")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, [a.clone()]);
    // …and of the accounts only the inviter's name.
    let people: Vec<String> = sqlx::query_scalar("SELECT name FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(people, ["Alice"]);
    for table in ["memberships", "brand_profiles", "activity_log", "sessions"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} visible through a token");
    }
    // Without a session there is nobody to claim it for, and what it offers
    // (role, address) cannot change at all.
    for sql in [
        "UPDATE invitations SET accepted_at = now()",
        "UPDATE invitations SET role = 'ADMIN'",
    ] {
        let mut sp = sqlx::Acquire::begin(&mut *tx).await.unwrap();
        match sqlx::query(sql).execute(&mut *sp).await {
            Ok(r) => assert_eq!(r.rows_affected(), 0, "{sql}: a token alone writes nothing"),
            Err(_) => {}
        }
        sp.rollback().await.unwrap();
    }
    tx.rollback().await.unwrap();

    // A digest that matches nothing sees nothing.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.invitation_token', $1, true)")
        .bind(hex_of(&tokens::digest("not-a-token")))
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Each role gets exactly what it needs: the web role cannot read the
/// outbox's addresses or bodies nor any password hash; the jobs role reads
/// the outbox and nothing of the tenants' tables.
#[sqlx::test]
async fn each_role_has_only_its_grants(pool: sqlx::PgPool) {
    let can =
        |role: &'static str, table: &'static str, column: &'static str, privilege: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, bool>("SELECT has_column_privilege($1, $2, $3, $4)")
                    .bind(role)
                    .bind(table)
                    .bind(column)
                    .bind(privilege)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
    assert!(!can("postroom_app", "email_outbox", "body_text", "SELECT").await);
    assert!(!can("postroom_app", "email_outbox", "to_address", "SELECT").await);
    assert!(can("postroom_app", "email_outbox", "body_text", "INSERT").await);
    assert!(!can("postroom_app", "users", "password_hash", "SELECT").await);
    assert!(!can("postroom_app", "users", "plan", "UPDATE").await);
    assert!(!can("postroom_app", "sessions", "user_id", "UPDATE").await);
    assert!(can("postroom_jobs", "email_outbox", "body_text", "SELECT").await);
    assert!(!can("postroom_jobs", "invitations", "email", "SELECT").await);
    assert!(can("postroom_jobs", "invitations", "token_hash", "UPDATE").await);
    for table in [
        "workspaces",
        "memberships",
        "users",
        "brand_profiles",
        "activity_log",
    ] {
        let any: bool = sqlx::query_scalar(
            "SELECT has_table_privilege('postroom_jobs', $1, 'SELECT') \
                 OR has_any_column_privilege('postroom_jobs', $1, 'SELECT')",
        )
        .bind(table)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(!any, "the jobs role can read {table}");
    }
    let unforced: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND relname NOT IN ('_sqlx_migrations', 'plans') \
           AND NOT (relrowsecurity AND relforcerowsecurity) ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        unforced.is_empty(),
        "tables without forced RLS: {unforced:?}"
    );
}

/// A sender that stopped after claiming a message (its lease ran out while
/// `sending`) does not send it again blindly: the message is marked failed
/// with "outcome unknown".
#[sqlx::test]
async fn a_lost_send_is_not_repeated_blindly(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        cfg.smtp_host = "127.0.0.1".into();
        cfg.smtp_port = 9;
        cfg.smtp_security = "none".into();
    })
    .await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let (status, _) = app
        .call::<InviteMember>(
            &alice,
            &[
                ("slug", slug.as_str()),
                ("email", "carol@example.test"),
                ("role", "EDITOR"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The queued body carries a placeholder, never a link.
    let body: String = sqlx::query_scalar("SELECT body_text FROM email_outbox")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(
        body.contains("{{invite_link}}") && !body.contains("/invite/"),
        "{body}"
    );
    sqlx::query(
        "UPDATE email_outbox SET status = 'sending', lease_until = now() - interval '1 second'",
    )
    .execute(&app.admin)
    .await
    .unwrap();
    let transport = mailer::transport(&app.config).unwrap();
    assert_eq!(
        mailer::send_due(&app.jobs, &app.config, &transport)
            .await
            .unwrap(),
        0
    );
    let (status, error, body): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT status, last_error, body_text FROM email_outbox")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("outcome unknown"));
    assert_eq!(body, None);
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A minimal SMTP server: answers the conversation and hands each message
/// (envelope + data) to the test.
async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let mut message = String::new();
                w.write_all(b"220 sink ESMTP ready\r\n").await.ok()?;
                while let Some(line) = lines.next_line().await.ok()? {
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("MAIL") || cmd.starts_with("RCPT") {
                        message.push_str(&line);
                        message.push('\n');
                        b"250 OK\r\n"
                    } else if cmd == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.ok()?;
                        while let Some(data) = lines.next_line().await.ok()? {
                            if data == "." {
                                break;
                            }
                            message.push_str(data.strip_prefix('.').unwrap_or(&data));
                            message.push('\n');
                        }
                        tx.send(std::mem::take(&mut message)).ok()?;
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.ok()?;
                        break;
                    } else if cmd == "RSET" || cmd == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    w.write_all(reply).await.ok()?;
                }
                Some(())
            });
        }
    });
    (port, rx)
}

/// Undoes quoted-printable soft breaks and escapes, enough to read a link.
fn unqp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[sqlx::test]
async fn invitations_are_emailed_over_smtp(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let (port, mut inbox) = smtp_sink().await;
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        cfg.smtp_host = "127.0.0.1".into();
        cfg.smtp_port = port;
        cfg.smtp_security = "none".into();
        cfg.smtp_from = "Postroom <invites@postroom.test>".into();
    })
    .await;
    assert!(mailer::spawn(app.jobs.clone(), app.config.clone()));
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let (status, body) = app
        .call::<InviteMember>(
            &alice,
            &[
                ("slug", slug.as_str()),
                ("email", "carol@example.test"),
                ("role", "CLIENT"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent: InviteSentView = serde_json::from_str(&body).unwrap();
    assert!(
        sent.emailed && sent.link.is_none(),
        "with SMTP the link is not shown"
    );

    let raw = tokio::time::timeout(std::time::Duration::from_secs(20), inbox.recv())
        .await
        .expect("the message arrives")
        .unwrap();
    let mail = unqp(&raw);
    assert!(mail.contains("RCPT TO:<carol@example.test>"), "{mail}");
    // User-chosen names stay out of the subject (no header injection).
    assert!(
        mail.contains("Subject: You're invited to a workspace on Postroom"),
        "{mail}"
    );
    assert!(
        mail.contains("Alice invited you to join the workspace"),
        "{mail}"
    );
    let link_start = mail
        .find(&format!("{}/invite/", app.base))
        .expect("the link, on the public URL");
    let link: String = mail[link_start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = token_of(&link);
    assert_eq!(
        postroom::server::auth::tokens::digest(&token),
        sqlx::query_scalar::<_, Vec<u8>>("SELECT token_hash FROM invitations")
            .fetch_one(&app.admin)
            .await
            .unwrap(),
        "the emailed link carries the invitation's token"
    );
    // Sent, and the link no longer sits in the outbox.
    let mut state = (String::new(), true);
    for _ in 0..50 {
        state = sqlx::query_as("SELECT status, body_text IS NOT NULL FROM email_outbox")
            .fetch_one(&app.admin)
            .await
            .unwrap();
        if state.0 == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, ("sent".to_string(), false));
}

#[sqlx::test]
async fn undeliverable_mail_is_retried_then_marked_failed(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // A port with nobody listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::spawn_with(pool_opts, opts, |cfg| {
        cfg.smtp_host = "127.0.0.1".into();
        cfg.smtp_port = port;
        cfg.smtp_security = "none".into();
    })
    .await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    let (status, _) = app
        .call::<InviteMember>(
            &alice,
            &[
                ("slug", slug.as_str()),
                ("email", "carol@example.test"),
                ("role", "EDITOR"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    sqlx::query("UPDATE email_outbox SET max_attempts = 2")
        .execute(&app.admin)
        .await
        .unwrap();
    let transport = mailer::transport(&app.config).unwrap();

    assert_eq!(
        mailer::send_due(&app.jobs, &app.config, &transport)
            .await
            .unwrap(),
        1
    );
    let (status, attempts, error, later): (String, i32, Option<String>, bool) = sqlx::query_as(
        "SELECT status, attempts, last_error, next_attempt_at > now() + interval '20 seconds' FROM email_outbox",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts, later), ("pending", 1, true));
    assert!(error.unwrap().contains("SMTP"));
    // Not due yet: nothing to do.
    assert_eq!(
        mailer::send_due(&app.jobs, &app.config, &transport)
            .await
            .unwrap(),
        0
    );

    sqlx::query("UPDATE email_outbox SET next_attempt_at = now()")
        .execute(&app.admin)
        .await
        .unwrap();
    assert_eq!(
        mailer::send_due(&app.jobs, &app.config, &transport)
            .await
            .unwrap(),
        1
    );
    let (status, attempts, body): (String, i32, Option<String>) =
        sqlx::query_as("SELECT status, attempts, body_text FROM email_outbox")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts, body), ("failed", 2, None));
}
