//! `/agency`: the first screen of the morning, across every workspace the person belongs
//! to — what needs them, a card per client, the activity feed, usage and the report.
//! Rendered completely on the server (every filter is a GET form or a link, so it all
//! works without JavaScript) and hydrated.
mod cards;
mod chart;
mod feed;
mod finder;
mod report;

use crate::api::agency::{agency_feed, agency_overview, agency_report};
use crate::api::auth::LogOut;
use crate::app::auth::urlencode;
use crate::app::components::{loading, ErrorPage};
use crate::app::content::{TrialNotice, UsageMeters};
use crate::model::agency::*;
use crate::model::AppError;
use cards::Cards;
use feed::Feed;
use finder::Finder;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use report::Report;

/// The page's query string: every view of it is a URL.
#[derive(Clone, PartialEq, Default)]
struct Params {
    q: String,
    sort: String,
    page: u32,
    needs_all: bool,
    ws: String,
    kind: String,
    before: Option<i64>,
}

impl Params {
    /// `/agency?…` with the defaults left out, and `#anchor`.
    fn href(&self, anchor: &str) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", urlencode(&self.q)));
        }
        if !self.sort.is_empty() && self.sort != "needs" {
            parts.push(format!("sort={}", urlencode(&self.sort)));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.needs_all {
            parts.push("needs=all".into());
        }
        if !self.ws.is_empty() {
            parts.push(format!("ws={}", urlencode(&self.ws)));
        }
        if !self.kind.is_empty() {
            parts.push(format!("kind={}", urlencode(&self.kind)));
        }
        if let Some(b) = self.before {
            parts.push(format!("before={b}"));
        }
        let query = if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        };
        let anchor = if anchor.is_empty() {
            String::new()
        } else {
            format!("#{anchor}")
        };
        format!("/agency{query}{anchor}")
    }
}

