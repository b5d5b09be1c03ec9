//! The posts page (`/w/:slug/posts`, a lazy route): posts filtered by
//! status, label, account and dates, a page at a time (keyset cursor), under
//! the calendar's toolbar with its List tab active.
use super::super::{NetworkMark, StatusBadge};
use super::*;
use crate::api::content::list_posts;
use crate::model::{PostListView, PostStatus};

#[component]
pub fn PostsPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            (
                slug.get(),
                ["status", "label", "account", "from", "to", "after", "zone"]
                    .map(|k| query_value(q, k)),
            )
        })
    };
    let list = Resource::new(params, |(s, [st, l, a, f, t, af, z])| {
        list_posts(
            s,
            Some(st),
            Some(l),
            Some(a),
            Some(f),
            Some(t),
            Some(af),
            Some(z),
        )
    });
    view! {
        <Title text="Posts" />
        {move || query.with(|q| q.get("deleted").is_some()).then(|| view! {
            <div class="alert alert-ok" role="status">"Post deleted."</div>
        })}
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => view! { <ListView list=l slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListView(list: PostListView, slug: String) -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with_untracked(|q| query_value(q, k));
    let (status, label, account, from, to, zone) = (
        q("status"),
        q("label"),
        q("account"),
        q("from"),
        q("to"),
        q("zone"),
    );
    let next_href = list.next.clone().map(|cursor| {
        let pairs = url_pairs(&[
            ("status", &status),
            ("label", &label),
            ("account", &account),
            ("from", &from),
            ("to", &to),
            ("zone", &zone),
            ("after", &cursor),
        ]);
        format!("/w/{slug}/posts?{pairs}")
    });
    // From the server: the browser build has no clock of its own (wasm32).
    let today = list.today.clone();
    view! {
        <Toolbar slug=slug.clone() mode=CalendarMode::List title="All posts".into() date=today.clone()
            prev=today.clone() next=today.clone() today=today.clone() zone=list.zone.clone()
            zone_choice=if zone.is_empty() { "workspace".into() } else if zone == "UTC" { "utc".into() } else { "local".into() }
            workspace_zone=list.zone.clone() can_edit=list.can_edit />
        <form method="get" class="filters card" action=format!("/w/{slug}/posts")>
            // The chosen time zone survives filtering.
            {(!zone.is_empty()).then(|| view! { <input type="hidden" name="zone" value=zone.clone() /> })}
            <label>"Status"
                <select name="status">
                    <option value="">"Any status"</option>
                    {PostStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=status == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Label"
                <select name="label">
                    <option value="">"Any label"</option>
                    {list.labels.iter().map(|l| {
                        let id = l.id.to_string();
                        view! { <option value=id.clone() selected=label == id>{l.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Account"
                <select name="account">
                    <option value="">"Any account"</option>
                    {list.accounts.iter().map(|a| {
                        let id = a.id.to_string();
                        view! { <option value=id.clone() selected=account == id>{format!("@{} ({})", a.handle, a.network_label())}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"From" <input type="date" name="from" value=from.clone() /></label>
            <label>"To" <input type="date" name="to" value=to.clone() /></label>
            <button type="submit" class="button">"Filter"</button>
        </form>
        {if list.items.is_empty() {
            view! { <EmptyState title="No posts match" body="Change the filters, or write a new post." /> }.into_any()
        } else {
            view! {
                <ul class="post-list card">
                    {list.items.into_iter().map(|p| view! {
                        <li class="post-item">
                            <a class="post-link" href=format!("/w/{}/posts/{}", slug, p.id)>
                                <span class="post-when">{p.when.clone()}</span>
                                <span class="post-excerpt">{p.excerpt.clone()}</span>
                            </a>
                            <span class="post-meta">
                                {p.targets.into_iter().map(|t| view! { <NetworkMark platform=t.platform /> }).collect_view()}
                                {p.labels.into_iter().map(|l| view! {
                                    <span class="label-chip" style=format!("--label:{}", l.color)>{l.name}</span>
                                }).collect_view()}
                                <StatusBadge status=p.status />
                            </span>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {next_href.map(|h| view! { <p class="pager"><a class="button ghost" href=h>"Older posts →"</a></p> })}
    }
}
