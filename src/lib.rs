//! Postroom: one crate, compiled twice — the server (`ssr`) and the browser
//! bundle (`hydrate`, linked into wasm by the `frontend/` crate, which only
//! exports the entry point). `app` and `api` compile to both; `server` only to ssr.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
