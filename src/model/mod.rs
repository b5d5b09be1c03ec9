pub mod error;
pub mod roles;
pub mod team;
pub mod validate;
pub mod views;

pub use error::{AppError, FieldError, Problems};
pub use roles::{Permission, Role};
pub use team::*;
pub use views::*;
