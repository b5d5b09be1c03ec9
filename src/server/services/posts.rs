//! Posts: compose (validate, save as draft or schedule), edit, delete,
//! duplicate, reschedule, and the client approval flow.
use crate::model::MediaView;
use crate::model::{
    char_count, network, with_signature, AppError, FieldError, LabelView, Permission, PostInput,
    PostStatus, PostView, TargetView,
};
use crate::server::config::BillingMode;
use crate::server::services::activity::{self, Event};
use crate::server::services::{media, usage, zones};
use crate::server::tenancy::ScopedTx;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use uuid::Uuid;

pub const CONTENT_MAX: usize = 10_000;

/// The workspace settings posts depend on.
pub struct PostingRules {
    pub zone: Tz,
    pub zone_name: String,
    pub require_approval: bool,
}

pub async fn rules(tx: &mut ScopedTx) -> Result<PostingRules, AppError> {
    let ws = tx.workspace_id();
    let (zone_name, require_approval): (String, bool) =
        sqlx::query_as("SELECT timezone, require_approval FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(tx.conn())
            .await?;
    Ok(PostingRules {
        zone: zones::zone_or_utc(&zone_name),
        zone_name,
        require_approval,
    })
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: Uuid,
    content: String,
    status: String,
    scheduled_at: Option<DateTime<Utc>>,
    signature_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    created_by: Option<String>,
    approved_by: Option<String>,
    rejected_by: Option<String>,
    rejection_comment: Option<String>,
    last_error: Option<String>,
    signature_text: Option<String>,
}

const POST_SELECT: &str = "SELECT p.id, p.content, p.status, p.scheduled_at, p.signature_id, p.created_at, \
        cu.name AS created_by, au.name AS approved_by, ru.name AS rejected_by, p.rejection_comment, p.last_error, \
        sg.body AS signature_text \
   FROM posts p \
   LEFT JOIN signatures sg ON sg.workspace_id = p.workspace_id AND sg.id = p.signature_id \
   LEFT JOIN users cu ON cu.id = p.created_by \
   LEFT JOIN users au ON au.id = p.approved_by \
   LEFT JOIN users ru ON ru.id = p.rejected_by";

#[derive(sqlx::FromRow)]
struct PostLabelRow {
    post_id: Uuid,
    id: Uuid,
    name: String,
    color: String,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    post_id: Uuid,
    account_id: Uuid,
    platform: String,
    handle: String,
    account_status: String,
    status: String,
    permalink: Option<String>,
    error: Option<String>,
}

/// Labels of the given posts, by post.
pub async fn labels_of(
    tx: &mut ScopedTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<LabelView>>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<PostLabelRow> = sqlx::query_as(
        "SELECT pl.post_id, l.id, l.name, l.color FROM post_labels pl \
           JOIN labels l ON l.workspace_id = pl.workspace_id AND l.id = pl.label_id \
          WHERE pl.workspace_id = $1 AND pl.post_id = ANY($2) ORDER BY lower(l.name)",
    )
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<LabelView>> = HashMap::new();
    for r in rows {
        out.entry(r.post_id).or_default().push(LabelView {
            id: r.id,
            name: r.name,
            color: r.color,
        });
    }
    Ok(out)
}

/// Target accounts (and their results) of the given posts, by post.
pub async fn targets_of(
    tx: &mut ScopedTx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<TargetView>>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<TargetRow> = sqlx::query_as(
        "SELECT t.post_id, t.account_id, a.platform, a.handle, a.status AS account_status, t.status, \
                t.permalink, t.error \
           FROM post_targets t \
           JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
          WHERE t.workspace_id = $1 AND t.post_id = ANY($2) ORDER BY a.platform, lower(a.handle)",
    )
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut out: HashMap<Uuid, Vec<TargetView>> = HashMap::new();
    for r in rows {
        out.entry(r.post_id).or_default().push(TargetView {
            account_id: r.account_id,
            platform: r.platform,
            handle: r.handle,
            account_status: r.account_status,
            status: r.status,
            permalink: r.permalink,
            error: r.error,
        });
    }
    Ok(out)
}

fn to_view(
    r: PostRow,
    tz: Tz,
    labels: &mut HashMap<Uuid, Vec<LabelView>>,
    targets: &mut HashMap<Uuid, Vec<TargetView>>,
    media: &mut HashMap<Uuid, Vec<MediaView>>,
) -> PostView {
    let (local_date, local_time) = r
        .scheduled_at
        .map(|at| zones::date_time_strings(at, tz))
        .unwrap_or_default();
    PostView {
        id: r.id,
        status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
        content: r.content,
        scheduled_at: r.scheduled_at,
        local_date,
        local_time,
        signature_id: r.signature_id,
        signature_text: r.signature_text,
        labels: labels.remove(&r.id).unwrap_or_default(),
        targets: targets.remove(&r.id).unwrap_or_default(),
        media: media.remove(&r.id).unwrap_or_default(),
        created_by: r.created_by,
        created_at: r.created_at,
        approved_by: r.approved_by,
        rejected_by: r.rejected_by,
        rejection_comment: r.rejection_comment,
        last_error: r.last_error,
    }
}

/// Posts by id, in the given order, as full views (times in `tz`).
pub async fn views(tx: &mut ScopedTx, ids: &[Uuid], tz: Tz) -> Result<Vec<PostView>, AppError> {
    let ws = tx.workspace_id();
    let rows: Vec<PostRow> = sqlx::query_as(&format!(
        "{POST_SELECT} WHERE p.workspace_id = $1 AND p.id = ANY($2)"
    ))
    .bind(ws)
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut labels = labels_of(tx, ids).await?;
    let mut targets = targets_of(tx, ids).await?;
    let mut files = media::of_posts(tx, ids).await?;
    let mut by_id: HashMap<Uuid, PostView> = rows
        .into_iter()
        .map(|r| (r.id, to_view(r, tz, &mut labels, &mut targets, &mut files)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

pub async fn get(tx: &mut ScopedTx, id: Uuid, tz: Tz) -> Result<PostView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    views(tx, &[id], tz).await?.pop().ok_or(AppError::NotFound)
}

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

#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
        }
    }
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
    if !p.0.is_empty() {
        return Err(AppError::Validation(p.0));
    }
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

/// The status a post takes when someone schedules it.
fn scheduled_status(rules: &PostingRules) -> PostStatus {
    if rules.require_approval {
        PostStatus::AwaitingApproval
    } else {
        PostStatus::Scheduled
    }
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
            let status: Option<String> = sqlx::query_scalar(
                "SELECT status FROM posts WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
            )
            .bind(ws)
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
            let status = status
                .and_then(|s| PostStatus::parse(&s))
                .ok_or(AppError::NotFound)?;
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
            sqlx::query("DELETE FROM post_targets WHERE workspace_id = $1 AND post_id = $2")
                .bind(ws)
                .bind(id)
                .execute(tx.conn())
                .await?;
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
        "INSERT INTO post_targets (workspace_id, post_id, account_id) SELECT $1, $2, unnest($3::uuid[])",
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

fn not_editable(status: PostStatus) -> AppError {
    AppError::Conflict(match status {
        PostStatus::Publishing => {
            "This post is being published right now and cannot be changed.".into()
        }
        _ => format!(
            "This post is {} and can no longer be edited. Duplicate it to post again.",
            status.label().to_lowercase()
        ),
    })
}

/// Moves a post to another date and time (the calendar's drag and drop).
pub async fn reschedule(
    tx: &mut ScopedTx,
    id: Uuid,
    date: &str,
    time: &str,
    billing: BillingMode,
) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let row: Option<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT status, scheduled_at FROM posts WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let (status, _) = row.ok_or(AppError::NotFound)?;
    let status = PostStatus::parse(&status).ok_or(AppError::Internal)?;
    if !status.editable() {
        return Err(not_editable(status));
    }
    let rules = rules(tx).await?;
    let at = match (zones::parse_date(date), zones::parse_time(time)) {
        (None, _) => return Err(AppError::field("date", "Pick a date (YYYY-MM-DD).")),
        (_, None) => return Err(AppError::field("time", "Pick a time (HH:MM).")),
        (Some(d), Some(t)) => zones::to_utc(d, t, rules.zone).ok_or_else(|| {
            AppError::field(
                "time",
                format!("That time does not exist in {}.", rules.zone_name),
            )
        })?,
    };
    if status != PostStatus::Draft && at <= Utc::now() {
        return Err(AppError::field(
            "date",
            "That time is in the past. Pick a time in the future.",
        ));
    }
    // A moved post that was approved (or scheduled) goes back for approval.
    let new_status = match status {
        PostStatus::Draft => PostStatus::Draft,
        PostStatus::Failed | PostStatus::Scheduled | PostStatus::AwaitingApproval => {
            scheduled_status(&rules)
        }
        other => other,
    };
    if is_active(new_status) {
        let was = is_active(status);
        usage::check_schedule(tx, billing, Some(at), !was, was).await?;
    }
    sqlx::query(
        "UPDATE posts SET scheduled_at = $3, status = $4, approved_by = NULL, approved_at = NULL, \
                attempts = 0, next_attempt_at = NULL, last_error = NULL \
          WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(at)
    .bind(new_status.as_str())
    .execute(tx.conn())
    .await?;
    if status == PostStatus::Failed {
        sqlx::query(
            "UPDATE post_targets SET status = 'pending', attempt_key = NULL, error = NULL \
              WHERE workspace_id = $1 AND post_id = $2 AND status = 'failed'",
        )
        .bind(ws)
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    let (d, t) = zones::date_time_strings(at, rules.zone);
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.rescheduled",
            "post",
            format!("moved a post to {d} {t} ({})", rules.zone_name),
        )
        .object(id),
    )
    .await
}

pub async fn delete(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM posts WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let status = status
        .and_then(|s| PostStatus::parse(&s))
        .ok_or(AppError::NotFound)?;
    if status == PostStatus::Publishing {
        return Err(not_editable(status));
    }
    let content: Option<String> = sqlx::query_scalar(
        "DELETE FROM posts WHERE workspace_id = $1 AND id = $2 RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let content = content.ok_or(AppError::NotFound)?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.deleted",
            "post",
            format!("deleted “{}”", crate::model::excerpt(&content, 60)),
        )
        .object(id),
    )
    .await
}

