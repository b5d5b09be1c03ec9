//! The quick workspace finder. Without JavaScript it is a search form that filters the
//! dashboard's client cards; with it, typing lists matching workspaces (arrow keys and
//! Enter open one), and Ctrl-K or Cmd-K anywhere on the page jumps to it.
use crate::api::agency::find_workspaces;
use crate::app::components::WorkspaceAvatar;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Finder(#[prop(into)] value: String) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let text = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let open = RwSignal::new(false);
    // Filled as the person types (never during server rendering: there is no query yet).
    let found = RwSignal::new(Vec::<crate::model::WorkspaceSummary>::new());
    let search = move |q: String| {
        if q.trim().is_empty() {
            found.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(list) = find_workspaces(q.clone()).await {
                // Only the answer to what the box holds now.
                if text.get_untracked() == q {
                    found.set(list);
                    active.set(0);
                }
            }
        });
    };
    let matches = move || found.get();
    // Ctrl-K / Cmd-K from anywhere on the page.
    let handle = window_event_listener(leptos::ev::keydown, move |e| {
        if (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("k") {
            e.prevent_default();
            if let Some(el) = input.get() {
                let _ = el.focus();
                el.select();
            }
        }
    });
    on_cleanup(move || handle.remove());
    let navigate = use_navigate();
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        let list = matches();
        match e.key().as_str() {
            "ArrowDown" if !list.is_empty() => {
                e.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1).min(list.len() - 1));
            }
            "ArrowUp" if !list.is_empty() => {
                e.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if open.get() && !list.is_empty() => {
                e.prevent_default();
                if let Some(w) = list.get(active.get().min(list.len() - 1)) {
                    open.set(false);
                    navigate(&format!("/w/{}", w.slug), Default::default());
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let expanded = move || open.get() && !matches().is_empty();
    view! {
        <form class="finder" method="get" action="/agency" role="search" aria-label="Find a workspace">
            <label for="finder-q" class="sr-only">"Find a workspace"</label>
            <input id="finder-q" node_ref=input name="q" type="search" autocomplete="off"
                placeholder="Find a workspace…" value=value
                aria-keyshortcuts="Control+K Meta+K"
                role="combobox" aria-autocomplete="list" aria-controls="finder-list"
                aria-expanded=move || expanded().to_string()
                aria-activedescendant=move || expanded().then(|| format!("finder-opt-{}", active.get()))
                on:input=move |e| {
                    let q = event_target_value(&e);
                    text.set(q.clone());
                    open.set(true);
                    search(q);
                }
                on:keydown=on_key
                on:blur=move |_| {
                    // Let a click on an option land first.
                    set_timeout(move || open.set(false), std::time::Duration::from_millis(150));
                } />
            <kbd class="finder-kbd" aria-hidden="true">"Ctrl K"</kbd>
            <button type="submit" class="button">"Find"</button>
            <ul id="finder-list" class="finder-list" role="listbox" aria-label="Matching workspaces" hidden=move || !expanded()>
                {move || matches().into_iter().enumerate().map(|(i, w)| {
                    let selected = move || active.get() == i;
                    view! {
                        <li id=format!("finder-opt-{i}") role="option" aria-selected=move || selected().to_string()
                            class:active=selected>
                            <a href=format!("/w/{}", w.slug) tabindex="-1">
                                <WorkspaceAvatar initials=w.initials.clone() logo_url=w.logo_url.clone() color=w.primary_color.clone() size="sm" />
                                <span>{w.name.clone()}</span>
                                <span class="badge">{w.role.label()}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </form>
    }
}
