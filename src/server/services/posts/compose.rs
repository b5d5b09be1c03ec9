//! The composer's form: every field checked (all problems at once, nothing
//! saved), then a new post or changes to an editable one.
use super::*;
use crate::model::{
    char_count, network, with_signature, AppError, Permission, PostInput, PostStatus, Problems,
};
use crate::server::config::BillingMode;
use crate::server::services::activity::{self, Event};
use crate::server::services::{usage, zones};
use crate::server::tenancy::ScopedTx;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A validated composer form.
struct Checked {
    content: String,
    accounts: Vec<Uuid>,
    labels: Vec<Uuid>,
    media: Vec<Uuid>,
    signature: Option<Uuid>,
    scheduled_at: Option<DateTime<Utc>>,
    schedule: bool,
}

fn parse_ids(values: &[String]) -> Option<Vec<Uuid>> {
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let id = Uuid::parse_str(v).ok()?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Some(out)
}

/// Ids from checkbox fields that must all name rows of `table` in this
/// workspace (the query sees no other); `message` on `field` otherwise.
async fn ids_in_workspace(
    tx: &mut ScopedTx,
    p: &mut Problems,
    table: &'static str,
    field: &str,
    values: &[String],
    message: &str,
) -> Result<Vec<Uuid>, AppError> {
    let Some(ids) = parse_ids(values) else {
        p.add(field, message);
        return Ok(Vec::new());
    };
    if ids.is_empty() {
        return Ok(ids);
    }
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {table} WHERE workspace_id = $1 AND id = ANY($2)"
    ))
    .bind(tx.workspace_id())
    .bind(&ids)
    .fetch_one(tx.conn())
    .await?;
    if n as usize != ids.len() {
        p.add(field, message);
    }
    Ok(ids)
}

