//! The client cards: one per workspace, filtered, sorted and paginated.
use super::chart::Sparkline;
use super::Params;
use crate::app::components::{EmptyState, WorkspaceAvatar};
use crate::model::agency::*;
use leptos::prelude::*;

#[component]
pub(super) fn Cards(view: AgencyView, params: Params) -> impl IntoView {
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
