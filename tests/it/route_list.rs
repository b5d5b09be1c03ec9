//! Starting an app never stalls another app's page views in the same process.
//!
//! Leptos generates the route list by running the app with resource loading
//! suppressed through a process-wide flag; a page whose resources first poll
//! while it is set never finishes. The route list is therefore made once per
//! process (`app::route_list`). Here one thread keeps asking for it (as every
//! app start does) while signed-in pages render: each must complete.
use crate::common::TestApp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn the_route_list_is_made_once_per_process() {
    let a = postroom::server::app::route_list();
    let b = postroom::server::app::route_list();
    assert!(Arc::ptr_eq(&a, &b), "the route list was generated twice");
    assert!(a
        .iter()
        .any(|r| r.path() == "/w/:slug" || r.path() == "/w/{slug}"));
}

#[sqlx::test]
async fn pages_render_while_other_apps_start(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, slug) = app.sign_up("Alice", "alice@example.test").await;
    let stop = Arc::new(AtomicBool::new(false));
    let starter = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut starts = 0u32;
            while !stop.load(Ordering::Relaxed) {
                drop(postroom::server::app::route_list());
                starts += 1;
            }
            starts
        })
    };
    for view in 0..40 {
        let res = tokio::time::timeout(
            Duration::from_secs(15),
            alice
                .get(format!("{}/w/{slug}", app.base))
                .header("accept", "text/html")
                .send(),
        )
        .await
        .unwrap_or_else(|_| panic!("page view {view} never finished while apps were starting"))
        .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("Calendar"));
    }
    stop.store(true, Ordering::Relaxed);
    assert!(starter.join().unwrap() > 0);
}
