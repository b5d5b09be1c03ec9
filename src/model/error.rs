//! The one error type that crosses the wire. Server functions return it, the UI
//! renders it, and the REST layer maps it to status codes.
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please log in to continue.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{}", summary(.0))]
    Validation(Vec<FieldError>),
    #[error("{message}")]
    PlanLimit {
        code: String,
        metric: String,
        message: String,
        limit: i64,
        used: i64,
    },
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// A service the action depends on is not set up or did not answer
    /// (the message says which, and what to do).
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport-level failures (network down, bad response) seen by the browser.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

fn summary(errors: &[FieldError]) -> String {
    match errors {
        [] => "Please check the form.".into(),
        [one] => one.message.clone(),
        many => format!("{} (and {} more)", many[0].message, many.len() - 1),
    }
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The HTTP status this error answers with, for server functions, the REST
    /// API and server-rendered error pages alike.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation(_) => 400,
            AppError::PlanLimit { .. } => 402,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The message for one form field, if this error names it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }
}

/// Collects field errors while validating a form, then turns them into one error.
#[derive(Default, Debug)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// A problem with `field`; the first one found for a field is the one
    /// shown (later ones for the same field are dropped).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
        }
    }
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = super::codec::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these mean the request body could not be read
            // (not UTF-8, cut off): the caller's fault, and the parser's text
            // is not for them.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Deserialization(_) => {
                AppError::field("form", "The request could not be read.")
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::Transport(m)
            }
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::field("form", "Some fields are missing or malformed.")
            }
            _ => AppError::Internal,
        }
    }
}