async fn check(
    tx: &mut ScopedTx,
    input: &PostInput,
    rules: &PostingRules,
) -> Result<Checked, AppError> {
    let ws = tx.workspace_id();
    let mut p = Problems::default();
    let schedule = match input.intent.trim() {
        "schedule" => true,
        "draft" | "" => false,
        _ => {
            p.add(
                "intent",
                "Choose whether to save a draft or schedule the post.",
            );
            false
        }
    };
    let content = input.content.trim().to_string();
    if content.is_empty() {
        p.add("content", "Write something to post.");
    } else if char_count(&content) > CONTENT_MAX {
        p.add(
            "content",
            format!("A post is at most {CONTENT_MAX} characters."),
        );
    } else if crate::model::validate::multi_line(&content, "The post").is_err() {
        p.add("content", "The post must not contain control characters.");
    }

    // Accounts: present, in this workspace (the query sees no other), connected.
    let mut networks: Vec<(String, String)> = Vec::new();
    let accounts = match parse_ids(&input.account_ids) {
        None => {
            p.add(
                "account_ids",
                "One of the chosen accounts is not in this workspace.",
            );
            Vec::new()
        }
        Some(ids) if ids.is_empty() => {
            p.add("account_ids", "Choose at least one account to post to.");
            ids
        }
        Some(ids) => {
            let found: Vec<(Uuid, String, String, String)> = sqlx::query_as(
                "SELECT id, platform, handle, status FROM social_accounts WHERE workspace_id = $1 AND id = ANY($2)",
            )
            .bind(ws)
            .bind(&ids)
            .fetch_all(tx.conn())
            .await?;
            if found.len() != ids.len() {
                p.add(
                    "account_ids",
                    "One of the chosen accounts is not in this workspace.",
                );
            } else if let Some((_, _, handle, status)) = found.iter().find(|a| a.3 != "connected") {
                p.add(
                    "account_ids",
                    format!("@{handle} is {status}: reconnect it or choose another account."),
                );
            }
            networks = found.into_iter().map(|(_, pl, h, _)| (pl, h)).collect();
            ids
        }
    };

    const NO_LABEL: &str = "One of the chosen labels does not exist in this workspace.";
    let labels = ids_in_workspace(
        tx,
        &mut p,
        "labels",
        "label_ids",
        &input.label_ids,
        NO_LABEL,
    )
    .await?;
    const NO_FILE: &str = "One of the chosen files is not in this workspace's media library.";
    let media =
        ids_in_workspace(tx, &mut p, "media", "media_ids", &input.media_ids, NO_FILE).await?;
    if media.len() > 10 {
        p.add("media_ids", "Attach at most 10 files to a post.");
    }

    let mut signature_text: Option<String> = None;
    let signature = match input.signature_id.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Err(_) => {
                p.add(
                    "signature_id",
                    "That signature does not exist in this workspace.",
                );
                None
            }
            Ok(id) => {
                signature_text = sqlx::query_scalar(
                    "SELECT body FROM signatures WHERE workspace_id = $1 AND id = $2",
                )
                .bind(ws)
                .bind(id)
                .fetch_optional(tx.conn())
                .await?;
                if signature_text.is_none() {
                    p.add(
                        "signature_id",
                        "That signature does not exist in this workspace.",
                    );
                }
                Some(id)
            }
        },
    };

    // Each network's limit, counting the signature that publishing appends.
    if !content.is_empty() {
        let full = with_signature(&content, signature_text.as_deref());
        let n = char_count(&full);
        let mut seen: Vec<&str> = Vec::new();
        for (platform, _) in &networks {
            if seen.contains(&platform.as_str()) {
                continue;
            }
            seen.push(platform);
            if let Some(net) = network(platform) {
                if n > net.max_chars {
                    p.add(
                        "content",
                        format!(
                            "Too long for {}: {n} of {} characters{}.",
                            net.label,
                            net.max_chars,
                            if signature_text.is_some() {
                                " (signature included)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
        }
    }

    // The time, in the workspace's zone. Drafts may keep one or have none.
    let has_time = !input.date.trim().is_empty() || !input.time.trim().is_empty();
    let mut scheduled_at = None;
    if schedule || has_time {
        match (
            zones::parse_date(&input.date),
            zones::parse_time(&input.time),
        ) {
            (None, _) => p.add("date", "Pick a date (YYYY-MM-DD)."),
            (_, None) => p.add("time", "Pick a time (HH:MM)."),
            (Some(d), Some(t)) => match zones::to_utc(d, t, rules.zone) {
                None => p.add(
                    "time",
                    format!(
                        "That time does not exist in {} (the clocks change).",
                        rules.zone_name
                    ),
                ),
                Some(at) if schedule && at <= Utc::now() => p.add(
                    "date",
                    "That time is in the past. Pick a time in the future.",
                ),
                Some(at) => scheduled_at = Some(at),
            },
        }
    }
    p.into_result()?;
    Ok(Checked {
        content,
        accounts,
        labels,
        media,
        signature,
        scheduled_at,
        schedule,
    })
}

/// Saves the composer: a new post, or changes to an editable one. Editing a
/// post that was approved sends it back for approval. Returns its id.
pub async fn save(
    tx: &mut ScopedTx,
    input: PostInput,
    billing: BillingMode,
) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let mut was_active = false;
    let existing = match input.post_id.trim() {
        "" => None,
        raw => {
            let id = Uuid::parse_str(raw).map_err(|_| AppError::NotFound)?;
            let status = lock_status(tx, id).await?;
            if !status.editable() {
                return Err(not_editable(status));
            }
            was_active = is_active(status);
            Some(id)
        }
    };
    let rules = rules(tx).await?;
    let c = check(tx, &input, &rules).await?;
    let status = if c.schedule {
        scheduled_status(&rules)
    } else {
        PostStatus::Draft
    };
    if is_active(status) {
        usage::check_schedule(tx, billing, c.scheduled_at, !was_active, was_active).await?;
    }
    let user = tx.ctx().actor_user()?;
    let id = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE posts SET content = $3, status = $4, scheduled_at = $5, signature_id = $6, \
                        approved_by = NULL, approved_at = NULL, attempts = 0, next_attempt_at = NULL, last_error = NULL \
                  WHERE workspace_id = $1 AND id = $2",
            )
            .bind(ws)
            .bind(id)
            .bind(&c.content)
            .bind(status.as_str())
            .bind(c.scheduled_at)
            .bind(c.signature)
            .execute(tx.conn())
            .await?;
            keep_sent_targets(tx, id, &c.accounts).await?;
            sqlx::query("DELETE FROM post_labels WHERE workspace_id = $1 AND post_id = $2")
                .bind(ws)
                .bind(id)
                .execute(tx.conn())
                .await?;
            sqlx::query("DELETE FROM post_media WHERE workspace_id = $1 AND post_id = $2")
                .bind(ws)
                .bind(id)
                .execute(tx.conn())
                .await?;
            id
        }
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO posts (workspace_id, id, content, status, scheduled_at, signature_id, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ws)
            .bind(id)
            .bind(&c.content)
            .bind(status.as_str())
            .bind(c.scheduled_at)
            .bind(c.signature)
            .bind(user)
            .execute(tx.conn())
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO post_targets (workspace_id, post_id, account_id) SELECT $1, $2, unnest($3::uuid[]) \
         ON CONFLICT (workspace_id, post_id, account_id) DO NOTHING",
    )
    .bind(ws)
    .bind(id)
    .bind(&c.accounts)
    .execute(tx.conn())
    .await?;
    if !c.labels.is_empty() {
        sqlx::query(
            "INSERT INTO post_labels (workspace_id, post_id, label_id) SELECT $1, $2, unnest($3::uuid[])",
        )
        .bind(ws)
        .bind(id)
        .bind(&c.labels)
        .execute(tx.conn())
        .await?;
    }
    if !c.media.is_empty() {
        sqlx::query(
            "INSERT INTO post_media (workspace_id, post_id, media_id, position) \
             SELECT $1, $2, m, (n - 1)::int FROM unnest($3::uuid[]) WITH ORDINALITY AS t(m, n)",
        )
        .bind(ws)
        .bind(id)
        .bind(&c.media)
        .execute(tx.conn())
        .await?;
    }
    let excerpt = crate::model::excerpt(&c.content, 60);
    let (action, verb) = match (existing.is_some(), status) {
        (false, PostStatus::Draft) => ("post.created", "drafted"),
        (false, PostStatus::AwaitingApproval) => ("post.submitted", "submitted for approval"),
        (false, _) => ("post.scheduled", "scheduled"),
        (true, PostStatus::Draft) => ("post.updated", "edited the draft"),
        (true, PostStatus::AwaitingApproval) => {
            ("post.submitted", "edited and submitted for approval")
        }
        (true, _) => ("post.scheduled", "edited and scheduled"),
    };
    let when = c
        .scheduled_at
        .map(|at| {
            let (d, t) = zones::date_time_strings(at, rules.zone);
            format!(" for {d} {t} ({})", rules.zone_name)
        })
        .filter(|_| status != PostStatus::Draft)
        .unwrap_or_default();
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(action, "post", format!("{verb} “{excerpt}”{when}")).object(id),
    )
    .await?;
    Ok(id)
}

