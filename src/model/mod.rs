pub mod error;
pub mod roles;
pub mod validate;
pub mod views;

pub use error::{AppError, FieldError, Problems};
pub use roles::{Permission, Role};
pub use views::*;
