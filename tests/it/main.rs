//! One integration binary: real PostgreSQL (a fresh database per test via
//! `#[sqlx::test]`), the real app on port 0, real HTTP with cookies.
#![cfg(feature = "ssr")]

mod adversary;
mod agency;
mod ai_drafts;
mod auth;
mod authority;
mod bad_input;
mod budget;
mod catalog;
mod common;
mod content;
mod csrf;
mod flash;
mod invitations;
mod invite_accept;
mod invite_mail;
mod limits;
mod media;
mod members;
mod permissions;
mod pool_hygiene;
mod publishing;
mod races;
mod rate_limits;
mod rls;
mod rollups;
mod route_list;
mod security_headers;
mod signup_mode;
mod static_files;
mod tenancy_matrix;
mod workspaces;
