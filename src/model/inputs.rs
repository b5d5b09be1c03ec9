//! What forms send: one struct per form, shared by the server function (which
//! takes it flattened, so the form's field names stay plain) and the service
//! that validates it.
use serde::{Deserialize, Serialize};

/// Settings › General.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettingsInput {
    pub name: String,
    /// The slug the workspace should have from now on.
    pub new_slug: String,
    pub logo_url: String,
    pub primary_color: String,
    pub default_language: String,
}

/// Settings › Brand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandInput {
    pub website: String,
    pub description: String,
    pub tone: String,
    pub voice_notes: String,
    pub primary_color: String,
    pub background_color: String,
    pub text_color: String,
    pub font: String,
    pub content_language: String,
}
