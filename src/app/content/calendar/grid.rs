//! The month and week grids: days or hours with their posts as chips; after
//! hydration a chip dragged to another day or hour is rescheduled.
use super::super::NetworkMark;
use super::*;

#[component]
pub(super) fn Grid(
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
    // A grid's cells live in rows (ARIA): one row per week.
    let weeks: Vec<Vec<CalendarDay>> = days.chunks(7).map(|w| w.to_vec()).collect();
    view! {
        <div class="month" role="grid" aria-label="Month">
            <div class="month-row month-head" role="row">
                {weekdays.into_iter().map(|w| view! { <div class="month-weekday" role="columnheader">{w}</div> }).collect_view()}
            </div>
            <div class="month-body" role="rowgroup">
                {weeks.into_iter().map(|week| view! {
                <div class="month-week" role="row">
                {week.into_iter().map(|d| {
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
    let hours = week_hours(days.iter().flat_map(|d| d.posts.iter().map(|p| p.hour)));
    let head = days.clone();
    view! {
        <div class="week" role="grid" aria-label="Week">
            <div class="week-row week-head" role="row">
                <div class="week-hour" role="columnheader"><span class="sr-only">"Time"</span></div>
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
                        <div class="week-hour" role="rowheader">{format!("{h:02}:00")}</div>
                        {cells}
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// The rows of the week grid: the working day (07:00–21:00), stretched without
/// gaps to the earliest and latest hour that has a post (a post at 23:00 gets
/// a 22:00 row above it too, so the column reads as a clock).
fn week_hours(post_hours: impl Iterator<Item = u32>) -> Vec<u32> {
    let (first, last) = post_hours
        .filter(|h| *h < 24)
        .fold((7, 21), |(lo, hi), h| (lo.min(h), hi.max(h)));
    (first..=last).collect()
}

#[cfg(test)]
mod tests {
    use super::week_hours;

    #[test]
    fn the_week_shows_the_working_day_stretched_to_its_posts() {
        assert_eq!(week_hours([].into_iter()), (7..=21).collect::<Vec<_>>());
        assert_eq!(
            week_hours([9, 12].into_iter()),
            (7..=21).collect::<Vec<_>>()
        );
        assert_eq!(week_hours([23].into_iter()), (7..=23).collect::<Vec<_>>());
        assert_eq!(
            week_hours([2, 22].into_iter()),
            (2..=22).collect::<Vec<_>>()
        );
        assert_eq!(week_hours([0].into_iter()).first(), Some(&0));
    }
}
