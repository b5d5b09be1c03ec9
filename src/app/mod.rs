//! The user interface. Compiles for the server (rendering) and the browser
//! (hydration); it talks to the server only through `crate::api`.
mod activity;
mod auth;
mod components;
mod content;
mod invitations;
mod team;
mod workspaces;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

pub use components::NotFound;

/// Bumped after a change that the sidebar shows (name, colour, logo), so the
/// workspace layout reloads its data.
#[derive(Clone, Copy)]
pub struct ShellVersion(pub RwSignal<u32>);

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // Here, not in <App>: only the server knows the hashed name
                // (cargo-leptos' hash file), and the browser never re-renders it.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(ShellVersion(RwSignal::new(0)));
    // The outcome of a form posted without JavaScript (server::flash), for every action.
    components::flash::provide_form_flash();
    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="Postroom — social media for agencies, one isolated workspace per client." />
        <Title formatter=|text: String| if text.is_empty() { "Postroom".to_string() } else { format!("{text} · Postroom") } />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=workspaces::Home ssr=SsrMode::Async />
                <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=auth::SignupPage ssr=SsrMode::Async />
                <Route path=path!("/workspaces/new") view=workspaces::NewWorkspacePage ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view=invitations::InvitePage ssr=SsrMode::Async />
                <ParentRoute path=path!("/w/:slug") view=workspaces::WorkspaceLayout ssr=SsrMode::Async>
                    // The calendar is the workspace's home.
                    <Route path=path!("") view=content::CalendarPage ssr=SsrMode::Async />
                    <Route path=path!("overview") view=activity::Overview ssr=SsrMode::Async />
                    <Route path=path!("activity") view=activity::ActivityList ssr=SsrMode::Async />
                    <Route path=path!("calendar") view=content::CalendarPage ssr=SsrMode::Async />
                    <Route path=path!("posts/new") view=content::NewPostPage ssr=SsrMode::Async />
                    <Route path=path!("posts/:id") view=content::PostPage ssr=SsrMode::Async />
                    <Route path=path!("posts/:id/edit") view=content::EditPostPage ssr=SsrMode::Async />
                    <Route path=path!("accounts") view=content::AccountsPage ssr=SsrMode::Async />
                    <Route path=path!("labels") view=content::LabelsPage ssr=SsrMode::Async />
                    <Route path=path!("media") view=content::MediaPage ssr=SsrMode::Async />
                    <Route path=path!("usage") view=content::UsagePage ssr=SsrMode::Async />
                    <Route path=path!("approvals") view=content::ApprovalsPage ssr=SsrMode::Async />
                    <Route path=path!("settings/publishing") view=content::PublishingSettings ssr=SsrMode::Async />
                    <Route path=path!("settings") view=workspaces::GeneralSettings ssr=SsrMode::Async />
                    <Route path=path!("settings/brand") view=workspaces::BrandSettings ssr=SsrMode::Async />
                    <Route path=path!("settings/team") view=team::TeamSettings ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
