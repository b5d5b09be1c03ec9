//! Security headers on every response, and the per-response CSP nonce.
//!
//! The policy allows scripts only from this origin or carrying the nonce:
//! the hydration loader and the resource data that SSR inlines are the only
//! inline scripts, and Leptos puts `nonce=` on both when a `Nonce` is in the
//! render context. The nonce is minted here for every request, travels in
//! the request extensions, is provided to the render by `provide_nonce`
//! (called from the page handlers' context closures), and the header written
//! here carries the same value. Styles keep `'unsafe-inline'`: the UI sets
//! `style` attributes (workspace accent colours), which nonces cannot cover.
use crate::server::state::AppState;
use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use leptos::nonce::Nonce;
use std::sync::Arc;

/// The parts of the policy around the nonce, computed once.
#[derive(Clone)]
pub struct Policy {
    csp_head: String,
    csp_tail: String,
    hsts: bool,
}

impl Policy {
    pub fn new(state: &AppState) -> Arc<Policy> {
        // cargo-leptos' AutoReload (debug builds under `cargo leptos watch`,
        // which sets LEPTOS_WATCH) opens a websocket to the reload port.
        let watching = cfg!(debug_assertions) && std::env::var_os("LEPTOS_WATCH").is_some();
        let opts = &state.leptos_options;
        let reload_port = watching.then(|| opts.reload_external_port.unwrap_or(opts.reload_port));
        Arc::new(Policy::build(&state.config.public_url, reload_port))
    }

    fn build(public_url: &str, reload_port: Option<u32>) -> Policy {
        let public = url::Url::parse(public_url).ok();
        let mut connect = String::from("'self'");
        if let Some(port) = reload_port {
            // The reload script connects to the page's own host name.
            let public_host = public
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string));
            for host in public_host
                .iter()
                .map(String::as_str)
                .chain(["127.0.0.1", "localhost"])
            {
                connect.push_str(&format!(" ws://{host}:{port} wss://{host}:{port}"));
            }
        }
        Policy {
            csp_head: "default-src 'self'; script-src 'self' 'nonce-".into(),
            csp_tail: format!(
                "' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data: https:; connect-src {connect}; \
                 frame-ancestors 'none'; base-uri 'self'; form-action 'self'; \
                 object-src 'none'"
            ),
            hsts: public.is_some_and(|u| u.scheme() == "https"),
        }
    }

    pub fn csp(&self, nonce: &str) -> String {
        format!("{}{nonce}{}", self.csp_head, self.csp_tail)
    }
}

pub async fn layer(State(policy): State<Arc<Policy>>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    // The nonce is URL-safe base64, so this header value is always valid.
    if let Ok(v) = HeaderValue::from_str(&policy.csp(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    let fixed: [(HeaderName, &'static str); 3] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if policy.hsts {
        // No includeSubDomains: other hosts under the same domain may not be ours.
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    res
}

/// For the page handlers' context closures: hands this request's nonce to
/// the render, so `HydrationScripts` and the inlined resource scripts carry
/// the value the header allows.
pub fn provide_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) =
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn the_policy_carries_the_nonce_and_every_directive() {
        let csp = Policy::build("http://127.0.0.1:3000", None).csp("n0nce");
        assert_eq!(
            csp,
            "default-src 'self'; script-src 'self' 'nonce-n0nce' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
             form-action 'self'; object-src 'none'"
        );
        assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"));
    }

    #[test]
    fn the_reload_websocket_is_allowed_only_while_watching() {
        let csp = Policy::build("http://app.test:3000", Some(3001)).csp("n");
        assert!(
            csp.contains(
                "connect-src 'self' ws://app.test:3001 wss://app.test:3001 ws://127.0.0.1:3001"
            ),
            "{csp}"
        );
        assert!(!Policy::build("http://app.test:3000", None)
            .csp("n")
            .contains("ws:"));
    }

    #[test]
    fn hsts_only_for_an_https_public_url() {
        assert!(Policy::build("https://postroom.example", None).hsts);
        assert!(!Policy::build("http://postroom.example", None).hsts);
        assert!(!Policy::build("", None).hsts);
    }
}