/// Before an edited post's accounts are saved: the targets it already went out to
/// (`published`), or that a worker may be sending right now (`processing`), stay
/// exactly as they are — the post is never sent to them again. Removing such an
/// account from the post is refused with the reason; the other targets not chosen
/// any more go, and failed ones chosen again start over (`pending`, a new key).
async fn keep_sent_targets(tx: &mut ScopedTx, id: Uuid, accounts: &[Uuid]) -> Result<(), AppError> {
    // The post row is locked already (`lock_status`), and the worker claims a post
    // only by locking that row: no target changes under us.
    let ws = tx.workspace_id();
    let sent: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT t.account_id, t.status, a.handle FROM post_targets t \
           JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
          WHERE t.workspace_id = $1 AND t.post_id = $2 AND t.status IN ('published', 'processing') \
          ORDER BY a.handle",
    )
    .bind(ws)
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    let dropped: Vec<&(Uuid, String, String)> = sent
        .iter()
        .filter(|(a, _, _)| !accounts.contains(a))
        .collect();
    if let Some((_, status, handle)) = dropped.first() {
        return Err(AppError::field(
            "account_ids",
            if status == "published" {
                format!("This post already went out to @{handle}; that account stays on it.")
            } else {
                format!("This post is being sent to @{handle} right now; that account stays on it.")
            },
        ));
    }
    sqlx::query(
        "DELETE FROM post_targets WHERE workspace_id = $1 AND post_id = $2 \
            AND status IN ('pending', 'failed') AND NOT (account_id = ANY ($3))",
    )
    .bind(ws)
    .bind(id)
    .bind(accounts)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "UPDATE post_targets SET status = 'pending', attempt_key = NULL, error = NULL \
          WHERE workspace_id = $1 AND post_id = $2 AND status = 'failed'",
    )
    .bind(ws)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}
