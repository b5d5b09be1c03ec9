//! The dashboard's charts, drawn by the app as SVG: the report's stacked bars (posts
//! published per week per workspace) and each card's sparkline.
use crate::model::agency::{ReportRow, ReportView};
use leptos::prelude::*;

/// Series colours: distinct hues, each at least 4.5:1 against white (the legend's
/// swatches carry text beside them, the bars do not need to).
const PALETTE: [&str; 8] = [
    "#4f46e5", "#0f766e", "#b45309", "#be185d", "#1d4ed8", "#15803d", "#7e22ce", "#4b5563",
];
/// Workspaces drawn as their own series; the rest are one "Other" series.
const SERIES: usize = 7;

/// One stacked series: a name and a value per week.
#[derive(Clone)]
struct Series {
    name: String,
    weeks: Vec<i64>,
    color: &'static str,
}

fn series(rows: &[ReportRow], others: Option<&ReportRow>, weeks: usize) -> Vec<Series> {
    let mut out: Vec<Series> = rows
        .iter()
        .take(SERIES)
        .enumerate()
        .map(|(i, r)| Series {
            name: r.name.clone(),
            weeks: r.weeks.clone(),
            color: PALETTE[i],
        })
        .collect();
    let rest = &rows[SERIES.min(rows.len())..];
    if !rest.is_empty() || others.is_some() {
        let mut other = vec![0; weeks];
        for r in rest.iter().chain(others) {
            for (o, n) in other.iter_mut().zip(&r.weeks) {
                *o += n;
            }
        }
        out.push(Series {
            name: "Other workspaces".to_string(),
            weeks: other,
            color: PALETTE[SERIES],
        });
    }
    out
}

/// A round upper bound for the axis and its step (4 steps).
pub fn axis(max: i64) -> (i64, i64) {
    if max <= 4 {
        return (4, 1);
    }
    let raw = (max as f64 / 4.0).ceil();
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .ceil() as i64;
    (step * 4, step)
}

#[component]
pub fn ReportChart(report: ReportView) -> impl IntoView {
    let n = report.weeks.len().max(1);
    let series = series(&report.rows, report.others.as_ref(), n);
    let totals: Vec<i64> = (0..n)
        .map(|w| {
            series
                .iter()
                .map(|s| s.weeks.get(w).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let (top, step) = axis(totals.iter().copied().max().unwrap_or(0));
    let (w, h, left, bottom, top_pad) = (720.0, 260.0, 44.0, 28.0, 10.0);
    let plot_h = h - bottom - top_pad;
    let slot = (w - left - 8.0) / n as f64;
    let bar = slot * 0.62;
    let y = move |v: i64| top_pad + plot_h - (v as f64 / top as f64) * plot_h;
    let label = |d: &chrono::NaiveDate| d.format("%-d %b").to_string();
    let first = report.weeks.first().map(label).unwrap_or_default();
    let last = report.weeks.last().map(label).unwrap_or_default();
    let sum: i64 = totals.iter().sum();
    let desc = format!(
        "{sum} posts published in the {n} weeks from {first} to {last}, stacked by workspace. The table below has every figure."
    );
    let ticks: Vec<i64> = (0..=4).map(|k| k * step).collect();
    let bars = (0..n)
        .map(|wk| {
            let x = left + wk as f64 * slot + (slot - bar) / 2.0;
            let mut acc = 0;
            let rects = series
                .iter()
                .filter_map(|s| {
                    let v = s.weeks.get(wk).copied().unwrap_or(0);
                    if v == 0 {
                        return None;
                    }
                    let (y0, y1) = (y(acc), y(acc + v));
                    acc += v;
                    Some(view! {
                        <rect x=format!("{x:.1}") y=format!("{y1:.1}") width=format!("{bar:.1}")
                              height=format!("{:.1}", (y0 - y1).max(0.5)) fill=s.color>
                            <title>{format!("{}: {v}", s.name)}</title>
                        </rect>
                    })
                })
                .collect_view();
            let tick = (wk % 2 == 0 || n <= 6).then(|| {
                view! {
                    <text x=format!("{:.1}", x + bar / 2.0) y=format!("{:.1}", h - 8.0) text-anchor="middle" class="chart-tick">
                        {report.weeks.get(wk).map(label).unwrap_or_default()}
                    </text>
                }
            });
            view! { <g>{rects}{tick}</g> }
        })
        .collect_view();
    let grid = ticks
        .iter()
        .map(|t| {
            let ty = y(*t);
            view! {
                <line x1=left x2=w - 4.0 y1=format!("{ty:.1}") y2=format!("{ty:.1}") class="chart-grid" />
                <text x=left - 6.0 y=format!("{:.1}", ty + 4.0) text-anchor="end" class="chart-tick">{*t}</text>
            }
        })
        .collect_view();
    let legend = series.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby="report-title report-desc" class="chart-svg" preserveAspectRatio="xMidYMid meet">
                <title id="report-title">"Posts published per week, by workspace"</title>
                <desc id="report-desc">{desc}</desc>
                {grid}
                {bars}
            </svg>
            <figcaption>
                <ul class="chart-legend">
                    {legend.into_iter().map(|s| view! {
                        <li><span class="swatch-dot" style=format!("background:{}", s.color) aria-hidden="true"></span>{s.name}</li>
                    }).collect_view()}
                </ul>
            </figcaption>
        </figure>
    }
}

/// A card's 12 weeks of published posts as tiny bars, with the figures in its label.
#[component]
pub fn Sparkline(weeks: Vec<i64>) -> impl IntoView {
    let max = weeks.iter().copied().max().unwrap_or(0).max(1);
    let n = weeks.len().max(1);
    let (w, h) = (96.0, 24.0);
    let slot = w / n as f64;
    let label = format!(
        "Published per week, last {n} weeks: {}",
        weeks
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let bh = if *v == 0 {
                1.0
            } else {
                (*v as f64 / max as f64 * (h - 2.0)).max(2.0)
            };
            view! {
                <rect x=format!("{:.1}", i as f64 * slot + 1.0) y=format!("{:.1}", h - bh)
                      width=format!("{:.1}", slot - 2.0) height=format!("{bh:.1}")
                      class=if *v == 0 { "spark-zero" } else { "spark-bar" } />
            }
        })
        .collect_view();
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {w} {h}") width="96" height="24" role="img" aria-label=label>
            {bars}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::axis;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis(0), (4, 1));
        assert_eq!(axis(3), (4, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(37), (40, 10));
        assert_eq!(axis(41), (80, 20));
        let (top, step) = axis(1234);
        assert!(top >= 1234 && top == step * 4, "{top} {step}");
    }
}
