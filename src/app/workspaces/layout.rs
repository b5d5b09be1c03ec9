//! The workspace frame: sidebar with the switcher and navigation, header with
//! the account menu, and the current page.
use crate::api::auth::LogOut;
use crate::api::members::LeaveWorkspace;
use crate::api::workspaces::workspace_shell;
use crate::app::auth::urlencode;
use crate::app::components::{flash::landed_error, loading, ErrorPage, WorkspaceAvatar};
use crate::app::ShellVersion;
use crate::model::{AppError, Permission, Role, ShellView};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::{use_location, use_params_map},
};

pub fn use_slug() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("slug").unwrap_or_default())
}

#[component]
pub fn WorkspaceLayout() -> impl IntoView {
    let slug = use_slug();
    let version = expect_context::<ShellVersion>().0;
    let shell = Resource::new(
        move || (slug.get(), version.get()),
        |(slug, _)| workspace_shell(slug),
    );
    let location = use_location();
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match shell.await {
                    Ok(view) => view! { <Frame shell=view /> }.into_any(),
                    Err(AppError::Unauthenticated) => {
                        let next = urlencode(&location.pathname.get_untracked());
                        view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
                    }
                    Err(e) => view! { <main class="centered-page"><ErrorPage error=e /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(shell: ShellView) -> impl IntoView {
    let accent = shell
        .current
        .primary_color
        .clone()
        .map(|c| format!("--accent:{c}"))
        .unwrap_or_default();
    let base = format!("/w/{}", shell.current.slug);
    provide_context(shell.clone());
    let can_usage = shell.can(Permission::ViewUsage);
    let can_settings = shell.can(Permission::EditSettings);
    let can_post = shell.can(Permission::EditPosts);
    let pending = shell.pending_approvals;
    view! {
        <div class="app" style=accent data-workspace=shell.current.slug.clone()>
            <aside class="sidebar">
                <Switcher shell=shell.clone() />
                <a class="nav-secondary all-clients" href="/agency">
                    <span class="nav-icon" aria-hidden="true">"⌂"</span>"All clients"
                </a>
                <nav class="nav" aria-label="Workspace">
                    <A href=base.clone() exact=true>
                        <span class="nav-icon" aria-hidden="true">"▦"</span>"Calendar"
                    </A>
                    <A href=format!("{base}/overview")>
                        <span class="nav-icon" aria-hidden="true">"◧"</span>"Overview"
                    </A>
                    {can_post.then(|| view! {
                        <A href=format!("{base}/posts/new")>
                            <span class="nav-icon" aria-hidden="true">"✎"</span>"New post"
                        </A>
                    })}
                    <A href=format!("{base}/approvals")>
                        <span class="nav-icon" aria-hidden="true">"✓"</span>"Approvals"
                        {(pending > 0).then(|| view! {
                            <span class="nav-count" aria-label=format!("{pending} waiting")>{pending}</span>
                        })}
                    </A>
                    <A href=format!("{base}/accounts")>
                        <span class="nav-icon" aria-hidden="true">"◎"</span>"Accounts"
                    </A>
                    <A href=format!("{base}/media")>
                        <span class="nav-icon" aria-hidden="true">"▣"</span>"Media"
                    </A>
                    <A href=format!("{base}/labels")>
                        <span class="nav-icon" aria-hidden="true">"◆"</span>"Labels"
                    </A>
                    {can_usage.then(|| view! {
                        <A href=format!("{base}/usage")>
                            <span class="nav-icon" aria-hidden="true">"◔"</span>"Usage"
                        </A>
                    })}
                    {can_usage.then(|| view! {
                        <A href=format!("{base}/activity")>
                            <span class="nav-icon" aria-hidden="true">"≋"</span>"Activity"
                        </A>
                    })}
                    {can_settings.then(|| view! {
                        <A href=format!("{base}/settings")>
                            <span class="nav-icon" aria-hidden="true">"⚙"</span>"Settings"
                        </A>
                    })}
                </nav>
                <div class="sidebar-foot">
                    <a class="nav-secondary" href="/workspaces/new">"+ New workspace"</a>
                </div>
            </aside>
            <div class="main">
                <header class="topbar">
                    <div class="crumbs">
                        <span class="crumb-ws">{shell.current.name.clone()}</span>
                        <span class="badge role-badge">{shell.current.role.label()}</span>
                    </div>
                    <UserMenu shell=shell.clone() />
                </header>
                <main class="content">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

#[component]
fn Switcher(shell: ShellView) -> impl IntoView {
    let current = shell.current.clone();
    // The menu must close once a workspace is chosen: client-side navigation
    // keeps this element.
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move |_| {
        if let Some(details) = menu.get() {
            details.set_open(false);
        }
    };
    view! {
        <details class="switcher" node_ref=menu>
            <summary aria-label="Switch workspace">
                <WorkspaceAvatar initials=current.initials.clone() logo_url=current.logo_url.clone() color=current.primary_color.clone() />
                <span class="switcher-text">
                    <span class="switcher-name">{current.name.clone()}</span>
                    <span class="switcher-role">{current.role.label()}</span>
                </span>
                <span class="chevron" aria-hidden="true">"▾"</span>
            </summary>
            <div class="switcher-menu" role="menu">
                <p class="menu-label">"Your workspaces"</p>
                {shell.workspaces.iter().map(|w| {
                    let active = w.id == current.id;
                    view! {
                        <a class="switcher-item" class:active=active role="menuitem" on:click=close
                           href=format!("/w/{}", w.slug) aria-current=active.then_some("true")>
                            <WorkspaceAvatar initials=w.initials.clone() logo_url=w.logo_url.clone() color=w.primary_color.clone() size="sm" />
                            <span class="switcher-item-name">{w.name.clone()}</span>
                            <span class="badge">{w.role.label()}</span>
                        </a>
                    }
                }).collect_view()}
                {(shell.workspaces_total > shell.workspaces.len() as i64).then(|| view! {
                    <a class="switcher-item more" href="/agency" role="menuitem" on:click=close>
                        {format!("All {} workspaces…", shell.workspaces_total)}
                    </a>
                })}
                <a class="switcher-item new" href="/workspaces/new" role="menuitem" on:click=close>"+ Create workspace"</a>
            </div>
        </details>
    }
}

#[component]
fn UserMenu(shell: ShellView) -> impl IntoView {
    // Plain forms, not `ActionForm`: both end on another page (the login, or
    // wherever `/` sends you), so a full page load is the right outcome with
    // or without the wasm — and the main wasm module carries no form-to-
    // arguments decoder (serde_qs) for them. A refusal to leave comes back as
    // the flash of the page the form was on; the menu then opens on it.
    let leave_error = landed_error::<LeaveWorkspace>();
    let open = leave_error.is_some();
    // The owner cannot leave (ownership must be transferred first).
    let can_leave = shell.current.role != Role::Owner;
    let (slug, ws_name) = (shell.current.slug.clone(), shell.current.name.clone());
    view! {
        <details class="user-menu" open=open>
            <summary aria-label="Account">
                <span class="user-avatar">{shell.user.initials.clone()}</span>
                <span class="user-name">{shell.user.name.clone()}</span>
            </summary>
            <div class="user-menu-panel">
                <p class="user-email">{shell.user.email.clone()}</p>
                <form method="post" action=LogOut::PATH>
                    <button type="submit" class="button ghost wide">"Log out"</button>
                </form>
                {can_leave.then(|| view! {
                    <details class="leave" open=open>
                        <summary>"Leave this workspace…"</summary>
                        <p class="small muted">{format!("You will lose access to {ws_name} at once. Someone must invite you again to come back.")}</p>
                        <form method="post" action=LeaveWorkspace::PATH>
                            <input type="hidden" name="slug" value=slug.clone() />
                            <button type="submit" class="button danger wide">{format!("Leave {ws_name}")}</button>
                        </form>
                    </details>
                })}
                {leave_error.map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
            </div>
        </details>
    }
}