/// A new draft with the same text, accounts (still connected), labels and signature.
pub async fn duplicate(tx: &mut ScopedTx, id: Uuid) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::EditPosts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let new_id = Uuid::new_v4();
    let content: Option<String> = sqlx::query_scalar(
        "INSERT INTO posts (workspace_id, id, content, status, signature_id, created_by) \
         SELECT workspace_id, $3, content, 'draft', signature_id, $4 FROM posts WHERE workspace_id = $1 AND id = $2 \
         RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .bind(user)
    .fetch_optional(tx.conn())
    .await?;
    let content = content.ok_or(AppError::NotFound)?;
    sqlx::query(
        "INSERT INTO post_targets (workspace_id, post_id, account_id) \
         SELECT t.workspace_id, $3, t.account_id FROM post_targets t \
           JOIN social_accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id \
          WHERE t.workspace_id = $1 AND t.post_id = $2 AND a.status = 'connected'",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO post_labels (workspace_id, post_id, label_id) \
         SELECT workspace_id, $3, label_id FROM post_labels WHERE workspace_id = $1 AND post_id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO post_media (workspace_id, post_id, media_id, position) \
         SELECT workspace_id, $3, media_id, position FROM post_media WHERE workspace_id = $1 AND post_id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(new_id)
    .execute(tx.conn())
    .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.duplicated",
            "post",
            format!(
                "duplicated “{}” as a new draft",
                crate::model::excerpt(&content, 60)
            ),
        )
        .object(new_id),
    )
    .await?;
    Ok(new_id)
}

