//! "Draft with AI" in the composer: a short brief, and the configured model
//! writes the post from the workspace's brand profile. Once hydrated the
//! draft streams into the post text as it is written (`POST
//! /w/{slug}/ai/draft`, server-sent events) and can be stopped, or undone;
//! without JavaScript the form posts to the `DraftWithAi` server function and
//! the composer comes back with the whole draft in the post text.
use crate::api::content::DraftWithAi;
use crate::app::components::flash::typed;
use crate::app::components::{FieldMessage, FormAlert, PlanLimitAlert};
use crate::model::{AppError, AI_NOT_SET_UP};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AiDraftPanel(
    slug: String,
    ready: bool,
    /// The composer's post text, which the draft replaces.
    content: RwSignal<String>,
    /// The `DraftWithAi` action, holding the outcome of a form posted
    /// without JavaScript (`use_form_action`).
    landed: ServerAction<DraftWithAi>,
) -> impl IntoView {
    let landed_value = landed.value().get_untracked();
    let error = RwSignal::new(landed_value.clone().and_then(|r| r.err()));
    let status = RwSignal::new(
        landed_value
            .and_then(|r| r.ok())
            .map(|d| credits_note(d.credits, d.stopped)),
    );
    let open = error.get_untracked().is_some() || status.get_untracked().is_some();
    let brief = RwSignal::new(typed("brief").unwrap_or_default());
    let drafting = RwSignal::new(false);
    // The text before the last draft, for "Undo".
    let before = RwSignal::new(None::<String>);
    // The running draft's fetch, for "Stop" (browser only: a thread-local
    // value must not be made during server rendering, which may end on
    // another thread).
    #[cfg(feature = "hydrate")]
    let stop = StoredValue::new_local(None::<web_sys::AbortController>);
    let brief_error =
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.message_for("brief"))));
    let plan_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| matches!(e, AppError::PlanLimit { .. }))
    });
    let other_error = Signal::derive(move || {
        error.with(|e| match e {
            Some(AppError::PlanLimit { .. }) | None => None,
            Some(e) if e.message_for("brief").is_some() => None,
            Some(e) => Some(e.to_string()),
        })
    });
    let usage_href = format!("/w/{slug}/usage");
    let stream_url = format!("/w/{slug}/ai/draft");

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if drafting.get_untracked() {
                return;
            }
            let url = stream_url.clone();
            let text = brief.get_untracked();
            error.set(None);
            status.set(Some("Drafting…".into()));
            drafting.set(true);
            let controller = web_sys::AbortController::new().ok();
            let signal = controller.as_ref().map(|c| c.signal());
            stop.set_value(controller);
            let previous = content.get_untracked();
            let mut started = false;
            leptos::task::spawn_local(async move {
                let result = stream::run(&url, &text, signal.as_ref(), |piece| {
                    if let Some(t) = piece.text {
                        if !started {
                            started = true;
                            before.set(Some(previous.clone()));
                            content.set(String::new());
                        }
                        content.update(|c| c.push_str(&t));
                    }
                    if let Some(e) = piece.error {
                        error.set(Some(AppError::Unavailable(e)));
                        status.set(None);
                    }
                    if piece.done == Some(true) {
                        content.update(|c| *c = c.trim().to_string());
                        status.set(Some(credits_note(
                            piece.credits.unwrap_or(0),
                            piece.stopped.unwrap_or(false),
                        )));
                    }
                })
                .await;
                match result {
                    Ok(()) => {}
                    Err(stream::Failure::Stopped) => status.set(Some(
                        "Stopped. What was written so far is in the post.".into(),
                    )),
                    Err(stream::Failure::Refused(e)) => {
                        error.set(Some(e));
                        status.set(None);
                    }
                }
                stop.set_value(None);
                drafting.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &stream_url);
    };
    let on_stop = move |_| {
        #[cfg(feature = "hydrate")]
        stop.with_value(|c| {
            if let Some(c) = c {
                c.abort();
            }
        });
    };
    let on_undo = move |_| {
        if let Some(text) = before.get_untracked() {
            content.set(text);
            before.set(None);
            status.set(Some("Draft undone.".into()));
        }
    };

    view! {
        <details class="ai-draft card" open=open>
            <summary>"Draft with AI"</summary>
            {if !ready {
                view! { <p class="hint ai-off">{AI_NOT_SET_UP}</p> }.into_any()
            } else {
                view! {
                    <form method="post" action=DraftWithAi::url() class="ai-form" on:submit=on_submit novalidate="">
                        <input type="hidden" name="slug" value=slug.clone() />
                        <label for="ai-brief">"What is the post about?"</label>
                        <textarea id="ai-brief" name="brief" rows="2" maxlength="1000"
                            placeholder="e.g. Our spring menu launches on Friday: invite people to book a table"
                            aria-describedby="ai-brief-error ai-hint"
                            prop:value=move || brief.get()
                            on:input=move |ev| brief.set(event_target_value(&ev))>{brief.get_untracked()}</textarea>
                        <FieldMessage id="ai-brief-error" message=brief_error />
                        <PlanLimitAlert error=plan_error usage_href=usage_href.clone() />
                        <FormAlert message=other_error />
                        <div class="form-actions">
                            <button type="submit" class="button" disabled=move || drafting.get()>
                                {move || if drafting.get() { "Drafting…" } else { "Draft" }}
                            </button>
                            <Show when=move || drafting.get()>
                                <button type="button" class="button" on:click=on_stop>"Stop"</button>
                            </Show>
                            <Show when=move || before.with(|b| b.is_some()) && !drafting.get()>
                                <button type="button" class="button link" on:click=on_undo>"Undo"</button>
                            </Show>
                            <span class="muted small ai-status" role="status" aria-live="polite">{move || status.get()}</span>
                        </div>
                        <p id="ai-hint" class="hint">
                            "The draft replaces the post text and follows the brand profile (tone, voice notes, language). "
                            "Each draft spends AI credits: one per thousand tokens, at least one."
                        </p>
                    </form>
                }.into_any()
            }}
        </details>
    }
}

