//! Content pages: calendar (month, week) and the list of posts, composer, post detail,
//! social accounts, labels and signatures, the approval queue, and
//! Settings › Publishing.
mod accounts;
mod ai_draft;
mod approvals;
mod calendar;
mod composer;
mod labels;
mod media;
mod post;
mod publishing;
mod usage;

pub use accounts::AccountsPage;
pub use approvals::ApprovalsPage;
pub use calendar::{CalendarPage, PostsPage};
pub use composer::{EditPostPage, NewPostPage};
pub use labels::LabelsPage;
pub use media::MediaPage;
pub use post::PostPage;
pub use publishing::PublishingSettings;
pub use usage::UsagePage;
// The agency dashboard draws the same meters and trial notice.
pub use usage::{TrialNotice, UsageMeters};

use crate::model::{network, PostStatus};
use leptos::prelude::*;

/// A status pill.
#[component]
pub fn StatusBadge(status: PostStatus) -> impl IntoView {
    view! { <span class=format!("status status-{}", status.as_str())>{status.label()}</span> }
}

/// A small mark for a network (its initial on the network's colour).
#[component]
pub fn NetworkMark(platform: String) -> impl IntoView {
    let label = network(&platform).map(|n| n.label).unwrap_or("Network");
    let initial = label.chars().next().unwrap_or('?').to_string();
    view! { <span class=format!("net net-{platform}") title=label aria-label=label>{initial}</span> }
}

/// The value of a query parameter, or "".
pub(crate) fn query_value(q: &leptos_router::params::ParamsMap, key: &str) -> String {
    q.get(key).unwrap_or_default()
}
