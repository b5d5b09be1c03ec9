//! "Needs you": what in each workspace wants the person now, in words, with the link to
//! the page that fixes it.
use super::overview::AccountsRow;
use super::MembershipRow;
use crate::model::agency::{NeedItem, NeedKind, WorkspaceShare};
use crate::model::{Role, UsageView};

/// The items of one workspace: its failed posts, connections, approvals (`waiting` in
/// all, `late` of them past their time) and invitations expiring soon.
pub(super) fn of_workspace(
    r: &MembershipRow,
    acc: AccountsRow,
    (waiting, late): (i64, i64),
    invitations: Option<i64>,
) -> Vec<NeedItem> {
    let mut out = Vec::new();
    let role = Role::parse(&r.role).unwrap_or(Role::Viewer);
    let base = format!("/w/{}", r.slug);
    let item = |kind: NeedKind, count: i64, text: String, action: &str, href: String| NeedItem {
        kind,
        workspace: r.name.clone(),
        slug: r.slug.clone(),
        text,
        action: action.to_string(),
        href,
        count,
    };
    let failed = r.failed.unwrap_or(0) as i64;
    let partial = r.partially_published.unwrap_or(0) as i64;
    if failed > 0 {
        out.push(item(
            NeedKind::FailedPosts,
            failed + partial,
            format!("{} failed to publish", posts(failed)),
            "Review failed posts",
            format!("{base}/posts?status=failed"),
        ));
    } else if partial > 0 {
        out.push(item(
            NeedKind::FailedPosts,
            partial,
            format!("{} reached only some of their accounts", posts(partial)),
            "Review them",
            format!("{base}/posts?status=partially_published"),
        ));
    }
    if acc.expired > 0 {
        out.push(item(
            NeedKind::AccountsExpired,
            acc.expired,
            format!("{} expired", connections(acc.expired)),
            "Reconnect",
            format!("{base}/accounts"),
        ));
    }
    if acc.expiring > 0 {
        out.push(item(
            NeedKind::AccountsExpiring,
            acc.expiring,
            format!("{} within 7 days", expires(acc.expiring)),
            "Reconnect",
            format!("{base}/accounts"),
        ));
    }
    let whose = if role == Role::Client { "your" } else { "" };
    if late > 0 {
        out.push(item(
            NeedKind::ApprovalsOverdue,
            late,
            format!(
                "{} awaiting {}approval {} past {} time",
                posts(late),
                if whose.is_empty() {
                    String::new()
                } else {
                    format!("{whose} ")
                },
                if late == 1 { "is" } else { "are" },
                if late == 1 { "its" } else { "their" }
            ),
            "Open approvals",
            format!("{base}/approvals"),
        ));
    }
    if waiting - late > 0 {
        let n = waiting - late;
        out.push(item(
            NeedKind::ApprovalsWaiting,
            n,
            format!(
                "{} {} for {}approval",
                posts(n),
                if n == 1 { "waits" } else { "wait" },
                if whose.is_empty() {
                    String::new()
                } else {
                    format!("{whose} ")
                },
            ),
            "Open approvals",
            format!("{base}/approvals"),
        ));
    }
    if let Some(n) = invitations {
        out.push(item(
            NeedKind::InvitationsExpiring,
            n,
            format!(
                "{} {} within 48 hours",
                plural(n, "invitation", "invitations"),
                if n == 1 { "expires" } else { "expire" }
            ),
            "Resend or revoke",
            format!("{base}/settings/team"),
        ));
    }
    out
}

/// The limits of one owner's plan at 80 % or more (`mine`: the person's own plan), named
/// after `first`, the workspace whose usage page explains them.
pub(super) fn of_limits(view: &UsageView, mine: bool, first: &WorkspaceShare) -> Vec<NeedItem> {
    let mut out = Vec::new();
    for m in &view.meters {
        let kind = match m.level() {
            "full" => NeedKind::LimitReached,
            "warn" => NeedKind::LimitNear,
            _ => continue,
        };
        let (Some(limit), Some(pct)) = (m.limit, m.percent()) else {
            continue;
        };
        out.push(NeedItem {
            kind,
            workspace: first.name.clone(),
            slug: first.slug.clone(),
            text: format!(
                "{}: {} of {limit} on {} {} plan ({pct} %)",
                m.label,
                m.pooled,
                if mine { "your" } else { "the owner's" },
                view.plan
            ),
            action: "See usage".into(),
            href: format!("/w/{}/usage", first.slug),
            count: pct as i64,
        });
    }
    out
}

/// Most urgent first; within a kind, the largest first, then by workspace.
pub(super) fn sort(needs: &mut [NeedItem]) {
    needs.sort_by(|a, b| {
        (a.kind, -a.count, a.workspace.to_lowercase()).cmp(&(
            b.kind,
            -b.count,
            b.workspace.to_lowercase(),
        ))
    });
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
fn posts(n: i64) -> String {
    plural(n, "post", "posts")
}
fn connections(n: i64) -> String {
    plural(n, "account connection", "account connections")
}
fn expires(n: i64) -> String {
    format!(
        "{} {}",
        connections(n),
        if n == 1 { "expires" } else { "expire" }
    )
}
