pub mod activity;
pub mod brand;
pub mod users;
pub mod workspaces;
