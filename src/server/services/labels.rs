//! Labels (name, colour) and signatures (name, text, one default).
use crate::model::{validate, AppError, LabelView, Permission, Problems, SignatureView};
use crate::server::error::violated_constraint;
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct LabelRow {
    id: Uuid,
    name: String,
    color: String,
}

#[derive(sqlx::FromRow)]
struct SignatureRow {
    id: Uuid,
    name: String,
    body: String,
    is_default: bool,
}

pub async fn list_labels(tx: &mut ScopedTx) -> Result<Vec<LabelView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let rows: Vec<LabelRow> = sqlx::query_as(
        "SELECT id, name, color FROM labels WHERE workspace_id = $1 ORDER BY lower(name), id",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LabelView {
            id: r.id,
            name: r.name,
            color: r.color,
        })
        .collect())
}

pub async fn list_signatures(tx: &mut ScopedTx) -> Result<Vec<SignatureView>, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let rows: Vec<SignatureRow> = sqlx::query_as(
        "SELECT id, name, body, is_default FROM signatures WHERE workspace_id = $1 \
         ORDER BY is_default DESC, lower(name), id",
    )
    .bind(ws)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SignatureView {
            id: r.id,
            name: r.name,
            body: r.body,
            is_default: r.is_default,
        })
        .collect())
}

fn label_fields(name: &str, color: &str) -> Result<(String, String), AppError> {
    let mut p = Problems::default();
    let name = name.trim();
    if name.is_empty() {
        p.add("name", "Give the label a name.");
    } else if name.chars().count() > 40 {
        p.add("name", "Label names are at most 40 characters.");
    } else if let Err(m) = validate::single_line(name, "Name") {
        p.add("name", m);
    }
    let color = match validate::color(color, "Colour") {
        Ok(Some(c)) => Some(c),
        Ok(None) => {
            p.add("color", "Pick a colour.");
            None
        }
        Err(m) => {
            p.add("color", m);
            None
        }
    };
    p.into_result()?;
    Ok((name.to_string(), color.unwrap_or_default()))
}

/// "{verb} the {kind} “{name}”" in the activity log (`label.created`…).
async fn logged(
    tx: &mut ScopedTx,
    kind: &'static str,
    verb: &'static str,
    name: &str,
    id: Uuid,
) -> Result<(), AppError> {
    let action = format!("{kind}.{verb}");
    activity::log(
        tx,
        Event::new(&action, kind, format!("{verb} the {kind} “{name}”")).object(id),
    )
    .await
}

fn duplicate_name(e: sqlx::Error, what: &str) -> AppError {
    match violated_constraint(&e).as_deref() {
        Some("labels_name_key") | Some("signatures_name_key") => {
            AppError::field("name", format!("A {what} with this name already exists."))
        }
        _ => e.into(),
    }
}

pub async fn create_label(tx: &mut ScopedTx, name: &str, color: &str) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let (name, color) = label_fields(name, color)?;
    let id = Uuid::new_v4();
    let ws = tx.workspace_id();
    sqlx::query("INSERT INTO labels (workspace_id, id, name, color) VALUES ($1, $2, $3, $4)")
        .bind(ws)
        .bind(id)
        .bind(&name)
        .bind(&color)
        .execute(tx.conn())
        .await
        .map_err(|e| duplicate_name(e, "label"))?;
    logged(tx, "label", "created", &name, id).await?;
    Ok(id)
}

pub async fn update_label(
    tx: &mut ScopedTx,
    id: Uuid,
    name: &str,
    color: &str,
) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let (name, color) = label_fields(name, color)?;
    let ws = tx.workspace_id();
    let done =
        sqlx::query("UPDATE labels SET name = $3, color = $4 WHERE workspace_id = $1 AND id = $2")
            .bind(ws)
            .bind(id)
            .bind(&name)
            .bind(&color)
            .execute(tx.conn())
            .await
            .map_err(|e| duplicate_name(e, "label"))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    logged(tx, "label", "updated", &name, id).await
}

pub async fn delete_label(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let name = activity::delete_returning(tx, "labels", "name", id).await?;
    logged(tx, "label", "deleted", &name, id).await
}

fn signature_fields(name: &str, body: &str) -> Result<(String, String), AppError> {
    let mut p = Problems::default();
    let name = name.trim();
    if name.is_empty() {
        p.add("name", "Give the signature a name.");
    } else if name.chars().count() > 60 {
        p.add("name", "Signature names are at most 60 characters.");
    } else if let Err(m) = validate::single_line(name, "Name") {
        p.add("name", m);
    }
    let body = body.trim();
    if body.is_empty() {
        p.add("body", "Write the signature's text.");
    } else if body.chars().count() > 1000 {
        p.add("body", "A signature is at most 1,000 characters.");
    } else if let Err(m) = validate::multi_line(body, "Text") {
        p.add("body", m);
    }
    p.into_result()?;
    Ok((name.to_string(), body.to_string()))
}

pub async fn create_signature(
    tx: &mut ScopedTx,
    name: &str,
    body: &str,
    is_default: bool,
) -> Result<Uuid, AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let (name, body) = signature_fields(name, body)?;
    let ws = tx.workspace_id();
    let id = Uuid::new_v4();
    if is_default {
        clear_default(tx).await?;
    }
    sqlx::query(
        "INSERT INTO signatures (workspace_id, id, name, body, is_default) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws)
    .bind(id)
    .bind(&name)
    .bind(&body)
    .bind(is_default)
    .execute(tx.conn())
    .await
    .map_err(|e| duplicate_name(e, "signature"))?;
    logged(tx, "signature", "created", &name, id).await?;
    Ok(id)
}

async fn clear_default(tx: &mut ScopedTx) -> Result<(), AppError> {
    let ws = tx.workspace_id();
    sqlx::query("UPDATE signatures SET is_default = false WHERE workspace_id = $1 AND is_default")
        .bind(ws)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn update_signature(
    tx: &mut ScopedTx,
    id: Uuid,
    name: &str,
    body: &str,
    is_default: bool,
) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let (name, body) = signature_fields(name, body)?;
    let ws = tx.workspace_id();
    let exists: Option<bool> = sqlx::query_scalar(
        "SELECT true FROM signatures WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    exists.ok_or(AppError::NotFound)?;
    if is_default {
        clear_default(tx).await?;
    }
    sqlx::query(
        "UPDATE signatures SET name = $3, body = $4, is_default = $5 WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(&name)
    .bind(&body)
    .bind(is_default)
    .execute(tx.conn())
    .await
    .map_err(|e| duplicate_name(e, "signature"))?;
    logged(tx, "signature", "updated", &name, id).await
}

pub async fn delete_signature(tx: &mut ScopedTx, id: Uuid) -> Result<(), AppError> {
    tx.ctx().require(Permission::ManageLabels)?;
    let name = activity::delete_returning(tx, "signatures", "name", id).await?;
    logged(tx, "signature", "deleted", &name, id).await
}