/// Approves a post awaiting approval: it is scheduled.
pub async fn approve(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ApprovePosts)?;
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let done: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET status = 'scheduled', approved_by = $3, approved_at = now(), \
                rejected_by = NULL, rejected_at = NULL, rejection_comment = NULL \
          WHERE workspace_id = $1 AND id = $2 AND status = 'awaiting_approval' RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(user)
    .fetch_optional(tx.conn())
    .await?;
    let content = match done {
        Some(c) => c,
        None => return Err(decision_refused(tx, id).await),
    };
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.approved",
            "post",
            format!("approved “{}”", crate::model::excerpt(&content, 60)),
        )
        .object(id),
    )
    .await
}

/// Rejects a post awaiting approval with a comment: back to draft, the
/// comment shown to the author.
pub async fn reject(tx: &mut ScopedTx, id: Uuid, comment: &str) -> Result<(), AppError> {
    tx.ctx().require(Permission::ApprovePosts)?;
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(AppError::field(
            "comment",
            "Tell the author what to change.",
        ));
    }
    if comment.chars().count() > 2000 {
        return Err(AppError::field(
            "comment",
            "A comment is at most 2,000 characters.",
        ));
    }
    if crate::model::validate::multi_line(comment, "Comment").is_err() {
        return Err(AppError::field(
            "comment",
            "The comment must not contain control characters.",
        ));
    }
    let ws = tx.workspace_id();
    let user = tx.ctx().actor_user()?;
    let done: Option<String> = sqlx::query_scalar(
        "UPDATE posts SET status = 'draft', rejected_by = $3, rejected_at = now(), rejection_comment = $4, \
                approved_by = NULL, approved_at = NULL \
          WHERE workspace_id = $1 AND id = $2 AND status = 'awaiting_approval' RETURNING content",
    )
    .bind(ws)
    .bind(id)
    .bind(user)
    .bind(comment)
    .fetch_optional(tx.conn())
    .await?;
    let content = match done {
        Some(c) => c,
        None => return Err(decision_refused(tx, id).await),
    };
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "post.rejected",
            "post",
            format!(
                "sent back “{}”: {comment}",
                crate::model::excerpt(&content, 60)
            ),
        )
        .object(id),
    )
    .await
}

/// Why an approval or rejection changed nothing: not here, or not waiting.
async fn decision_refused(tx: &mut ScopedTx, id: Uuid) -> AppError {
    let ws = tx.workspace_id();
    match sqlx::query_scalar::<_, String>(
        "SELECT status FROM posts WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
    {
        Ok(Some(_)) => AppError::Conflict("This post is no longer waiting for approval.".into()),
        Ok(None) => AppError::NotFound,
        Err(e) => e.into(),
    }
}

/// Posts waiting for a decision, soonest first.
pub async fn awaiting_approval(tx: &mut ScopedTx, tz: Tz) -> Result<Vec<PostView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM posts WHERE workspace_id = $1 AND status = 'awaiting_approval' \
         ORDER BY scheduled_at NULLS LAST, id LIMIT 200",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    views(tx, &ids, tz).await
}

/// Waiting to be published (what "scheduled posts" counts).
fn is_active(s: PostStatus) -> bool {
    matches!(
        s,
        PostStatus::AwaitingApproval | PostStatus::Scheduled | PostStatus::Publishing
    )
}
