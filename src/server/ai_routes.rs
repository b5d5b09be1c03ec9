//! `POST /w/{slug}/ai/draft` (form field `brief`): the composer's "Draft
//! with AI", streamed. Refusals (not signed in, not an editor here, a bad
//! brief, no endpoint set up, no credits left) answer before anything is
//! spent, with their status and `{"error": message, "detail": AppError}`.
//! Otherwise the answer is `text/event-stream`: `{"text": piece}` events as
//! the model writes, then one `{"done": true, "credits": n, "stopped": b}`
//! or `{"error": message}`. Closing the connection stops the model; the
//! credits for what it wrote so far are settled all the same.
//!
//! Without JavaScript the same form posts to the `DraftWithAi` server
//! function, which answers the whole draft (post/redirect/get).
use crate::model::AppError;
use crate::server::auth::SessionUser;
use crate::server::error::status_of;
use crate::server::services::ai_drafts;
use crate::server::state::AppState;
use axum::{
    extract::{Path, State},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Extension, Form, Json,
};
use serde::Deserialize;
use std::convert::Infallible;

#[derive(Deserialize)]
pub struct BriefForm {
    #[serde(default)]
    brief: String,
}

fn refusal(e: AppError) -> Response {
    let mut res = (
        status_of(&e),
        Json(serde_json::json!({ "error": e.to_string(), "detail": &e })),
    )
        .into_response();
    crate::server::error::set_retry_after(res.headers_mut(), &e);
    res
}

fn event(data: serde_json::Value) -> Event {
    Event::default().data(data.to_string())
}

pub async fn draft(
    State(state): State<AppState>,
    Extension(user): Extension<Option<SessionUser>>,
    Path(slug): Path<String>,
    Form(form): Form<BriefForm>,
) -> Response {
    let Some(user) = user else {
        return refusal(AppError::Unauthenticated);
    };
    let principal = user.principal();
    let started = match ai_drafts::begin(&state, &principal, &slug, &form.brief).await {
        Ok(s) => s,
        Err(e) => return refusal(e),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    // The model writes in a task of its own, so the reservation is settled
    // even when the browser goes away (the stream below is then dropped, the
    // next send fails, and the request to the endpoint is dropped).
    tokio::spawn(async move {
        let pieces = tx.clone();
        let outcome = started
            .client
            .complete(&started.messages, |piece| {
                pieces
                    .send(event(serde_json::json!({ "text": piece })))
                    .is_ok()
            })
            .await;
        let last = match ai_drafts::finish(&state, &started, outcome).await {
            Ok(d) => {
                serde_json::json!({ "done": true, "credits": d.credits, "stopped": d.stopped })
            }
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        let _ = tx.send(event(last));
    });
    let stream = futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx).map(|e| e.map(Ok::<_, Infallible>))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
