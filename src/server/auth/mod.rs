pub mod client_addr;
pub mod csrf;
pub mod passwords;
pub mod person_limit;
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

/// The client's address, for rate limiting and the session list. Behind a
/// trusted proxy it comes from `X-Forwarded-For` (see `client_addr`).
pub fn client_ip() -> String {
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return "unknown".into();
    };
    let Some(peer) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|ci| ci.0.ip())
    else {
        return "unknown".into();
    };
    let Some(state) = leptos::prelude::use_context::<crate::server::state::AppState>() else {
        return peer.to_canonical().to_string();
    };
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    client_addr::client_addr(peer, forwarded, &state.config.trusted_proxies).to_string()
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
