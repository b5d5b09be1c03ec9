pub mod activity;
pub mod brand;
pub mod invitations;
pub mod invite_tokens;
pub mod members;
pub mod users;
pub mod workspaces;