#[component]
pub fn AgencyPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        Params {
            q: get("q"),
            sort: get("sort"),
            page: get("page").parse().unwrap_or(1),
            needs_all: get("needs") == "all",
            ws: get("ws"),
            kind: get("kind"),
            before: get("before").parse().ok(),
        }
    });
    let overview = Resource::new(
        move || {
            let p = params.get();
            (p.q, p.sort, p.page, p.needs_all)
        },
        |(q, sort, page, all)| agency_overview(q, sort, page, all),
    );
    let feed = Resource::new(
        move || {
            let p = params.get();
            (p.ws, p.kind, p.before)
        },
        |(ws, kind, before)| agency_feed(ws, kind, before),
    );
    let report = Resource::new(|| (), |_| agency_report());
    view! {
        <Title text="All clients" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(view) => view! { <Dashboard view params=params.get_untracked() feed report /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login?next=/agency" /> }.into_any(),
                    Err(e) => view! { <main class="centered-page"><ErrorPage error=e /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(
    view: AgencyView,
    params: Params,
    feed: Resource<Result<FeedPage, AppError>>,
    report: Resource<Result<ReportView, AppError>>,
) -> impl IntoView {
    let empty = view.workspaces == 0;
    let can_create = view.can_create;
    view! {
        <div class="agency">
            <header class="topbar agency-top">
                <a class="agency-brand" href="/agency">
                    <span class="logo-mark" aria-hidden="true">"P"</span>
                    <span class="logo-word">"Postroom"</span>
                </a>
                <Finder value=params.q.clone() />
                <details class="user-menu">
                    <summary aria-label="Account">
                        <span class="user-avatar">{view.user_initials.clone()}</span>
                        <span class="user-name">{view.user_name.clone()}</span>
                    </summary>
                    <div class="user-menu-panel">
                        <p class="user-email">{view.user_email.clone()}</p>
                        <form method="post" action=LogOut::PATH>
                            <button type="submit" class="button ghost wide">"Log out"</button>
                        </form>
                    </div>
                </details>
            </header>
            <main class="content agency-content">
                <div class="page-head">
                    <div>
                        <p class="eyebrow">"Agency"</p>
                        <h1>"All clients"</h1>
                        <p class="muted">{match view.workspaces {
                            0 => "No workspaces yet.".to_string(),
                            1 => "1 workspace.".to_string(),
                            n => format!("{n} workspaces."),
                        }}</p>
                    </div>
                    <div class="button-row">
                        {view.last.clone().map(|(name, slug)| view! {
                            <a class="button" href=format!("/w/{slug}")>{format!("Continue in {name}")}</a>
                        })}
                        {can_create.then(|| view! {
                            <a class="button primary" href="/workspaces/new">"+ New client workspace"</a>
                        })}
                    </div>
                </div>
                {view.trial.clone().map(|t| view! { <TrialNotice trial=t /> })}
                {if empty {
                    view! { <FirstSteps /> }.into_any()
                } else {
                    view! {
                        {view.first_run.then(|| view! { <FirstSteps /> })}
                        <Needs view=view.clone() params=params.clone() />
                        <Cards view=view.clone() params=params.clone() />
                        <div class="agency-cols">
                            <Feed feed params=params.clone() />
                            <Usage usage=view.usage.clone() />
                        </div>
                        <Report report />
                    }.into_any()
                }}
            </main>
        </div>
    }
}

/// The empty dashboard: the three first steps of an agency.
#[component]
fn FirstSteps() -> impl IntoView {
    view! {
        <section class="card section first-steps" aria-labelledby="first-steps">
            <h2 id="first-steps">"Get your first client on board"</h2>
            <ol class="steps">
                <li>
                    <strong>"Create a client workspace."</strong>
                    " Each client gets its own accounts, posts, calendar, team and settings — nothing is shared between them. "
                    <a href="/workspaces/new">"Create one"</a>
                </li>
                <li>
                    <strong>"Connect its social accounts."</strong>
                    " Open the workspace's Accounts page and connect the client's profiles."
                </li>
                <li>
                    <strong>"Invite the client."</strong>
                    " Under Settings › Team, invite them as a Client: they see the calendar and approve posts, nothing more."
                </li>
            </ol>
        </section>
    }
}

#[component]
fn Needs(view: AgencyView, params: Params) -> impl IntoView {
    let more = view.needs_total.saturating_sub(view.needs.len());
    let all_href = Params {
        needs_all: true,
        ..params.clone()
    }
    .href("needs");
    view! {
        <section class="card section" id="needs" aria-labelledby="needs-title">
            <div class="section-head">
                <h2 id="needs-title">"Needs you"</h2>
                {(view.needs_total > 0).then(|| view! {
                    <span class="badge badge-warn">{format!("{} to look at", view.needs_total)}</span>
                })}
            </div>
            {if view.needs.is_empty() {
                view! {
                    <p class="all-well"><span aria-hidden="true">"✓ "</span>"All is well: nothing failed, no connection is running out, nothing waits for you."</p>
                }.into_any()
            } else {
                view! {
                    <ul class="needs">
                        {view.needs.into_iter().map(|n| view! {
                            <li class=format!("need need-{}", n.kind.level())>
                                <span class="need-icon" aria-hidden="true">{n.kind.icon()}</span>
                                <span class="need-text">
                                    <strong>{n.workspace.clone()}</strong>
                                    <span>{n.text.clone()}</span>
                                </span>
                                <a class="button small-button" href=n.href.clone()>
                                    {n.action.clone()}<span class="sr-only">{format!(" in {}", n.workspace)}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! {
                        <p><a href=all_href>{format!("Show all {} items", view.needs_total)}</a></p>
                    })}
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Usage(usage: Vec<OwnerUsage>) -> impl IntoView {
    view! {
        <section class="section agency-usage" id="usage" aria-labelledby="usage-title">
            <h2 id="usage-title" class="sr-only">"Usage"</h2>
            {if usage.is_empty() {
                view! {
                    <div class="card section">
                        <h3>"Usage"</h3>
                        <p class="muted">"Usage is shown to owners, admins, editors and viewers of a workspace."</p>
                    </div>
                }.into_any()
            } else {
                usage.into_iter().map(|o| {
                    let more = o.total.saturating_sub(o.shares.len());
                    view! {
                        <div class="owner-usage">
                            <p class="eyebrow">{o.title.clone()}</p>
                            <UsageMeters usage=o.usage.clone() />
                            <div class="card section">
                                <h3>"Each workspace's share"</h3>
                                <div class="table-scroll">
                                <table class="table shares">
                                    <thead><tr>
                                        <th scope="col">"Workspace"</th>
                                        <th scope="col" class="num">"Posts"</th>
                                        <th scope="col" class="num">"Scheduled"</th>
                                        <th scope="col" class="num">"Accounts"</th>
                                        <th scope="col" class="num">"AI credits"</th>
                                    </tr></thead>
                                    <tbody>
                                        {o.shares.into_iter().map(|s| view! {
                                            <tr>
                                                <th scope="row"><a href=format!("/w/{}/usage", s.slug)>{s.name}</a></th>
                                                <td class="num">{s.posts}</td>
                                                <td class="num">{s.scheduled}</td>
                                                <td class="num">{s.accounts}</td>
                                                <td class="num">{s.ai_credits}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                {(more > 0).then(|| view! {
                                    <p class="muted small">{format!("…and {more} more workspaces on this plan.")}</p>
                                })}
                            </div>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
    }
}
