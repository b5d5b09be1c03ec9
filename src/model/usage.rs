//! Plans and usage as the usage page and the plan-limit banner show them.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// In words, the limit a `PlanLimit` error's `metric` names.
pub fn metric_label(metric: &str) -> &'static str {
    match metric {
        "monthlyPosts" => "posts this month",
        "scheduledPosts" => "scheduled posts",
        "scheduleHorizonDays" => "how far ahead posts can be scheduled",
        "socialAccounts" => "social accounts",
        "members" => "members",
        "workspaces" => "workspaces",
        "aiCredits" => "AI credits",
        "managedUsers" => "managed users",
        _ => "plan",
    }
}

/// Why "Draft with AI" cannot run on this server, and how an operator turns it on.
pub const AI_NOT_SET_UP: &str = "AI drafting is not set up on this server. An operator turns it on by setting POSTROOM_AI_URL (an OpenAI-compatible API, such as http://127.0.0.1:11434/v1 for a local Ollama) and POSTROOM_AI_MODEL, plus POSTROOM_AI_KEY if the endpoint needs one.";

/// One meter of the usage page: this workspace's use, the owner's pooled
/// use across their workspaces, and the plan's cap (none when self-hosted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageMeter {
    pub label: String,
    pub workspace: Option<i64>,
    pub pooled: i64,
    pub limit: Option<i64>,
}

impl UsageMeter {
    /// Share of the cap in use, 0–100 (None without a cap).
    pub fn percent(&self) -> Option<u32> {
        self.limit.map(|l| {
            if l <= 0 {
                100
            } else {
                ((self.pooled as f64 / l as f64) * 100.0)
                    .round()
                    .clamp(0.0, 100.0) as u32
            }
        })
    }
    /// `ok`, `warn` (≥ 80 %) or `full` (≥ 100 %).
    pub fn level(&self) -> &'static str {
        match self.percent() {
            Some(p) if p >= 100 => "full",
            Some(p) if p >= 80 => "warn",
            _ => "ok",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageView {
    pub plan: String,
    /// Limits are enforced (cloud billing).
    pub cloud: bool,
    pub cycle_start: DateTime<Utc>,
    pub cycle_end: DateTime<Utc>,
    pub meters: Vec<UsageMeter>,
    pub horizon_days: Option<i64>,
    /// A trial the owner's account is on (cloud billing).
    pub trial: Option<TrialView>,
}

/// A trial in progress: its plan, when it ends, and the plan that applies afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialView {
    pub plan: String,
    pub ends_at: DateTime<Utc>,
    pub days_left: i64,
    pub then: String,
}
