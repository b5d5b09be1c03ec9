//! A signed-in page view costs at most two database round-trip units: the
//! session lookup (one statement) and one transaction that authorizes and
//! loads everything the page shows. A page that goes over its budget fails
//! here, so later pages keep it.
use crate::common::TestApp;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::atomic::Ordering;
use std::time::Duration;

const BUDGET: u64 = 2;

/// Connections go back to the pool on a task of their own: wait until the
/// count stops moving.
async fn settled(app: &TestApp) -> u64 {
    let mut last = app.db_uses.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let now = app.db_uses.load(Ordering::SeqCst);
        if now == last {
            return now;
        }
        last = now;
    }
}

#[sqlx::test]
async fn every_signed_in_page_keeps_its_transaction_budget(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Acme").await;
    app.sign_up("Bob", "bob@example.test").await;
    app.add_member(&slug, "bob@example.test", "EDITOR").await;
    app.invite(&alice, &slug, "carol@example.test", "CLIENT")
        .await;
    let content = crate::content::seed_content(&app, &slug, "scheduled").await;
    let pages = [
        "/".to_string(),
        format!("/w/{slug}"),
        format!("/w/{slug}/activity"),
        format!("/w/{slug}/settings"),
        format!("/w/{slug}/settings/brand"),
        format!("/w/{slug}/settings/team"),
        format!("/w/{slug}/settings/publishing"),
        format!("/w/{slug}/calendar"),
        format!("/w/{slug}/calendar?view=week"),
        format!("/w/{slug}/posts"),
        format!("/w/{slug}/posts/new"),
        format!("/w/{slug}/posts/{}", content.post),
        format!("/w/{slug}/posts/{}/edit", content.post),
        format!("/w/{slug}/accounts"),
        format!("/w/{slug}/labels"),
        format!("/w/{slug}/media"),
        format!("/w/{slug}/approvals"),
        // The agency dashboard: its overview, feed and report share one transaction.
        "/agency".to_string(),
        format!("/agency?ws={slug}&kind=post&sort=name"),
    ];
    let mut report = Vec::new();
    for page in &pages {
        // `/` answers with a redirect; follow nothing, count the view itself.
        let before = settled(&app).await;
        let (status, body) = app.get(&alice, page).await;
        assert!(
            status == StatusCode::OK || status.is_redirection(),
            "{page}: {status} {body}"
        );
        let used = settled(&app).await - before;
        report.push(format!("{page}: {used}"));
        assert!(
            used <= BUDGET,
            "{page} used {used} database round trips (budget {BUDGET})"
        );
    }
    println!("transactions per view: {}", report.join(", "));
    // The shared transaction still remembers the last workspace opened.
    let last: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT last_workspace_id FROM users WHERE email = 'alice@example.test'",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(last, Some(app.workspace_id(&slug).await));
}
