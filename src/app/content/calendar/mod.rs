//! The calendar: month and week grids and, on a page of its own
//! (`/w/:slug/posts`, a lazy route), the filtered list of posts; times in the
//! workspace's zone with toggles to UTC and (after hydration) the viewer's
//! zone. After hydration posts can be dragged to another day (month) or
//! hour (week); without JavaScript the post page has a reschedule form.
//! `grid` draws the month and week grids (and handles drops), `list` the
//! list page. The calendar is the first page after log-in, so it stays in the
//! main wasm module and the list (filters, its data types) does not.
use super::query_value;
use grid::Grid;
pub use list::PostsPage;

mod grid;
mod list;

use crate::api::content::{load_calendar, ReschedulePost};
use crate::app::components::{action_alert, loading, EmptyState, ErrorPage};
use crate::app::workspaces::use_slug;
use crate::model::{CalendarDay, CalendarMode, CalendarPost, CalendarView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The calendar's URL with one parameter changed; the list (`view` "list")
/// is the posts page, where a date means nothing.
fn href(slug: &str, view: &str, date: &str, zone: &str) -> String {
    let (path, mut q) = if view == CalendarMode::List.as_str() {
        (format!("/w/{slug}/posts"), url_pairs(&[("zone", zone)]))
    } else {
        (
            format!("/w/{slug}"),
            url_pairs(&[("view", view), ("date", date), ("zone", zone)]),
        )
    };
    if !q.is_empty() {
        q.insert(0, '?');
    }
    format!("{path}{q}")
}

fn url_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::app::auth::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The browser's IANA time zone (hydrated only).
fn browser_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let fmt = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let opts = fmt.resolved_options();
        js_sys::Reflect::get(&opts, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let mode = Memo::new(move |_| CalendarMode::parse(&query.with(|q| query_value(q, "view"))));
    let reschedule = ServerAction::<ReschedulePost>::new();
    // The grid's data; none for the list, which redirects to its own page.
    let params = move || {
        query.with(|q| {
            (
                slug.get(),
                query_value(q, "view"),
                query_value(q, "date"),
                query_value(q, "zone"),
                reschedule.version().get(),
            )
        })
    };
    let cal = Resource::new(params, |(s, v, d, z, _)| async move {
        if CalendarMode::parse(&v) == CalendarMode::List {
            return None;
        }
        Some(load_calendar(s, Some(v), Some(d), Some(z)).await)
    });
    view! {
        <Title text="Calendar" />
        {move || reschedule.value().get().and_then(Result::err).map(|e| Suspend::new(action_alert(e)))}
        {move || if mode.get() == CalendarMode::List {
            // The list moved to its own page; old links and bookmarks follow it.
            let mut rest = query.get();
            rest.remove("view");
            let rest = rest.to_query_string();
            view! { <Redirect path=format!("/w/{}/posts{rest}", slug.get()) /> }.into_any()
        } else {
            view! {
                <Suspense fallback=loading>
                    {move || Suspend::new(async move {
                        match cal.await {
                            Some(Ok(c)) => view! { <Grid cal=c slug=slug.get_untracked() reschedule /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorPage error=e /> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Suspense>
            }.into_any()
        }}
    }
}

#[component]
fn Toolbar(
    slug: String,
    mode: CalendarMode,
    title: String,
    date: String,
    prev: String,
    next: String,
    today: String,
    zone: String,
    zone_choice: String,
    workspace_zone: String,
    can_edit: bool,
) -> impl IntoView {
    let m = mode.as_str();
    let zone_param = match zone_choice.as_str() {
        "workspace" => String::new(),
        "utc" => "UTC".to_string(),
        _ => zone.clone(),
    };
    let zp = zone_param.clone();
    let tab = |label: &'static str, v: &'static str| {
        let active = v == m;
        view! {
            <a class="seg" class:active=active aria-current=active.then_some("page")
               href=href(&slug, v, &date, &zp)>{label}</a>
        }
    };
    let navigate = use_navigate();
    let local_slug = slug.clone();
    let local_date = date.clone();
    let use_local = move |_| {
        if let Some(z) = browser_zone() {
            navigate(&href(&local_slug, m, &local_date, &z), Default::default());
        }
    };
    let is_local = zone_choice == "local";
    view! {
        <div class="page-head cal-head">
            <div>
                <p class="eyebrow">"Calendar"</p>
                <h1>{title}</h1>
            </div>
            <div class="cal-actions">
                {can_edit.then(|| view! {
                    <a class="button primary" href=format!("/w/{slug}/posts/new")>"+ New post"</a>
                })}
            </div>
        </div>
        <div class="cal-toolbar">
            <nav class="segmented" aria-label="Calendar view">
                {tab("Month", "month")}{tab("Week", "week")}{tab("List", "list")}
            </nav>
            {(mode != CalendarMode::List).then(|| view! {
                <nav class="segmented" aria-label="Move in time">
                    <a class="seg" href=href(&slug, m, &prev, &zone_param) aria-label="Previous">"‹"</a>
                    <a class="seg" href=href(&slug, m, &today, &zone_param)>"Today"</a>
                    <a class="seg" href=href(&slug, m, &next, &zone_param) aria-label="Next">"›"</a>
                </nav>
            })}
            <nav class="segmented zone-toggle" aria-label="Time zone">
                <a class="seg" class:active=zone_choice == "workspace" href=href(&slug, m, &date, "")
                   title="The workspace's time zone">{workspace_zone.clone()}</a>
                {(workspace_zone != "UTC").then(|| view! {
                    <a class="seg" class:active=zone_choice == "utc" href=href(&slug, m, &date, "UTC")>"UTC"</a>
                })}
                // Only the browser knows its zone: until the wasm has loaded
                // (`body[data-hydrated]`) the button is hidden by the style
                // sheet, unless that zone is already the one shown.
                <button type="button" class=if is_local { "seg active" } else { "seg js-only" } on:click=use_local>
                    {if is_local { format!("Mine · {zone}") } else { "My time zone".to_string() }}
                </button>
            </nav>
        </div>
    }
}
