//! `/agency/report.csv`: the agency dashboard's report (posts published per week per
//! workspace, and posts by status) as a download, read in the person's `AgencyTx`.
use crate::server::auth::SessionUser;
use crate::server::services::agency;
use crate::server::state::AppState;
use crate::server::tenancy;
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};

pub async fn report_csv(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
) -> Response {
    let Some(user) = user else {
        return Redirect::to("/login?next=/agency").into_response();
    };
    let built = async {
        let mut tx = tenancy::begin_agency(&state.pool, &user.principal()).await?;
        let report = agency::report(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, crate::model::AppError>(agency::report_csv(&report))
    }
    .await;
    match built {
        Ok(csv) => {
            let name = format!(
                "attachment; filename=\"postroom-report-{}.csv\"",
                chrono::Utc::now().format("%Y-%m-%d")
            );
            let mut res = (StatusCode::OK, csv).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            res
        }
        Err(e) => {
            tracing::warn!(error = %e, "agency report");
            (crate::server::error::status_of(&e), e.to_string()).into_response()
        }
    }
}
