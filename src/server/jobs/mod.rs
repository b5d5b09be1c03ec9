//! Background work started by `postroom serve`.
pub mod mailer;
pub mod publisher;
