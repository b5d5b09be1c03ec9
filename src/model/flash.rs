//! The outcome of a form posted without JavaScript, carried from the post to
//! the page it lands on (see `server::flash`).
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// The server function's path (`ServerFn::PATH`).
    pub path: String,
    /// Whether it succeeded; `body` is then its JSON output, else its `AppError`.
    pub ok: bool,
    pub body: String,
    /// What the person typed, after a failure (never a password or token).
    pub fields: Vec<(String, String)>,
}
