//! Server-side conversions into `AppError`: internal failures are logged with
//! their detail and reach the client only as a generic message.
use crate::model::AppError;
use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            // Row-level security refused the write: to the caller, the row
            // (or its workspace) does not exist. Still worth a look in the
            // logs — the Rust checks should have stopped it first.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
                tracing::warn!(error = %e, "refused by row-level security");
                AppError::NotFound
            }
            // Deadlock or serialization failure between concurrent changes.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01") | Some("40001")) =>
            {
                AppError::Conflict(
                    "Someone else changed this at the same time. Please try again.".into(),
                )
            }
            _ => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        AppError::Internal
    }
}

/// The name of the unique/foreign-key constraint a database error broke, if any.
pub fn violated_constraint(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.constraint().map(str::to_string),
        _ => None,
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A 429's `Retry-After`, from the error that caused it (nothing for other errors).
pub fn set_retry_after(headers: &mut axum::http::HeaderMap, e: &AppError) {
    if let AppError::RateLimited { retry_after_secs } = e {
        headers.insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(*retry_after_secs),
        );
    }
}

/// REST shape: `{"error": "message"}` with the matching status.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = status_of(&self);
        let mut res = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        set_retry_after(res.headers_mut(), &self);
        res
    }
}
