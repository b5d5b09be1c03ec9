//! Forms that work before the wasm loads, and better after.
//!
//! Without JavaScript a form posts itself; the server keeps the outcome in a
//! one-time flash (`server::flash`) and redirects back (post/redirect/get).
//! [`provide_form_flash`] (in `App`) hands that outcome to the page during
//! server rendering — and during hydration, through a `SharedValue` — and
//! [`use_form_action`] is `ServerAction::new()` that picks it up, so the page shows the success message, the one-time secret or the field
//! errors exactly as if the wasm had submitted the form; once hydrated, the
//! same action updates the page in place. [`typed`] gives back what the person
//! typed into a field of the failed form.
//!
//! Adopting it in a form:
//! ```ignore
//! let action = use_form_action::<CreateLabel>();          // was ServerAction::new()
//! view! { <ActionForm action> <input name="name" value=typed("name") /> … </ActionForm> }
//! ```
use crate::model::{flash::FormFlash, AppError};
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The fields typed into the form that failed (provided by `use_form_action`).
#[derive(Clone, Debug)]
struct TypedFields(Vec<(String, String)>);

/// The flash this page view landed with, as the server took it, and its error
/// encoded as `ServerActionError` wants it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Landed {
    flash: FormFlash,
    err: Option<String>,
}

#[derive(Clone, Debug)]
struct LandedCtx(FormFlash);

/// Called once, first thing in `App`: makes the flash this page view took
/// (if any) available to the whole page, on the server and — serialized into
/// the page — during hydration. A failure becomes the `ServerActionError`
/// that every `ServerAction` of that function starts with (what leptos does
/// with `?__err=` in the URL, without the URL), so even a form that has not
/// adopted `use_form_action` shows its errors.
pub fn provide_form_flash() {
    let landed = SharedValue::new(taken_on_server).into_inner();
    if let Some(Landed { flash, err }) = landed {
        if let Some(err) = err {
            provide_context(ServerActionError::new(&flash.path, &err));
        }
        provide_context(LandedCtx(flash));
    }
}

#[cfg(feature = "ssr")]
fn taken_on_server() -> Option<Landed> {
    use base64::{engine::general_purpose::URL_SAFE, Engine};
    let flash = use_context::<crate::server::flash::TakenFlash>()?.0?;
    let err = (!flash.ok).then(|| URL_SAFE.encode(flash.body.as_bytes()));
    Some(Landed { flash, err })
}

#[cfg(not(feature = "ssr"))]
fn taken_on_server() -> Option<Landed> {
    None
}

/// A `ServerAction` that starts with the outcome of the same form posted
/// without JavaScript, if this page view is where that post landed.
#[track_caller]
pub fn use_form_action<S>() -> ServerAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    // A failure is already in it (`provide_form_flash`).
    let action = ServerAction::<S>::new();
    if let Some(flash) = landed_for::<S>() {
        if flash.ok {
            if let Ok(output) = serde_json::from_str::<S::Output>(&flash.body) {
                action.value().set(Some(Ok(output)));
            }
        } else {
            provide_context(TypedFields(flash.fields));
        }
    }
    action
}

/// The refusal this page view landed with for a plain form (no
/// `ServerAction`) posting to `S` — one whose outcome is always a new page, so
/// the error can only arrive this way — or `None`.
pub fn landed_error<S: ServerFn>() -> Option<AppError> {
    landed_for::<S>()
        .filter(|f| !f.ok)
        .and_then(|f| serde_json::from_str(&f.body).ok())
}

/// The flash this page view landed with, if it is the outcome of `S`.
fn landed_for<S: ServerFn>() -> Option<FormFlash> {
    use_context::<LandedCtx>()
        .map(|l| l.0)
        .filter(|f| f.path == S::PATH)
}

/// What the person typed into `name` before the form came back with errors
/// (JavaScript off or not loaded yet); `None` otherwise.
pub fn typed(name: &str) -> Option<String> {
    use_context::<TypedFields>()
        .and_then(|t| t.0.into_iter().find(|(k, _)| k == name).map(|(_, v)| v))
}

/// False while the page is server-rendered HTML (no JavaScript, or the wasm
/// not loaded yet), true once hydrated: for controls that need script to make
/// sense (a confirmation step, a disabled-until-typed button).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set) = signal(false);
    Effect::new(move |_| set.set(true));
    hydrated
}
