//! Media over plain HTTP (multipart uploads do not fit server functions):
//!
//! * `POST /w/{slug}/media` — upload (multipart field `file`; a plain form
//!   works without JavaScript). Answers with a redirect back to the library
//!   (`?uploaded=…` or `?error=…`), or JSON when asked for it.
//! * `GET /w/{slug}/media/{id}/file|thumb` — the bytes, to members of the
//!   workspace only (authorized like any page, row-level security included).
//! * `GET /media/{workspace}/{id}/{expires}/{signature}` — a signed,
//!   expiring link for a social network to fetch a post's file.
use crate::model::{AppError, Permission};
use crate::server::auth::SessionUser;
use crate::server::media_store::{self, Refused};
use crate::server::services::media;
use crate::server::state::AppState;
use crate::server::tenancy::{self, WorkspaceRef};
use axum::{
    body::Body,
    extract::{Multipart, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension, Json,
};
use bytes::Bytes;
use uuid::Uuid;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn refused(slug: &str, json: bool, status: StatusCode, code: &str, e: AppError) -> Response {
    if json {
        (status, Json(serde_json::json!({ "error": e.to_string() }))).into_response()
    } else {
        Redirect::to(&format!("/w/{slug}/media?error={code}")).into_response()
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let Some(user) = user else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": AppError::Unauthenticated.to_string() })),
        )
            .into_response();
    };
    let principal = user.principal();
    // Who may upload here, before reading the body.
    let ws = match tenancy::authorize(
        &state.pool,
        state.forge_authorization.as_ref(),
        &principal,
        WorkspaceRef::Slug(&slug),
        Permission::EditPosts,
    )
    .await
    {
        Ok(tx) => {
            let ws = tx.workspace_id();
            let _ = tx.commit().await;
            ws
        }
        Err(e) => {
            let status = crate::server::error::status_of(&e);
            return (status, Json(serde_json::json!({ "error": e.to_string() }))).into_response();
        }
    };
    // One person has only a few uploads in flight (each may hold 100 MB while it is
    // read and checked), and a minute's allowance; refused before the body is read.
    let _slot = match state.upload_limiter.start(user.id) {
        Ok(slot) => slot,
        Err(e) => {
            let mut res = refused(
                &slug,
                json,
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                e.clone(),
            );
            crate::server::error::set_retry_after(res.headers_mut(), &e);
            return res;
        }
    };
    // The file: the first part named `file`.
    let mut file: Option<(String, Bytes)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b)),
                    Err(_) => {
                        return refused(
                            &slug,
                            json,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "size",
                            AppError::field("file", Refused::TooLarge.to_string()),
                        )
                    }
                }
                break;
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                return refused(
                    &slug,
                    json,
                    StatusCode::BAD_REQUEST,
                    "unreadable",
                    AppError::field("file", "The upload could not be read."),
                )
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refused(
            &slug,
            json,
            StatusCode::BAD_REQUEST,
            "empty",
            AppError::field("file", "Choose a file to upload."),
        );
    };
    let prepared = match tokio::task::spawn_blocking(move || media_store::prepare(bytes)).await {
        Ok(Ok(p)) => p,
        Ok(Err(r)) => {
            let (status, code) = match r {
                Refused::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "size"),
                Refused::Type => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "type"),
                Refused::Empty => (StatusCode::BAD_REQUEST, "empty"),
                Refused::Unreadable => (StatusCode::BAD_REQUEST, "unreadable"),
                Refused::TooManyPixels => (StatusCode::PAYLOAD_TOO_LARGE, "pixels"),
                Refused::UnreadableVideo => (StatusCode::BAD_REQUEST, "unreadable"),
            };
            return refused(
                &slug,
                json,
                status,
                code,
                AppError::field("file", r.to_string()),
            );
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // Objects first, then the row; a failure on the way leaves neither.
    let id = Uuid::new_v4();
    let store = &state.media;
    let stored = async {
        store
            .put(
                &media_store::original_key(ws, id),
                prepared.original.clone(),
            )
            .await?;
        if let Some(t) = &prepared.thumbnail {
            store
                .put(&media_store::thumb_key(ws, id), t.clone())
                .await?;
        }
        Ok::<_, object_store::Error>(())
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "media store write failed");
        media::remove_objects(store, ws, id).await;
        return refused(
            &slug,
            json,
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed",
            AppError::Internal,
        );
    }
    let recorded = async {
        let mut tx = tenancy::authorize(
            &state.pool,
            state.forge_authorization.as_ref(),
            &principal,
            WorkspaceRef::Id(ws),
            Permission::EditPosts,
        )
        .await?;
        media::record(&mut tx, id, &name, &prepared).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = recorded {
        media::remove_objects(store, ws, id).await;
        let status = crate::server::error::status_of(&e);
        return refused(&slug, json, status, "failed", e);
    }
    if json {
        (
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": id, "url": format!("/w/{slug}/media/{id}/file") })),
        )
            .into_response()
    } else {
        Redirect::to(&format!("/w/{slug}/media?uploaded={id}")).into_response()
    }
}

fn bytes_response(content_type: &str, body: Bytes, cache: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    if let Ok(v) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    res
}

/// `file` or `thumb` of one item, for members of its workspace.
pub async fn serve(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
    Path((slug, id, part)): Path<(String, String, String)>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "Not found").into_response();
    let (Some(user), Ok(id)) = (user, Uuid::parse_str(&id)) else {
        return not_found();
    };
    let found = async {
        let mut tx = tenancy::authorize(
            &state.pool,
            state.forge_authorization.as_ref(),
            &user.principal(),
            WorkspaceRef::Slug(&slug),
            Permission::ViewContent,
        )
        .await?;
        let ws = tx.workspace_id();
        let row = media::find(&mut tx, id).await?;
        tx.commit().await?;
        Ok::<_, AppError>((ws, row))
    }
    .await;
    let Ok((ws, (content_type, has_thumb))) = found else {
        return not_found();
    };
    let (key, content_type) = match part.as_str() {
        "file" => (media_store::original_key(ws, id), content_type),
        "thumb" if has_thumb => (media_store::thumb_key(ws, id), String::new()),
        _ => return not_found(),
    };
    match state.media.get(&key).await {
        Ok(bytes) => {
            let ct = if content_type.is_empty() {
                media_store::detect(&bytes)
                    .map(|d| d.1)
                    .unwrap_or("application/octet-stream")
                    .to_string()
            } else {
                content_type
            };
            bytes_response(&ct, bytes, "private, max-age=3600")
        }
        Err(e) => {
            tracing::warn!(error = %e, "media object missing");
            not_found()
        }
    }
}

/// A signed link (for social networks fetching a post's file).
pub async fn signed(
    State(state): State<AppState>,
    Path((ws, id, expires, sig)): Path<(String, String, i64, String)>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "Not found").into_response();
    let (Ok(ws), Ok(id)) = (Uuid::parse_str(&ws), Uuid::parse_str(&id)) else {
        return not_found();
    };
    if !state.media.verify(ws, id, expires, &sig) {
        return (
            StatusCode::FORBIDDEN,
            "This link has expired or is not valid.",
        )
            .into_response();
    }
    match state.media.get(&media_store::original_key(ws, id)).await {
        Ok(bytes) => {
            let ct = media_store::detect(&bytes)
                .map(|d| d.1)
                .unwrap_or("application/octet-stream");
            bytes_response(ct, bytes, "private, max-age=300")
        }
        Err(_) => not_found(),
    }
}
