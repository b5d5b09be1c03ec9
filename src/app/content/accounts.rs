//! Social accounts: connect (a link to the network's consent page, so it
//! works without JavaScript), list with status, disconnect.
use super::NetworkMark;
use crate::api::content::{social_accounts, DisconnectAccount};
use crate::app::components::{form_error, loading, EmptyState, ErrorPage, FormAlert};
use crate::app::workspaces::use_slug;
use crate::model::{AccountView, NETWORKS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn notice(q: &leptos_router::params::ParamsMap) -> Option<(&'static str, String)> {
    if let Some(p) = q.get("connected") {
        let label = crate::model::network(&p).map(|n| n.label).unwrap_or("The");
        return Some(("alert-ok", format!("{label} account connected.")));
    }
    q.get("error").map(|e| {
        let text = match e.as_str() {
            "declined" => "Access was not granted on the network, so nothing was connected.",
            "refused" => "The network refused the connection. Please try again.",
            "forbidden" => "Only owners and admins can connect social accounts.",
            "unavailable" => "That network cannot be connected on this server yet.",
            "limit" => "The plan's social-account limit is reached: disconnect an account or upgrade the plan to connect another.",
            _ => "The account could not be connected. Please try again.",
        };
        ("alert-error", text.to_string())
    })
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let disconnect = ServerAction::<DisconnectAccount>::new();
    let data = Resource::new(
        move || (slug.get(), disconnect.version().get()),
        |(slug, _)| social_accounts(slug),
    );
    view! {
        <Title text="Social accounts" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Publishing"</p>
                <h1>"Social accounts"</h1>
            </div>
        </div>
        {move || query.with(notice).map(|(class, text)| view! {
            <div class=format!("alert {class}") role="status">{text}</div>
        })}
        <FormAlert message=Signal::derive(form_error(disconnect.value())) />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <AccountsBody page disconnect slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountsBody(
    page: crate::model::AccountsPage,
    disconnect: ServerAction<DisconnectAccount>,
    slug: String,
) -> impl IntoView {
    let can_manage = page.can_manage;
    let connect_slug = slug.clone();
    view! {
        {can_manage.then(|| { view! {
            <section class="card section">
                <h2>"Connect an account"</h2>
                <p class="muted">"You can connect several accounts of the same network — a brand's main and regional accounts, say."</p>
                <div class="network-grid">
                    {NETWORKS.iter().map(|n| {
                        let href = format!("/w/{}/accounts/connect/{}", connect_slug, n.code);
                        if n.available {
                            view! {
                                <a class="network-tile" href=href rel="external">
                                    <NetworkMark platform=n.code.to_string() />
                                    <span>{format!("Connect {} account", n.label)}</span>
                                </a>
                            }.into_any()
                        } else {
                            view! {
                                <span class="network-tile disabled" aria-disabled="true" title="Coming soon">
                                    <NetworkMark platform=n.code.to_string() />
                                    <span>{n.label}</span>
                                    <span class="badge">"Soon"</span>
                                </span>
                            }.into_any()
                        }
                    }).collect_view()}
                </div>
            </section>
        }})}
        <section class="card section">
            <h2>"Connected accounts"</h2>
            {if page.accounts.is_empty() {
                view! {
                    <EmptyState title="No accounts yet"
                        body=if can_manage { "Connect a Sandbox account to try scheduling end to end — it needs no internet." } else { "An owner or admin connects this workspace's social accounts." } />
                }.into_any()
            } else {
                view! {
                    <ul class="account-list">
                        {page.accounts.into_iter().map(|a| view! { <AccountRow account=a can_manage disconnect slug=slug.clone() /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AccountRow(
    account: AccountView,
    can_manage: bool,
    disconnect: ServerAction<DisconnectAccount>,
    slug: String,
) -> impl IntoView {
    let connected = account.status == "connected";
    let status_class = format!("badge account-{}", account.status);
    let name = account.display_name.clone();
    view! {
        <li class="account-row">
            <NetworkMark platform=account.platform.clone() />
            <div class="account-main">
                <p class="account-name">{account.display_name.clone()}" "
                    {match account.profile_url.clone() {
                        Some(url) => view! { <a class="muted" href=url>{format!("@{}", account.handle)}</a> }.into_any(),
                        None => view! { <span class="muted">{format!("@{}", account.handle)}</span> }.into_any(),
                    }}
                </p>
                <p class="muted small">
                    {account.network_label()}" · "<code>{account.platform_id.clone()}</code>
                    {account.last_error.clone().map(|e| view! { <span class="field-error">" · "{e}</span> })}
                </p>
            </div>
            <span class=status_class>{account.status.clone()}</span>
            {(can_manage && connected).then(|| { let slug = slug.clone(); let account = account.clone(); let name = name.clone(); view! {
                <ActionForm action=disconnect attr:class="inline-form">
                    <input type="hidden" name="slug" value=slug.clone() />
                    <input type="hidden" name="account_id" value=account.id.to_string() />
                    <button type="submit" class="button ghost small" aria-label=format!("Disconnect {name}")>"Disconnect"</button>
                </ActionForm>
            }})}
            {(can_manage && !connected).then(|| { let slug = slug.clone(); let account = account.clone(); view! {
                <a class="button ghost small" rel="external" href=format!("/w/{}/accounts/connect/{}", slug, account.platform)>"Reconnect"</a>
            }})}
        </li>
    }
}
