//! Agency dashboard server functions: each opens an `AgencyTx` (the session, across every
//! workspace the person belongs to), calls `services::agency` and returns a view.
use crate::model::agency::{AgencyView, FeedPage, ReportView};
use crate::model::{AppError, WorkspaceSummary};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::model::agency::CardSort;
    pub use crate::model::AppError;
    pub use crate::server::{
        auth,
        services::agency,
        state::app_state,
        tenancy::{agency_in_request, AgencyWork, RequestTx},
    };

    /// The signed-in person's agency transaction: the page view's shared one, or its own.
    pub async fn agency_tx() -> Result<
        (
            crate::server::state::AppState,
            auth::SessionUser,
            AgencyWork,
        ),
        AppError,
    > {
        let state = app_state()?;
        let user = auth::require_user()?;
        let request = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestTx>().cloned());
        let tx = agency_in_request(request.as_ref(), &state.pool, &auth::principal(&user)).await?;
        Ok((state, user, tx))
    }
}

/// Needs you, the client cards (filtered by `q`, sorted by `sort`, page `page`) and usage.
#[server(output = crate::model::codec::Json)]
pub async fn agency_overview(
    q: String,
    sort: String,
    page: u32,
    all_needs: bool,
) -> Result<AgencyView, AppError> {
    use ssr::*;
    let (state, user, mut tx) = agency_tx().await?;
    let mut view = agency::overview(
        tx.tx(),
        state.config.billing_mode,
        agency::OverviewQuery {
            text: &q,
            sort: CardSort::parse(&sort),
            page: page.max(1) as usize,
            all_needs,
            last: user.last_workspace_id,
        },
    )
    .await?;
    tx.commit().await?;
    view.user_initials = crate::model::initials(&user.name);
    view.user_name = user.name;
    view.user_email = user.email;
    Ok(view)
}

/// The activity feed across workspaces: `workspace` (a slug) and `kind` filter when not
/// empty; `before` is the cursor of the "older" link.
#[server(output = crate::model::codec::Json)]
pub async fn agency_feed(
    workspace: String,
    kind: String,
    before: Option<i64>,
) -> Result<FeedPage, AppError> {
    use ssr::*;
    let (state, _, mut tx) = agency_tx().await?;
    let slug = Some(workspace.trim()).filter(|s| !s.is_empty());
    let kind = Some(kind.trim()).filter(|s| !s.is_empty());
    let checked = state.forge_authorization.is_none();
    let feed = agency::feed(tx.tx(), slug, kind, before, checked).await?;
    tx.commit().await?;
    Ok(feed)
}

#[server(output = crate::model::codec::Json)]
pub async fn agency_report() -> Result<ReportView, AppError> {
    use ssr::*;
    let (_, _, mut tx) = agency_tx().await?;
    let report = agency::report(tx.tx()).await?;
    tx.commit().await?;
    Ok(report.trimmed())
}

/// The quick finder: the person's workspaces whose name or slug contains `q` (at most 8).
#[server(output = crate::model::codec::Json)]
pub async fn find_workspaces(q: String) -> Result<Vec<WorkspaceSummary>, AppError> {
    use ssr::*;
    let (_, user, mut tx) = agency_tx().await?;
    let found =
        crate::server::services::workspaces::find_for_user(tx.tx().conn(), user.id, &q, 8).await?;
    tx.commit().await?;
    Ok(found)
}
