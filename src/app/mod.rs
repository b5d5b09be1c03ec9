//! The user interface. Compiles for the server (rendering) and the browser
//! (hydration); it talks to the server only through `crate::api`.
mod activity;
mod agency;
mod auth;
mod components;
mod content;
mod invitations;
mod team;
mod workspaces;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
};

pub use components::NotFound;

/// A page whose code the browser fetches when the page is first visited:
/// its own wasm chunk (`cargo leptos build --split`), so the first load
/// carries only the workspace shell and the calendar (the home after log-in).
macro_rules! lazy_page {
    ($route:ident => $($page:ident)::+) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            fn view(_this: Self) -> AnyView {
                view! { <$($page)::+ /> }.into_any()
            }
        }
    };
}

lazy_page!(HomeRoute => workspaces::Home);
lazy_page!(AgencyRoute => agency::AgencyPage);
lazy_page!(LoginRoute => auth::LoginPage);
lazy_page!(SignupRoute => auth::SignupPage);
lazy_page!(NewWorkspaceRoute => workspaces::NewWorkspacePage);
lazy_page!(InviteRoute => invitations::InvitePage);
lazy_page!(OverviewRoute => activity::Overview);
lazy_page!(ActivityRoute => activity::ActivityList);
lazy_page!(PostsRoute => content::PostsPage);
lazy_page!(NewPostRoute => content::NewPostPage);
lazy_page!(PostRoute => content::PostPage);
lazy_page!(EditPostRoute => content::EditPostPage);
lazy_page!(AccountsRoute => content::AccountsPage);
lazy_page!(LabelsRoute => content::LabelsPage);
lazy_page!(MediaRoute => content::MediaPage);
lazy_page!(UsageRoute => content::UsagePage);
lazy_page!(ApprovalsRoute => content::ApprovalsPage);
lazy_page!(PublishingRoute => content::PublishingSettings);
lazy_page!(SettingsRoute => workspaces::GeneralSettings);
lazy_page!(BrandRoute => workspaces::BrandSettings);
lazy_page!(TeamRoute => team::TeamSettings);

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
                // Static tags here rather than leptos_meta's in <App>: the same on
                // every page, and then none of their code is in the wasm.
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <meta name="description" content="Postroom — social media for agencies, one isolated workspace per client." />
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
        <Title formatter=|text: String| if text.is_empty() { "Postroom".to_string() } else { format!("{text} · Postroom") } />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/agency") view={Lazy::<AgencyRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/workspaces/new") view={Lazy::<NewWorkspaceRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async />
                <ParentRoute path=path!("/w/:slug") view=workspaces::WorkspaceLayout ssr=SsrMode::Async>
                    // The calendar is the workspace's home.
                    <Route path=path!("") view=content::CalendarPage ssr=SsrMode::Async />
                    <Route path=path!("overview") view={Lazy::<OverviewRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("activity") view={Lazy::<ActivityRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("calendar") view=content::CalendarPage ssr=SsrMode::Async />
                    <Route path=path!("posts") view={Lazy::<PostsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("posts/new") view={Lazy::<NewPostRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("posts/:id") view={Lazy::<PostRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("posts/:id/edit") view={Lazy::<EditPostRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("accounts") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("labels") view={Lazy::<LabelsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("media") view={Lazy::<MediaRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("usage") view={Lazy::<UsageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("approvals") view={Lazy::<ApprovalsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/publishing") view={Lazy::<PublishingRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/brand") view={Lazy::<BrandRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("settings/team") view={Lazy::<TeamRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
