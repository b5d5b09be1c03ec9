//! `/agency`: the first screen of the morning, across every workspace the person belongs
//! to — what needs them, a card per client, the activity feed, usage and the report.
//! Rendered completely on the server (every filter is a GET form or a link, so it all
//! works without JavaScript) and hydrated.
mod chart;
mod finder;

use crate::api::agency::{agency_feed, agency_overview, agency_report};
use crate::api::auth::LogOut;
use crate::app::auth::urlencode;
use crate::app::components::{format_time, loading, EmptyState, ErrorPage, WorkspaceAvatar};
use crate::app::content::{TrialNotice, UsageMeters};
use crate::model::agency::*;
use crate::model::AppError;
use chart::{ReportChart, Sparkline};
use finder::Finder;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

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
fn Cards(view: AgencyView, params: Params) -> impl IntoView {
    let sort = view.sort;
    let filtered = !view.query.is_empty();
    let page_href = move |page: usize| {
        Params {
            page: page as u32,
            ..params.clone()
        }
        .href("clients")
    };
    let prev = (view.page > 1).then(|| page_href(view.page - 1));
    let next = (view.page < view.pages).then(|| page_href(view.page + 1));
    let ws = view.cards_total;
    view! {
        <section class="section" id="clients" aria-labelledby="clients-title">
            <div class="section-head">
                <h2 id="clients-title">"Clients"</h2>
                <form class="card-filters" method="get" action="/agency#clients">
                    <label for="cards-q" class="sr-only">"Filter clients"</label>
                    <input id="cards-q" type="search" name="q" placeholder="Filter by name" value=view.query.clone() />
                    <label for="cards-sort">"Sort by"</label>
                    <select id="cards-sort" name="sort">
                        {[CardSort::Needs, CardSort::Name, CardSort::Activity].into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == sort>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button">"Apply"</button>
                </form>
            </div>
            {if view.cards.is_empty() {
                view! {
                    <div class="card">
                        <EmptyState title="No client matches" body=format!("No workspace's name contains “{}”.", view.query) >
                            <a class="button" href="/agency#clients">"Show all clients"</a>
                        </EmptyState>
                    </div>
                }.into_any()
            } else {
                view! {
                    <ul class="client-cards">
                        {view.cards.into_iter().map(|c| view! { <Card card=c /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(view.pages > 1 || filtered).then(|| view! {
                <nav class="pager" aria-label="Client pages">
                    {match prev {
                        Some(h) => view! { <a class="button ghost" href=h rel="prev">"← Previous"</a> }.into_any(),
                        None => view! { <span class="button ghost disabled" aria-disabled="true">"← Previous"</span> }.into_any(),
                    }}
                    <span class="muted small">{format!("Page {} of {} · {ws} {}", view.page, view.pages, if ws == 1 { "client" } else { "clients" })}</span>
                    {match next {
                        Some(h) => view! { <a class="button ghost" href=h rel="next">"Next →"</a> }.into_any(),
                        None => view! { <span class="button ghost disabled" aria-disabled="true">"Next →"</span> }.into_any(),
                    }}
                </nav>
            })}
        </section>
    }
}

#[component]
fn Card(card: ClientCard) -> impl IntoView {
    let href = format!("/w/{}", card.slug);
    let accent = card
        .primary_color
        .clone()
        .map(|c| format!("--card-accent:{c}"))
        .unwrap_or_default();
    let accounts = match card.accounts {
        0 => "No accounts".to_string(),
        1 => "1 account".to_string(),
        n => format!("{n} accounts"),
    };
    let stat = |label: &'static str, value: i64, warn: bool| {
        view! {
            <div class="card-stat" class:card-stat-warn=warn>
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    view! {
        <li class="client-card card" style=accent data-workspace=card.slug.clone()>
            <div class="client-head">
                <WorkspaceAvatar initials=card.initials.clone() logo_url=card.logo_url.clone() color=card.primary_color.clone() />
                <div class="client-title">
                    <h3><a class="client-link" href=href.clone()>{card.name.clone()}</a></h3>
                    <span class="badge role-badge">{card.role.label()}</span>
                    {(card.needs > 0).then(|| view! {
                        <span class="badge badge-warn">{format!("{} needs you", card.needs)}</span>
                    })}
                </div>
            </div>
            <p class="client-health">
                <span class=format!("health-dot health-{}", card.health.as_str()) aria-hidden="true"></span>
                {accounts}
                {(card.accounts > 0).then(|| view! {
                    <span class="muted">{format!(" · {}", card.health.label())}</span>
                })}
            </p>
            <dl class="card-stats">
                {stat("Next 7 days", card.scheduled_next_7, false)}
                {stat("Published, 30 days", card.published_last_30, false)}
                {card.failed.map(|f| stat("Failed", f, f > 0))}
                {stat("Awaiting approval", card.awaiting, card.awaiting > 0)}
                {card.members.map(|m| stat("Members", m, false))}
            </dl>
            <div class="client-foot">
                <Sparkline weeks=card.spark.clone() />
                <span class="muted small">"12 weeks"</span>
            </div>
        </li>
    }
}

#[component]
fn Feed(feed: Resource<Result<FeedPage, AppError>>, params: Params) -> impl IntoView {
    view! {
        <section class="card section" id="activity" aria-labelledby="activity-title">
            <div class="section-head">
                <h2 id="activity-title">"Activity"</h2>
            </div>
            <Suspense fallback=loading>
                {move || {
                    let params = params.clone();
                    Suspend::new(async move {
                        match feed.await {
                            Ok(f) => view! { <FeedBody feed=f params /> }.into_any(),
                            Err(e) => view! { <p class="alert alert-error">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn FeedBody(feed: FeedPage, params: Params) -> impl IntoView {
    if !feed.any {
        return view! {
            <p class="muted">"Activity is shown to owners, admins, editors and viewers; your workspaces here are all as a client."</p>
        }
        .into_any();
    }
    let older = feed.older.map(|id| {
        Params {
            before: Some(id),
            ..params.clone()
        }
        .href("activity")
    });
    let newest = params.before.is_some().then(|| {
        Params {
            before: None,
            ..params.clone()
        }
        .href("activity")
    });
    let (ws, kind) = (params.ws.clone(), params.kind.clone());
    view! {
        <form class="feed-filters" method="get" action="/agency#activity">
            // The cards' filter and page stay as they are.
            {(!params.q.is_empty()).then(|| view! { <input type="hidden" name="q" value=params.q.clone() /> })}
            {(!params.sort.is_empty()).then(|| view! { <input type="hidden" name="sort" value=params.sort.clone() /> })}
            {if feed.workspaces.is_empty() {
                // Too many for a menu: the workspace's address (its slug) instead.
                view! {
                    <label>"Workspace (slug)"
                        <input type="search" name="ws" value=ws.clone() placeholder="All workspaces" />
                    </label>
                }.into_any()
            } else {
                view! {
                    <label>"Workspace"
                        <select name="ws">
                            <option value="">"All workspaces"</option>
                            {feed.workspaces.iter().map(|(slug, name)| view! {
                                <option value=slug.clone() selected=*slug == ws>{name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            }}
            <label>"Kind"
                <select name="kind">
                    <option value="">"Everything"</option>
                    {ACTIVITY_KINDS.iter().map(|(v, l)| view! {
                        <option value=*v selected=*v == kind>{*l}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">"Filter"</button>
        </form>
        {if feed.items.is_empty() {
            view! { <EmptyState title="No activity" body="Changes to posts, accounts, members and settings will be listed here." /> }.into_any()
        } else {
            view! {
                <ol class="activity">
                    {feed.items.into_iter().map(|a| view! {
                        <li class="activity-item">
                            <span class="activity-avatar" aria-hidden="true">{crate::model::initials(&a.actor)}</span>
                            <div class="activity-body">
                                <p><strong>{a.actor.clone()}</strong>" "{a.summary.clone()}</p>
                                <p class="muted small">
                                    <a href=format!("/w/{}", a.slug)>{a.workspace.clone()}</a>
                                    " · "<time datetime=a.created_at.to_rfc3339()>{format_time(&a.created_at)}</time>
                                </p>
                            </div>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        <nav class="pager" aria-label="Activity pages">
            {match newest {
                Some(h) => view! { <a class="button ghost" href=h>"← Newest"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            {match older {
                Some(h) => view! { <a class="button ghost" href=h rel="next">"Older →"</a> }.into_any(),
                None => view! { <span class="muted small">"That is everything."</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
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

#[component]
fn Report(report: Resource<Result<ReportView, AppError>>) -> impl IntoView {
    view! {
        <section class="card section" id="report" aria-labelledby="report-heading">
            <div class="section-head">
                <h2 id="report-heading">"Report: the last 12 weeks"</h2>
                <a class="button small-button" href="/agency/report.csv" download="postroom-report.csv">"Download CSV"</a>
            </div>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => view! { <ReportBody report=r /> }.into_any(),
                        Err(e) => view! { <p class="alert alert-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ReportBody(report: ReportView) -> impl IntoView {
    let t = report.totals.clone();
    let totals = [
        ("Drafts", t.drafts),
        ("Awaiting approval", t.awaiting_approval),
        ("Scheduled", t.scheduled),
        ("Publishing", t.publishing),
        ("Published", t.published),
        ("Partly published", t.partially_published),
        ("Failed", t.failed),
    ];
    let weeks = report.weeks.clone();
    let rows = report.rows.clone();
    let others = report.others.clone();
    let any = !rows.is_empty();
    view! {
        <dl class="status-totals">
            {totals.into_iter().map(|(l, n)| view! {
                <div class="stat"><dt class="stat-label">{l}</dt><dd class="stat-value">{n}</dd></div>
            }).collect_view()}
        </dl>
        {if any {
            view! {
                <ReportChart report=report />
                <details class="report-table">
                    <summary>"Show the figures as a table"</summary>
                    <div class="table-scroll">
                        <table class="table">
                            <caption class="sr-only">"Posts published per week, by workspace"</caption>
                            <thead><tr>
                                <th scope="col">"Workspace"</th>
                                {weeks.iter().map(|w| view! { <th scope="col" class="num">{w.format("%-d %b").to_string()}</th> }).collect_view()}
                                <th scope="col" class="num">"Total"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().chain(others).map(|r| view! {
                                    <tr>
                                        <th scope="row">{r.name}</th>
                                        {r.weeks.into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                                        <td class="num">{r.total}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </details>
            }.into_any()
        } else {
            view! { <EmptyState title="Nothing published yet" body="Once posts go out, this chart shows each week's posts, stacked by workspace." /> }.into_any()
        }}
    }
}