fn credits_note(credits: i32, stopped: bool) -> String {
    let spent = if credits == 1 {
        "1 credit".to_string()
    } else {
        format!("{credits} credits")
    };
    if stopped {
        format!("Stopped · {spent} spent.")
    } else {
        format!("Drafted · {spent} spent. Edit it as you like before saving.")
    }
}

/// Reads the draft's event stream with `fetch` (an `EventSource` cannot post).
#[cfg(feature = "hydrate")]
mod stream {
    use crate::model::AppError;
    use serde::Deserialize;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// One event of the stream.
    #[derive(Deserialize, Default)]
    pub struct Piece {
        pub text: Option<String>,
        pub done: Option<bool>,
        pub credits: Option<i32>,
        pub stopped: Option<bool>,
        pub error: Option<String>,
    }

    #[derive(Deserialize)]
    struct Refusal {
        error: String,
        detail: Option<AppError>,
    }

    pub enum Failure {
        /// The person pressed "Stop".
        Stopped,
        Refused(AppError),
    }

    fn lost(_: JsValue) -> Failure {
        Failure::Refused(AppError::Transport(
            "the connection was lost while drafting.".into(),
        ))
    }

    pub async fn run(
        url: &str,
        brief: &str,
        signal: Option<&web_sys::AbortSignal>,
        mut on: impl FnMut(Piece),
    ) -> Result<(), Failure> {
        let window = web_sys::window().ok_or_else(|| lost(JsValue::NULL))?;
        let params = web_sys::UrlSearchParams::new().map_err(lost)?;
        params.append("brief", brief);
        let headers = web_sys::Headers::new().map_err(lost)?;
        headers.set("Accept", "text/event-stream").map_err(lost)?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&params);
        init.set_headers(&headers);
        init.set_signal(signal);
        let aborted = || signal.is_some_and(|s| s.aborted());
        let res: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(lost)?
            .unchecked_into();
        if !res.ok() {
            let text = JsFuture::from(res.text().map_err(lost)?)
                .await
                .map_err(lost)?
                .as_string()
                .unwrap_or_default();
            let e = match serde_json::from_str::<Refusal>(&text) {
                Ok(r) => r.detail.unwrap_or(AppError::Unavailable(r.error)),
                Err(_) => AppError::Transport(format!("the server answered {}.", res.status())),
            };
            return Err(Failure::Refused(e));
        }
        let body = res.body().ok_or_else(|| lost(JsValue::NULL))?;
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let chunk = match JsFuture::from(reader.read()).await {
                Ok(c) => c,
                Err(e) if aborted() => {
                    let _ = e;
                    return Err(Failure::Stopped);
                }
                Err(e) => return Err(lost(e)),
            };
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            if done {
                return Ok(());
            }
            let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(lost)?;
            buf.extend_from_slice(&js_sys::Uint8Array::new(&value).to_vec());
            // Events end with a blank line.
            while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = buf.drain(..end + 2).collect();
                let block = String::from_utf8_lossy(&block);
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                if data.is_empty() {
                    continue;
                }
                if let Ok(piece) = serde_json::from_str::<Piece>(&data.join("\n")) {
                    on(piece);
                }
            }
        }
    }
}
