//! Usage meters (`/w/{slug}/usage`): this workspace's own use and the
//! owner's pooled total against each cap; bars turn amber at 80 % and red at
//! 100 %. The meters component is shared with the agency dashboard (later).
use crate::api::content::usage;
use crate::app::components::{loading, ErrorPage};
use crate::app::workspaces::use_slug;
use crate::model::{UsageMeter, UsageView};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsagePage() -> impl IntoView {
    let slug = use_slug();
    let data = Resource::new(move || slug.get(), usage);
    view! {
        <Title text="Usage" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Workspace"</p>
                <h1>"Usage"</h1>
            </div>
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(u) => view! { <UsageMeters usage=u /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn UsageMeters(usage: UsageView) -> impl IntoView {
    let reset = usage.cycle_end.format("%-d %B %Y").to_string();
    view! {
        <section class="card section">
            <div class="section-head">
                <h2>{format!("{} plan", usage.plan)}</h2>
                <p class="muted small">{format!("This cycle resets on {reset}.")}</p>
            </div>
            {(!usage.cloud).then(|| view! {
                <p class="alert alert-info">"Self-hosted: nothing is limited. The meters show use only."</p>
            })}
            {usage.trial.map(|t| view! { <TrialNotice trial=t /> })}
            <ul class="meters">
                {usage.meters.into_iter().map(|m| view! { <Meter meter=m /> }).collect_view()}
            </ul>
            {usage.horizon_days.map(|d| view! {
                <p class="muted small">{format!("Posts can be scheduled up to {d} days ahead.")}</p>
            })}
        </section>
    }
}

#[component]
fn Meter(meter: UsageMeter) -> impl IntoView {
    let pct = meter.percent();
    let level = meter.level();
    let of = match meter.limit {
        Some(l) => format!("{} of {}", meter.pooled, l),
        None => format!("{} · no limit", meter.pooled),
    };
    let own = meter
        .workspace
        .map(|w| format!("{w} in this workspace"))
        .unwrap_or_default();
    view! {
        <li class=format!("meter meter-{level}") data-meter=meter.label.clone()>
            <div class="meter-head">
                <span class="meter-label">{meter.label.clone()}</span>
                <span class="meter-value">{of}</span>
            </div>
            <div class="meter-bar" role="progressbar" aria-label=meter.label.clone()
                 aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.unwrap_or(0)>
                <span class="meter-fill" style=format!("width:{}%", pct.unwrap_or(0))></span>
            </div>
            <p class="muted small">{own}</p>
        </li>
    }
}

/// How long the trial lasts and what happens after it (shared with the dashboard).
#[component]
pub fn TrialNotice(trial: crate::model::TrialView) -> impl IntoView {
    let days = if trial.days_left == 1 {
        "1 day".to_string()
    } else {
        format!("{} days", trial.days_left)
    };
    let until = trial.ends_at.format("%-d %B %Y").to_string();
    view! {
        <p class="alert alert-info trial-notice" data-trial-days=trial.days_left>
            <strong>{format!("{} trial: {days} left", trial.plan)}</strong>
            {format!(
                " (until {until}). Afterwards the account is on {} again: nothing is deleted, \
                 only new actions over its limits are refused.",
                trial.then
            )}
        </p>
    }
}
