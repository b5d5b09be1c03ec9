pub mod csrf;
pub mod passwords;
pub mod ratelimit;
pub mod sessions;
pub mod tokens;

use crate::model::AppError;
use crate::server::tenancy::Principal;
pub use sessions::SessionUser;

/// The signed-in user of the current server-function or page request.
pub fn session_user() -> Option<SessionUser> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Option<SessionUser>>().cloned())
        .flatten()
}

pub fn require_user() -> Result<SessionUser, AppError> {
    session_user().ok_or(AppError::Unauthenticated)
}

pub fn principal(user: &SessionUser) -> Principal {
    user.principal()
}

/// The client's address, for rate limiting.
pub fn client_ip() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|ci| ci.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

pub fn user_agent() -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}
