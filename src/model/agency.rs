//! The agency dashboard (`/agency`) as the server computes it and the page draws it.
use crate::model::roles::Role;
use crate::model::usage::{TrialView, UsageView};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Cards per page of the client list.
pub const CARDS_PER_PAGE: usize = 24;
/// "Needs you" items shown before "Show all".
pub const NEEDS_SHOWN: usize = 12;
/// Events per page of the activity feed.
pub const ACTIVITY_PER_PAGE: usize = 20;
/// Weeks of the sparkline and the report.
pub const WEEKS: usize = 12;
/// Workspaces the page's report names one by one (the rest are summed).
pub const REPORT_ROWS: usize = 20;
/// Workspaces the feed's filter lists in a menu (beyond, it takes a typed slug).
pub const FEED_FILTER_MENU: usize = 100;

/// What needs the person, most urgent first (the order of the variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NeedKind {
    FailedPosts,
    AccountsExpired,
    ApprovalsOverdue,
    LimitReached,
    AccountsExpiring,
    ApprovalsWaiting,
    InvitationsExpiring,
    LimitNear,
}

impl NeedKind {
    /// `danger` (something broke or is blocked), `warn` (will break soon) or `info`.
    pub fn level(self) -> &'static str {
        match self {
            NeedKind::FailedPosts
            | NeedKind::AccountsExpired
            | NeedKind::ApprovalsOverdue
            | NeedKind::LimitReached => "danger",
            NeedKind::AccountsExpiring | NeedKind::LimitNear | NeedKind::InvitationsExpiring => {
                "warn"
            }
            NeedKind::ApprovalsWaiting => "info",
        }
    }
    pub fn icon(self) -> &'static str {
        match self {
            NeedKind::FailedPosts => "✕",
            NeedKind::AccountsExpired | NeedKind::AccountsExpiring => "◎",
            NeedKind::ApprovalsOverdue | NeedKind::ApprovalsWaiting => "✓",
            NeedKind::LimitReached | NeedKind::LimitNear => "◔",
            NeedKind::InvitationsExpiring => "✉",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedItem {
    pub kind: NeedKind,
    pub workspace: String,
    pub slug: String,
    /// What is wrong, in a sentence ("3 posts failed to publish").
    pub text: String,
    /// What to do about it, as the link's text ("Review failed posts").
    pub action: String,
    /// The page that fixes it.
    pub href: String,
    /// How many things the item stands for (the sort within a kind).
    pub count: i64,
}

/// The health of a workspace's connected accounts, as its card's dot shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    /// No account connected yet.
    None,
    Fine,
    Expiring,
    Expired,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::None => "none",
            Health::Fine => "fine",
            Health::Expiring => "expiring",
            Health::Expired => "expired",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Health::None => "No accounts connected",
            Health::Fine => "All connections fine",
            Health::Expiring => "A connection expires soon",
            Health::Expired => "A connection has expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCard {
    pub name: String,
    pub slug: String,
    pub initials: String,
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub role: Role,
    pub accounts: i64,
    pub health: Health,
    pub scheduled_next_7: i64,
    pub published_last_30: i64,
    /// Not shown to a CLIENT (SPEC §1: no failed-post details, no team).
    pub failed: Option<i64>,
    pub awaiting: i64,
    pub members: Option<i64>,
    /// Published per week, oldest first (`WEEKS` values).
    pub spark: Vec<i64>,
    /// Items of "needs you" about this workspace.
    pub needs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CardSort {
    #[default]
    Needs,
    Name,
    Activity,
}

impl CardSort {
    pub fn parse(s: &str) -> CardSort {
        match s {
            "name" => CardSort::Name,
            "activity" => CardSort::Activity,
            _ => CardSort::Needs,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CardSort::Needs => "needs",
            CardSort::Name => "name",
            CardSort::Activity => "activity",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CardSort::Needs => "Needs you",
            CardSort::Name => "Name",
            CardSort::Activity => "Most active",
        }
    }
}

/// One owner's plan as it covers the workspaces the person sees usage of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerUsage {
    /// "Your plan" or "Plan of {owner}".
    pub title: String,
    pub usage: UsageView,
    /// Each workspace's share, largest first (at most `shown`; `total` in all).
    pub shares: Vec<WorkspaceShare>,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceShare {
    pub name: String,
    pub slug: String,
    pub posts: i64,
    pub scheduled: i64,
    pub accounts: i64,
    pub ai_credits: i64,
}

/// The dashboard: needs you, the client cards, usage. The feed and the report load
/// separately (their own parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyView {
    pub user_name: String,
    pub user_initials: String,
    pub user_email: String,
    /// Every workspace the person belongs to.
    pub workspaces: usize,
    /// Only a personal workspace so far: the page leads with the first steps.
    pub first_run: bool,
    pub needs: Vec<NeedItem>,
    pub needs_total: usize,
    pub cards: Vec<ClientCard>,
    /// Cards matching the filter, and the page shown.
    pub cards_total: usize,
    pub page: usize,
    pub pages: usize,
    pub query: String,
    pub sort: CardSort,
    pub usage: Vec<OwnerUsage>,
    /// The person's own trial (cloud billing), for the notice at the top.
    pub trial: Option<TrialView>,
    /// May create a workspace now (false when the plan's limit is reached).
    pub can_create: bool,
    /// The workspace used last (name, slug), to pick up where the person left off.
    pub last: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyEvent {
    pub id: i64,
    pub workspace: String,
    pub slug: String,
    pub actor: String,
    pub summary: String,
    pub action: String,
    pub created_at: DateTime<Utc>,
}

/// A page of the cross-workspace feed, newest first; `older` is the cursor of the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<AgencyEvent>,
    pub older: Option<i64>,
    /// The workspaces it can be filtered by (those whose activity the person sees; at
    /// most `FEED_FILTER_MENU`, and none beyond: then the filter takes a slug).
    pub workspaces: Vec<(String, String)>,
    /// Whether the person sees any workspace's activity at all.
    pub any: bool,
}

