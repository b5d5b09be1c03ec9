//! Content shared by the server and the browser: accounts, labels,
//! signatures, media, posts, the calendar and approvals (networks are in
//! `networks`, plans and usage in `usage`).
use super::networks::network;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    AwaitingApproval,
    Scheduled,
    Publishing,
    Published,
    Failed,
    PartiallyPublished,
}

impl PostStatus {
    pub const ALL: [PostStatus; 7] = [
        PostStatus::Draft,
        PostStatus::AwaitingApproval,
        PostStatus::Scheduled,
        PostStatus::Publishing,
        PostStatus::Published,
        PostStatus::Failed,
        PostStatus::PartiallyPublished,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::AwaitingApproval => "awaiting_approval",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Publishing => "publishing",
            PostStatus::Published => "published",
            PostStatus::Failed => "failed",
            PostStatus::PartiallyPublished => "partially_published",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PostStatus::Draft => "Draft",
            PostStatus::AwaitingApproval => "Awaiting approval",
            PostStatus::Scheduled => "Scheduled",
            PostStatus::Publishing => "Publishing",
            PostStatus::Published => "Published",
            PostStatus::Failed => "Failed",
            PostStatus::PartiallyPublished => "Partly published",
        }
    }
    pub fn parse(s: &str) -> Option<PostStatus> {
        PostStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// Can a person still change the post (content, time, targets)?
    pub fn editable(self) -> bool {
        matches!(
            self,
            PostStatus::Draft
                | PostStatus::AwaitingApproval
                | PostStatus::Scheduled
                | PostStatus::Failed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: Uuid,
    pub platform: String,
    /// `{platform}-{external_id}`.
    pub platform_id: String,
    pub handle: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub profile_url: Option<String>,
    /// connected / expired / disconnected
    pub status: String,
    pub connected_at: DateTime<Utc>,
    pub last_published_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl AccountView {
    pub fn network_label(&self) -> &'static str {
        network(&self.platform)
            .map(|n| n.label)
            .unwrap_or("Network")
    }
    pub fn max_chars(&self) -> usize {
        network(&self.platform).map(|n| n.max_chars).unwrap_or(500)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsPage {
    pub accounts: Vec<AccountView>,
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelView {
    pub id: Uuid,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureView {
    pub id: Uuid,
    pub name: String,
    pub body: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelsPage {
    pub labels: Vec<LabelView>,
    pub signatures: Vec<SignatureView>,
    pub can_edit: bool,
}

/// One target account of a post and how publishing to it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetView {
    pub account_id: Uuid,
    pub platform: String,
    pub handle: String,
    pub account_status: String,
    /// pending / processing / published / failed
    pub status: String,
    pub permalink: Option<String>,
    pub error: Option<String>,
}

/// An image or video in the workspace's media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaView {
    pub id: Uuid,
    /// `image` or `video`.
    pub kind: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub name: String,
    /// Served to members of the workspace only.
    pub url: String,
    pub thumb_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl MediaView {
    pub fn size_label(&self) -> String {
        let b = self.byte_size as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MB", b / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (b / 1024.0).ceil() as i64)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaLibraryView {
    pub items: Vec<MediaView>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostView {
    pub id: Uuid,
    pub content: String,
    pub status: PostStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// `scheduled_at` in the workspace's zone, for forms: `YYYY-MM-DD` and `HH:MM`.
    pub local_date: String,
    pub local_time: String,
    pub signature_id: Option<Uuid>,
    /// The signature's text, appended when the post is published.
    pub signature_text: Option<String>,
    pub labels: Vec<LabelView>,
    pub targets: Vec<TargetView>,
    pub media: Vec<MediaView>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub rejected_by: Option<String>,
    pub rejection_comment: Option<String>,
    pub last_error: Option<String>,
}

/// Everything the composer needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposerView {
    pub accounts: Vec<AccountView>,
    pub media: Vec<MediaView>,
    pub labels: Vec<LabelView>,
    pub signatures: Vec<SignatureView>,
    pub timezone: String,
    pub require_approval: bool,
    /// "Draft with AI" has an endpoint to call.
    pub ai_ready: bool,
    pub can_edit: bool,
    pub post: Option<PostView>,
    /// Prefilled date for a new post (`?date=` from a calendar day).
    pub default_date: String,
    pub default_time: String,
}

/// The composer's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostInput {
    /// Empty for a new post.
    #[serde(default)]
    pub post_id: String,
    #[serde(default)]
    pub content: String,
    /// Checkbox fields `account_ids[N]`.
    #[serde(default)]
    pub account_ids: Vec<String>,
    #[serde(default)]
    pub label_ids: Vec<String>,
    /// Checkbox fields `media_ids[N]`, in the order attached.
    #[serde(default)]
    pub media_ids: Vec<String>,
    /// A signature id, or empty for none.
    #[serde(default)]
    pub signature_id: String,
    /// `YYYY-MM-DD` and `HH:MM` in the workspace's time zone.
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    /// `draft` or `schedule`.
    #[serde(default)]
    pub intent: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarMode {
    Month,
    Week,
    List,
}

impl CalendarMode {
    pub fn parse(s: &str) -> CalendarMode {
        match s {
            "week" => CalendarMode::Week,
            "list" => CalendarMode::List,
            _ => CalendarMode::Month,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarMode::Month => "month",
            CalendarMode::Week => "week",
            CalendarMode::List => "list",
        }
    }
}

/// A post as the calendar draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarPost {
    /// A string, as `UserView::id` (the calendar is the first page).
    pub id: String,
    pub excerpt: String,
    pub status: PostStatus,
    /// Shown time in the chosen zone (`HH:MM`), and its date and hour. (No
    /// timestamp: the browser would need chrono's parser in the main wasm
    /// module only to carry it.)
    pub time: String,
    pub date: String,
    pub hour: u32,
    pub color: Option<String>,
    pub label_names: Vec<String>,
    pub platforms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`
    pub date: String,
    pub day: u32,
    pub weekday: String,
    pub in_range: bool,
    pub is_today: bool,
    pub posts: Vec<CalendarPost>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarView {
    pub mode: CalendarMode,
    /// The zone times are shown in (IANA name or `UTC`), and which choice it was.
    pub zone: String,
    pub zone_choice: String,
    pub workspace_zone: String,
    pub title: String,
    /// The anchor date and its neighbours, `YYYY-MM-DD`.
    pub date: String,
    pub prev: String,
    pub next: String,
    pub today: String,
    pub days: Vec<CalendarDay>,
    pub can_edit: bool,
    /// The legend: the workspace's labels by name and colour (no ids, so the
    /// first page carries no `Uuid` parser).
    pub labels: Vec<LegendEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegendEntry {
    pub name: String,
    pub color: String,
}

/// The list view's filters (all optional) and cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFilter {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub account: String,
    /// `YYYY-MM-DD`, inclusive, in the workspace's zone.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Opaque keyset cursor from the previous page.
    #[serde(default)]
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostListItem {
    pub id: Uuid,
    pub excerpt: String,
    pub status: PostStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub when: String,
    pub labels: Vec<LabelView>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostListView {
    pub items: Vec<PostListItem>,
    /// Cursor for the next page, when there is one.
    pub next: Option<String>,
    pub labels: Vec<LabelView>,
    pub accounts: Vec<AccountView>,
    pub zone: String,
    /// Today in that zone, `YYYY-MM-DD`.
    pub today: String,
    pub can_edit: bool,
}

/// A post waiting for a client's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalItem {
    pub post: PostView,
    pub when: String,
    pub preview: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalQueueView {
    pub items: Vec<ApprovalItem>,
    pub can_approve: bool,
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishingSettingsView {
    pub timezone: String,
    pub require_approval: bool,
}

pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_flatten_and_cut() {
        assert_eq!(excerpt("a\n\nb", 10), "a b");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcd…");
    }

    #[test]
    fn status_round_trips() {
        for s in PostStatus::ALL {
            assert_eq!(PostStatus::parse(s.as_str()), Some(s));
        }
    }
}
