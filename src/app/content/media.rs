//! The media library: upload (a plain multipart form, so it works without
//! JavaScript), browse, delete. Files are served only to members.
use crate::api::content::{media_library, DeleteMedia};
use crate::app::components::{form_error, loading, EmptyState, ErrorPage, FormAlert};
use crate::app::workspaces::use_slug;
use crate::model::MediaView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn notice(q: &leptos_router::params::ParamsMap) -> Option<(&'static str, &'static str)> {
    if q.get("uploaded").is_some() {
        return Some((
            "alert-ok",
            "Uploaded. Attach it to a post from the composer.",
        ));
    }
    q.get("error").map(|e| {
        let text = match e.as_str() {
            "type" => "Postroom accepts JPEG, PNG, WebP and GIF images and MP4, MOV and WebM videos; that file is none of them.",
            "size" => "That file is too large: images are at most 10 MB and videos at most 100 MB.",
            "empty" => "Choose a file to upload.",
            "unreadable" => "The file could not be read; it may be damaged.",
            _ => "The upload failed. Please try again.",
        };
        ("alert-error", text)
    })
}

#[component]
pub fn MediaPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let delete = ServerAction::<DeleteMedia>::new();
    let data = Resource::new(
        move || {
            (
                slug.get(),
                delete.version().get(),
                query.with(|q| q.get("uploaded")),
            )
        },
        |(s, _, _)| media_library(s),
    );
    view! {
        <Title text="Media library" />
        <div class="page-head">
            <div>
                <p class="eyebrow">"Publishing"</p>
                <h1>"Media library"</h1>
            </div>
        </div>
        {move || query.with(notice).map(|(class, text)| view! { <div class=format!("alert {class}") role="status">{text}</div> })}
        <FormAlert message=Signal::derive(form_error(delete.value())) />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(lib) => view! { <Library lib delete slug=slug.get_untracked() /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Library(
    lib: crate::model::MediaLibraryView,
    delete: ServerAction<DeleteMedia>,
    slug: String,
) -> impl IntoView {
    let can_edit = lib.can_edit;
    let upload_slug = slug.clone();
    view! {
        {can_edit.then(move || view! {
            <section class="card section">
                <h2>"Upload"</h2>
                <form class="upload-form" method="post" enctype="multipart/form-data" action=format!("/w/{upload_slug}/media")>
                    <label for="media-file">"Image or video"</label>
                    <input id="media-file" name="file" type="file" required
                        accept="image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm" />
                    <p class="hint">"JPEG, PNG, WebP or GIF up to 10 MB; MP4, MOV or WebM up to 100 MB. Photos lose their hidden metadata (such as GPS positions) on upload."</p>
                    <div class="form-actions"><button type="submit" class="button primary">"Upload"</button></div>
                </form>
            </section>
        })}
        <section class="card section">
            <h2>"Files"</h2>
            {if lib.items.is_empty() {
                view! { <EmptyState title="No files yet" body="Upload images and short videos here, then attach them in the composer." /> }.into_any()
            } else {
                view! {
                    <ul class="media-grid">
                        {lib.items.into_iter().map(|m| view! { <MediaTile item=m can_edit delete slug=slug.clone() /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn MediaTile(
    item: MediaView,
    can_edit: bool,
    delete: ServerAction<DeleteMedia>,
    slug: String,
) -> impl IntoView {
    let dims = match (item.width, item.height) {
        (Some(w), Some(h)) => format!(" · {w}×{h}"),
        _ => String::new(),
    };
    let meta = format!("{}{}", item.size_label(), dims);
    let id = item.id.to_string();
    let tile_id = id.clone();
    let name = item.name.clone();
    view! {
        <li class="media-tile" data-media=tile_id>
            <a href=item.url.clone() class="media-thumb" rel="external">
                {match item.thumb_url.clone() {
                    Some(t) => view! { <img src=t alt=item.name.clone() loading="lazy" /> }.into_any(),
                    None => view! { <span class="media-video" aria-label="Video">"▶"</span> }.into_any(),
                }}
            </a>
            <p class="media-name" title=item.name.clone()>{item.name.clone()}</p>
            <p class="muted small">{meta}</p>
            {can_edit.then(move || view! {
                <ActionForm action=delete attr:class="inline-form">
                    <input type="hidden" name="slug" value=slug />
                    <input type="hidden" name="media_id" value=id />
                    <button type="submit" class="button ghost small" aria-label=format!("Delete {name}")>"Delete"</button>
                </ActionForm>
            })}
        </li>
    }
}