/// The kinds the feed filters by: the activity log's object types.
pub const ACTIVITY_KINDS: &[(&str, &str)] = &[
    ("post", "Posts"),
    ("account", "Accounts"),
    ("member", "Members"),
    ("invitation", "Invitations"),
    ("media", "Media"),
    ("workspace", "Settings"),
    ("brand", "Brand"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub name: String,
    pub slug: String,
    /// Published per week, oldest first.
    pub weeks: Vec<i64>,
    pub total: i64,
}

/// Posts by status, summed over the workspaces whose figures the person sees.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusTotals {
    pub drafts: i64,
    pub awaiting_approval: i64,
    pub scheduled: i64,
    pub publishing: i64,
    pub published: i64,
    pub partially_published: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    /// The Monday of each week, oldest first.
    pub weeks: Vec<NaiveDate>,
    /// Workspaces with anything published, most first (on the page: the first
    /// `REPORT_ROWS`; the CSV has them all).
    pub rows: Vec<ReportRow>,
    /// The workspaces after `rows`, summed (how many: `others_count`).
    pub others: Option<ReportRow>,
    pub others_count: usize,
    pub totals: StatusTotals,
}

impl ReportView {
    /// The page's view: the first `REPORT_ROWS` workspaces, the rest summed.
    pub fn trimmed(mut self) -> ReportView {
        if self.rows.len() > REPORT_ROWS {
            let rest = self.rows.split_off(REPORT_ROWS);
            let mut weeks = vec![0; rest.first().map_or(0, |r| r.weeks.len())];
            for r in &rest {
                for (w, n) in weeks.iter_mut().zip(&r.weeks) {
                    *w += n;
                }
            }
            self.others_count = rest.len();
            self.others = Some(ReportRow {
                name: format!("{} other workspaces", rest.len()),
                slug: String::new(),
                total: weeks.iter().sum(),
                weeks,
            });
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize) -> ReportRow {
        ReportRow {
            name: format!("W{i}"),
            slug: format!("w{i}"),
            weeks: vec![1; WEEKS],
            total: WEEKS as i64,
        }
    }

    #[test]
    fn the_page_names_twenty_workspaces_and_sums_the_rest() {
        let report = ReportView {
            weeks: Vec::new(),
            rows: (0..25).map(row).collect(),
            others: None,
            others_count: 0,
            totals: StatusTotals::default(),
        };
        let page = report.clone().trimmed();
        assert_eq!(page.rows.len(), REPORT_ROWS);
        assert_eq!(page.others_count, 5);
        let others = page.others.unwrap();
        assert_eq!(others.weeks, vec![5; WEEKS]);
        assert_eq!(others.total, 5 * WEEKS as i64);
        let small = ReportView {
            rows: (0..3).map(row).collect(),
            ..report
        }
        .trimmed();
        assert_eq!((small.rows.len(), small.others), (3, None));
    }
}
