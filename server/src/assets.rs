//! Delivering the front end: its files carry a hash of their content in their
//! names (`./antrean build` lists them in the site's `assets.txt`), so they are
//! served `immutable` and precompressed (brotli, gzip); the service worker is
//! rendered with those names, so a new build brings a new worker that drops
//! the old caches.

use std::path::Path;

use app::AssetNames;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;

/// A year: the longest lifetime browsers honour.
const FOR_GOOD: &str = "public, max-age=31536000, immutable";

/// The names of the site's hashed files; without `assets.txt` (an unhashed
/// build, or no build at all) the plain names, served without `immutable`.
pub fn names(site_root: &Path) -> (AssetNames, bool) {
    match std::fs::read_to_string(site_root.join("assets.txt")) {
        Ok(text) => (AssetNames::parse(&text), true),
        Err(_) => {
            tracing::warn!(site_root = %site_root.display(), "no assets.txt: the front end's files are served unhashed");
            (AssetNames::default(), false)
        }
    }
}

/// `/pkg` or `/style`: the files, precompressed as the browser accepts, kept
/// for good once found when their names are hashed.
pub fn files<S: Clone + Send + Sync + 'static>(dir: &Path, hashed: bool) -> Router<S> {
    let served = Router::new().fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip());
    if !hashed {
        return served;
    }
    served.layer(axum::middleware::map_response(|mut response: Response| async move {
        if response.status().is_success() {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(FOR_GOOD));
        }
        response
    }))
}

/// The service worker script with this build's file names and cache name.
pub fn service_worker(names: &AssetNames) -> String {
    let files = serde_json::to_string(&names.offline_files()).unwrap_or_else(|_| "[]".into());
    with_hashed_icons(include_str!("../assets/sw.js"), names)
        .replace("'__VERSION__'", &format!("'{}-{}'", names.bundle(app::Audience::Live), names.stylesheet))
        .replace("['__OFFLINE_FILES__']", &files)
}

/// The web app manifest, naming this build's icons.
pub fn manifest(names: &AssetNames) -> String {
    with_hashed_icons(include_str!("../assets/manifest.webmanifest"), names)
}

/// `text` with each icon's quoted plain address (`"/icons/icon-192.png"`,
/// `'/favicon.svg'`) replaced by its hashed copy's.
fn with_hashed_icons(text: &str, names: &AssetNames) -> String {
    names.icons.iter().fold(text.to_string(), |text, (plain, _)| {
        let hashed = names.icon(plain);
        text.replace(&format!("\"/{plain}\""), &format!("\"{hashed}\""))
            .replace(&format!("'/{plain}'"), &format!("'{hashed}'"))
    })
}

/// `GET /sw.js` and `GET /manifest.webmanifest`: rendered with this build's
/// names, so revalidated on every visit (a new build's worker takes over, its
/// manifest names its icons).
pub async fn serve_rendered(content_type: &'static str, body: std::sync::Arc<str>) -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_names_this_builds_files_and_a_cache_of_its_own() {
        let bundles =
            ["antrean-citizen-3", "antrean-live-0123abcd", "antrean-staff-1", "antrean-kiosk-2"].map(String::from);
        let icons = vec![("icons/icon-192.png".to_string(), "icon-192-89abcdef.png".to_string())];
        let names = AssetNames { bundles, stylesheet: "main-4567ef.css".into(), icons };
        let script = service_worker(&names);
        assert!(script.contains("\"/pkg/antrean-live-0123abcd_bg.wasm\""), "{script}");
        assert!(script.contains("icon: '/pkg/icon-192-89abcdef.png'"), "notices show the hashed icon");
        assert!(script.contains("\"/pkg/icon-192-89abcdef.png\"") && !script.contains("/icons/icon-192.png"));
        assert!(script.contains("\"/favicon.svg\""), "an icon without a hashed copy keeps its own address");
        assert!(!script.contains("antrean-staff"), "the worker keeps the office pages' bundle only");
        assert!(script.contains("/style/main-4567ef.css"));
        assert!(!script.contains("__VERSION__") && !script.contains("__OFFLINE_FILES__"));
        let mut next = names.clone();
        next.bundles[1] = "antrean-live-89ab".into();
        let cache =
            |script: &str| script.lines().find(|l| l.starts_with("const CACHE")).unwrap_or_default().to_string();
        assert_ne!(cache(&script), cache(&service_worker(&next)), "a new build's worker drops the old cache");
    }
}
