//! Workspaces: the landing and "new workspace" pages, the workspace layout
//! (sidebar, switcher) and the settings pages.
mod home;
mod layout;
mod settings;

pub use home::{Home, NewWorkspacePage};
pub use layout::{use_slug, WorkspaceLayout};
pub(crate) use settings::SettingsTabs;
pub use settings::{BrandSettings, GeneralSettings};
