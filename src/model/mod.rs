pub mod content;
pub mod error;
pub mod flash;
pub mod inputs;
pub mod next_path;
pub mod roles;
pub mod team;
pub mod validate;
pub mod views;

pub use content::*;
pub use error::{AppError, FieldError, Problems};
pub use inputs::{BrandInput, WorkspaceSettingsInput};
pub use next_path::safe_next_path;
pub use roles::{Permission, Role};
pub use team::*;
pub use views::*;
