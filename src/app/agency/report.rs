//! The report: totals by status, the stacked chart and the figures as a table.
use super::chart::ReportChart;
use crate::app::components::{loading, EmptyState};
use crate::model::agency::*;
use crate::model::AppError;
use leptos::prelude::*;

#[component]
pub(super) fn Report(report: Resource<Result<ReportView, AppError>>) -> impl IntoView {
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
