//! The calendar: month and week grids and a filtered list, times in the
//! workspace's zone with toggles to UTC and (after hydration) the viewer's
//! zone. After hydration posts can be dragged to another day (month) or
//! hour (week); without JavaScript the post page has a reschedule form.
use super::{query_value, NetworkMark, StatusBadge};
use crate::api::content::{list_posts, load_calendar, ReschedulePost};
use crate::app::components::{
    form_error, loading, plan_limit, EmptyState, ErrorPage, FormAlert, PlanLimitAlert,
};
use crate::app::workspaces::use_slug;
use crate::model::{
    CalendarDay, CalendarMode, CalendarPost, CalendarView, PostListView, PostStatus,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The calendar's URL with one parameter changed.
fn href(slug: &str, view: &str, date: &str, zone: &str) -> String {
    let mut q = url_pairs(&[("view", view), ("date", date), ("zone", zone)]);
    if !q.is_empty() {
        q.insert(0, '?');
    }
    format!("/w/{slug}{q}")
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
    // One resource per view kind; each asks the server only when its view is shown.
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
    let list_params = move || {
        query.with(|q| {
            (
                slug.get(),
                mode.get() == CalendarMode::List,
                ["status", "label", "account", "from", "to", "after", "zone"]
                    .map(|k| query_value(q, k)),
            )
        })
    };
    let list = Resource::new(
        list_params,
        |(s, is_list, [st, l, a, f, t, af, z])| async move {
            if !is_list {
                return None;
            }
            Some(
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
                .await,
            )
        },
    );
    view! {
        <Title text="Calendar" />
        <PlanLimitAlert error=plan_limit(reschedule.value()) />
        <FormAlert message=Signal::derive(form_error(reschedule.value())) />
        {move || query.with(|q| q.get("deleted").is_some()).then(|| view! {
            <div class="alert alert-ok" role="status">"Post deleted."</div>
        })}
        {move || if mode.get() == CalendarMode::List {
            view! {
                <Suspense fallback=loading>
                    {move || Suspend::new(async move {
                        match list.await {
                            Some(Ok(l)) => view! { <ListView list=l slug=slug.get_untracked() /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorPage error=e /> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Suspense>
            }.into_any()
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
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
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
                <Show when=move || hydrated.get() || is_local>
                    <button type="button" class="seg" class:active=is_local on:click=use_local.clone()>
                        {if is_local { format!("Mine · {zone}") } else { "My time zone".to_string() }}
                    </button>
                </Show>
            </nav>
        </div>
    }
}

#[component]
fn Grid(
    cal: CalendarView,
    slug: String,
    reschedule: ServerAction<ReschedulePost>,
) -> impl IntoView {
    let CalendarView {
        mode,
        zone,
        zone_choice,
        workspace_zone,
        title,
        date,
        prev,
        next,
        today,
        days,
        can_edit,
        labels,
    } = cal;
    let empty = days.iter().all(|d| d.posts.is_empty());
    let body = match mode {
        CalendarMode::Week => {
            view! { <WeekGrid days slug=slug.clone() can_edit reschedule /> }.into_any()
        }
        _ => view! { <MonthGrid days slug=slug.clone() can_edit reschedule /> }.into_any(),
    };
    view! {
        <Toolbar slug=slug.clone() mode title date prev next today zone=zone.clone() zone_choice workspace_zone can_edit />
        {(!labels.is_empty()).then(|| view! {
            <ul class="legend" aria-label="Labels">
                {labels.into_iter().map(|l| view! {
                    <li><span class="dot" style=format!("background:{}", l.color)></span>{l.name}</li>
                }).collect_view()}
            </ul>
        })}
        <p class="muted small">"Times in "{zone}"."{can_edit.then_some(" Drag a post to move it.")}</p>
        {body}
        {empty.then(|| view! {
            <p class="muted cal-empty">"Nothing scheduled in this period."
                {can_edit.then(|| view! { " " <a href=format!("/w/{slug}/posts/new")>"Write a post"</a> })}
            </p>
        })}
    }
}

/// Parses what a chip put into the drag: `id|HH:MM`.
fn dragged(ev: &leptos::ev::DragEvent) -> Option<(String, String)> {
    let data = ev.data_transfer()?.get_data("text/plain").ok()?;
    let (id, time) = data.split_once('|')?;
    Some((id.to_string(), time.to_string()))
}

fn drop_zone(
    slug: String,
    date: String,
    hour: Option<u32>,
    reschedule: ServerAction<ReschedulePost>,
) -> impl Fn(leptos::ev::DragEvent) + Clone + 'static {
    move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some((post_id, time)) = dragged(&ev) {
            let time = match hour {
                Some(h) => format!("{h:02}:{}", time.get(3..5).unwrap_or("00")),
                None => time,
            };
            reschedule.dispatch(ReschedulePost {
                slug: slug.clone(),
                post_id,
                date: date.clone(),
                time,
            });
        }
    }
}

#[component]
fn Chip(post: CalendarPost, slug: String, can_edit: bool) -> impl IntoView {
    let movable = can_edit && post.status.editable();
    let payload = format!("{}|{}", post.id, post.time);
    let style = post
        .color
        .clone()
        .map(|c| format!("--label:{c}"))
        .unwrap_or_default();
    let title = format!(
        "{} · {}{}",
        post.time,
        post.status.label(),
        if post.label_names.is_empty() {
            String::new()
        } else {
            format!(" · {}", post.label_names.join(", "))
        }
    );
    view! {
        <a class=format!("chip status-{}", post.status.as_str()) style=style title=title
           href=format!("/w/{slug}/posts/{}", post.id) draggable=if movable { "true" } else { "false" }
           data-post=post.id.to_string()
           on:dragstart=move |ev: leptos::ev::DragEvent| {
               if let Some(dt) = ev.data_transfer() {
                   let _ = dt.set_data("text/plain", &payload);
                   dt.set_effect_allowed("move");
               }
           }>
            <span class="chip-time">{post.time.clone()}</span>
            <span class="chip-nets">{post.platforms.into_iter().map(|p| view! { <NetworkMark platform=p /> }).collect_view()}</span>
            <span class="chip-text">{post.excerpt.clone()}</span>
        </a>
    }
}

#[component]
fn MonthGrid(
    days: Vec<CalendarDay>,
    slug: String,
    can_edit: bool,
    reschedule: ServerAction<ReschedulePost>,
) -> impl IntoView {
    let weekdays: Vec<String> = days.iter().take(7).map(|d| d.weekday.clone()).collect();
    view! {
        <div class="month" role="grid" aria-label="Month">
            <div class="month-row month-head" role="row">
                {weekdays.into_iter().map(|w| view! { <div class="month-weekday" role="columnheader">{w}</div> }).collect_view()}
            </div>
            <div class="month-body">
                {days.into_iter().map(|d| {
                    let on_drop = drop_zone(slug.clone(), d.date.clone(), None, reschedule);
                    let new_href = format!("/w/{}/posts/new?date={}", slug, d.date);
                    let label = format!("{} {}", d.weekday, d.date);
                    view! {
                        <div class="day" class:out=!d.in_range class:today=d.is_today role="gridcell"
                             data-date=d.date.clone() aria-label=label
                             on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                             on:drop=on_drop>
                            <div class="day-head">
                                <span class="day-num">{d.day}</span>
                                {can_edit.then(|| view! {
                                    <a class="day-add" href=new_href.clone() aria-label=format!("New post on {}", d.date)>"+"</a>
                                })}
                            </div>
                            <div class="day-posts">
                                {d.posts.into_iter().map(|p| view! { <Chip post=p slug=slug.clone() can_edit /> }).collect_view()}
                            </div>
                        </div>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}

#[component]
fn WeekGrid(
    days: Vec<CalendarDay>,
    slug: String,
    can_edit: bool,
    reschedule: ServerAction<ReschedulePost>,
) -> impl IntoView {
    // Hours that have posts, plus the working day, so the grid stays short.
    let mut hours: Vec<u32> = (7..=21).collect();
    for d in &days {
        for p in &d.posts {
            if !hours.contains(&p.hour) {
                hours.push(p.hour);
            }
        }
    }
    hours.sort_unstable();
    let head = days.clone();
    view! {
        <div class="week" role="grid" aria-label="Week">
            <div class="week-row week-head" role="row">
                <div class="week-hour"></div>
                {head.into_iter().map(|d| view! {
                    <div class="week-day-head" class:today=d.is_today role="columnheader">
                        <span class="muted">{d.weekday.clone()}</span>" "<strong>{d.day}</strong>
                        {can_edit.then(|| view! {
                            <a class="day-add" href=format!("/w/{}/posts/new?date={}", slug, d.date) aria-label=format!("New post on {}", d.date)>"+"</a>
                        })}
                    </div>
                }).collect_view()}
            </div>
            {hours.into_iter().map(|h| {
                let cells = days.iter().map(|d| {
                    let posts: Vec<CalendarPost> = d.posts.iter().filter(|p| p.hour == h).cloned().collect();
                    let on_drop = drop_zone(slug.clone(), d.date.clone(), Some(h), reschedule);
                    view! {
                        <div class="week-cell" role="gridcell" data-date=d.date.clone() data-hour=h
                             on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                             on:drop=on_drop>
                            {posts.into_iter().map(|p| view! { <Chip post=p slug=slug.clone() can_edit /> }).collect_view()}
                        </div>
                    }
                }).collect_view();
                view! {
                    <div class="week-row" role="row">
                        <div class="week-hour">{format!("{h:02}:00")}</div>
                        {cells}
                    </div>
                }
            }).collect_view()}
        </div>
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
            ("view", "list"),
            ("status", &status),
            ("label", &label),
            ("account", &account),
            ("from", &from),
            ("to", &to),
            ("zone", &zone),
            ("after", &cursor),
        ]);
        format!("/w/{slug}?{pairs}")
    });
    // From the server: the browser build has no clock of its own (wasm32).
    let today = list.today.clone();
    view! {
        <Toolbar slug=slug.clone() mode=CalendarMode::List title="All posts".into() date=today.clone()
            prev=today.clone() next=today.clone() today=today.clone() zone=list.zone.clone()
            zone_choice=if zone.is_empty() { "workspace".into() } else if zone == "UTC" { "utc".into() } else { "local".into() }
            workspace_zone=list.zone.clone() can_edit=list.can_edit />
        <form method="get" class="filters card" action=format!("/w/{slug}")>
            <input type="hidden" name="view" value="list" />
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
