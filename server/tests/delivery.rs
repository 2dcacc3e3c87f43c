//! How the front end is delivered: hashed file names served for good,
//! precompressed files chosen by the browser's Accept-Encoding, pages and
//! server functions compressed, and a service worker that knows this build's
//! names.

mod common;

use common::spawn_app_with;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};

const BUNDLE: &str = "antrean-live-0123456789abcdef";
const FORMS_BUNDLE: &str = "antrean-citizen-3333333333333333";
const STAFF_BUNDLE: &str = "antrean-staff-1111111111111111";
const KIOSK_BUNDLE: &str = "antrean-kiosk-2222222222222222";
const STYLESHEET: &str = "main-fedcba9876543210.css";
const ICON: &str = "icon-192-0f1e2d3c4b5a6978.png";
const FAVICON: &str = "favicon-8796a5b4c3d2e1f0.svg";

/// A built site as `./antrean build` leaves it, with small stand-in files.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::create_dir_all(root.join("style")).unwrap();
    let names = format!(
        "bundle citizen {FORMS_BUNDLE}\nbundle live {BUNDLE}\nbundle staff {STAFF_BUNDLE}\nbundle kiosk {KIOSK_BUNDLE}\nstylesheet {STYLESHEET}\n\
         icon icons/icon-192.png {ICON}\nicon favicon.svg {FAVICON}\n"
    );
    std::fs::write(root.join(format!("pkg/{ICON}")), b"\x89PNG stand-in").unwrap();
    std::fs::write(root.join("assets.txt"), names).unwrap();
    let js = root.join(format!("pkg/{BUNDLE}.js"));
    std::fs::write(&js, "export default function init() {}\n".repeat(20)).unwrap();
    std::fs::write(js.with_extension("js.br"), b"brotli bytes").unwrap();
    std::fs::write(js.with_extension("js.gz"), b"gzip bytes").unwrap();
    std::fs::write(root.join(format!("style/{STYLESHEET}")), "body { margin: 0 }\n").unwrap();
    dir
}

#[tokio::test]
async fn hashed_files_are_kept_for_good_and_sent_precompressed_as_accepted() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let get = |path: &str, encoding: &str| {
        app.client.get(format!("{}{path}", app.base)).header(ACCEPT_ENCODING, encoding).send()
    };
    let js = get(&format!("/pkg/{BUNDLE}.js"), "gzip, deflate, br").await.unwrap();
    assert_eq!(js.status(), 200);
    assert_eq!(js.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(js.headers()[CONTENT_ENCODING], "br");
    assert_eq!(js.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let gzip = get(&format!("/pkg/{BUNDLE}.js"), "gzip").await.unwrap();
    assert_eq!(gzip.headers()[CONTENT_ENCODING], "gzip");
    let css = get(&format!("/style/{STYLESHEET}"), "identity").await.unwrap();
    assert_eq!(css.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(css.headers().get(CONTENT_ENCODING).is_none());
    let icon = get(&format!("/pkg/{ICON}"), "br").await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");

    // A name that is not there is not remembered for a year.
    let missing = get("/pkg/antrean-ffffffffffffffff.js", "br").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get(CACHE_CONTROL).is_none_or(|value| !value.to_str().unwrap().contains("immutable")));
}

#[tokio::test]
async fn pages_name_the_hashed_files_and_are_compressed_as_accepted() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let plain = app.client.get(format!("{}/kantor/kantah-denpasar", app.base)).send().await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none(), "no Accept-Encoding, no compression");
    let html = plain.text().await.unwrap();
    assert!(html.contains(&format!("/style/{STYLESHEET}")), "the page links the hashed stylesheet");
    assert!(html.contains(&format!("/pkg/{BUNDLE}.js")) && html.contains(&format!("/pkg/{BUNDLE}_bg.wasm")));

    let compressed = app
        .client
        .get(format!("{}/kantor/kantah-denpasar", app.base))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), 200);
    assert_eq!(compressed.headers()[CONTENT_ENCODING], "br");
    assert!(compressed.bytes().await.unwrap().len() < html.len() / 2);

    let answer = app
        .client
        .post(format!("{}/api/office", app.base))
        .header(ACCEPT_ENCODING, "gzip")
        .form(&[("slug", "kantah-denpasar")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()[CONTENT_ENCODING], "gzip", "server functions are compressed too");
}

/// On a slow link a preloaded bundle competes with the page's own text and
/// styles (Leptos's `HydrationScripts` preloads it at high priority, and links
/// a stylesheet under `/pkg` that does not exist).
#[tokio::test]
async fn the_bundle_starts_after_the_page_has_loaded_and_is_never_preloaded() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let html =
        app.client.get(format!("{}/kantor/kantah-denpasar", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("rel=\"preload\"") && !html.contains("modulepreload"), "no preload: {html}");
    assert!(!html.contains(&format!("/pkg/{BUNDLE}.css")));
    let loader = html.split("<script type=\"module\">").nth(1).expect("the bundle's loader");
    assert!(loader.contains("addEventListener(\"load\"") && loader.contains("requestIdleCallback"));
    assert!(loader.contains(&format!("\"/pkg/{BUNDLE}.js\", \"/pkg/{BUNDLE}_bg.wasm\"")));
}

#[tokio::test]
async fn each_page_loads_the_bundle_of_its_audience_only() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    for (path, mine) in [
        ("/kantor/kantah-denpasar", BUNDLE),
        ("/masuk", FORMS_BUNDLE),
        ("/kantor/kantah-denpasar/daftar", FORMS_BUNDLE),
        ("/tiket/ABCDEFGHJK", BUNDLE),
        ("/petugas/masuk", STAFF_BUNDLE),
        ("/papan/kantah-denpasar", KIOSK_BUNDLE),
        ("/kiosk/kantah-denpasar", KIOSK_BUNDLE),
        ("/", "none: the home page has no island"),
    ] {
        let html = app.client.get(format!("{}{path}", app.base)).send().await.unwrap().text().await.unwrap();
        for bundle in [BUNDLE, FORMS_BUNDLE, STAFF_BUNDLE, KIOSK_BUNDLE] {
            assert_eq!(html.contains(&format!("/pkg/{bundle}")), bundle == mine, "{path} and {bundle}");
        }
    }
}

#[tokio::test]
async fn the_service_worker_names_this_builds_files() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let worker = app.client.get(format!("{}/sw.js", app.base)).send().await.unwrap();
    assert_eq!(worker.status(), 200);
    assert_eq!(worker.headers()[CACHE_CONTROL], "no-cache");
    let script = worker.text().await.unwrap();
    assert!(script.contains(&format!("/pkg/{BUNDLE}_bg.wasm")) && script.contains(&format!("/style/{STYLESHEET}")));
    assert!(script.contains(&format!("const CACHE = '{BUNDLE}-{STYLESHEET}';")), "{script}");
    assert!(script.contains(&format!("icon: '/pkg/{ICON}'")), "notices show the hashed icon");
}

/// Pages and the web app manifest name the icons' hashed copies, kept for
/// good; the manifest itself is asked again on every visit.
#[tokio::test]
async fn pages_and_the_manifest_name_the_hashed_icons() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let html = app.client.get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("<link rel=\"icon\" href=\"/pkg/{FAVICON}\"")), "{html}");
    assert!(html.contains("href=\"/manifest.webmanifest\""));
    let manifest = app.client.get(format!("{}/manifest.webmanifest", app.base)).send().await.unwrap();
    assert_eq!(manifest.status(), 200);
    assert_eq!(manifest.headers()[CACHE_CONTROL], "no-cache");
    assert_eq!(manifest.headers()[reqwest::header::CONTENT_TYPE], "application/manifest+json");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    let icons: Vec<&str> =
        manifest["icons"].as_array().unwrap().iter().filter_map(|icon| icon["src"].as_str()).collect();
    assert!(icons.contains(&format!("/pkg/{ICON}").as_str()) && icons.contains(&format!("/pkg/{FAVICON}").as_str()));
    assert!(!icons.contains(&"/icons/icon-192.png"), "{icons:?}");
}

/// Every answer (a page, a file, a server function's, a refusal, one for a
/// path that is not there) tells the browser that no other site may frame
/// it, that its type is the one it is sent as, and that its address is not
/// told to other sites; over HTTPS, that the site is to be asked over HTTPS
/// only.
#[tokio::test]
async fn every_answer_carries_the_protective_headers() {
    let site = site();
    let app = spawn_app_with(&[("ANTREAN_SITE_ROOT", site.path().display().to_string())]).await;
    let get = |path: String| app.client.get(format!("{}{path}", app.base)).send();
    let answers = [
        ("the home page", get("/".into()).await.unwrap()),
        ("an office page", get("/kantor/kantah-denpasar".into()).await.unwrap()),
        ("a file", get(format!("/pkg/{BUNDLE}.js")).await.unwrap()),
        ("a path that is not there", get("/tidak-ada".into()).await.unwrap()),
        ("a server function", app.call("office", None, &[("slug", "kantah-denpasar")]).await),
        (
            "a refused write",
            app.call_with_headers(
                "office",
                None,
                &[("slug", "kantah-denpasar")],
                &[("Origin", "https://calo.example")],
            )
            .await,
        ),
    ];
    for (what, answer) in &answers {
        let headers = answer.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{what}: {policy}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
        assert!(headers.get("strict-transport-security").is_none(), "{what}: not told over plain HTTP");
    }
    assert_eq!(answers[5].1.status(), 403);

    let https = spawn_app_with(&[
        ("ANTREAN_SITE_ROOT", site.path().display().to_string()),
        ("ANTREAN_PUBLIC_URL", "https://antrean.example.id".into()),
    ])
    .await;
    let page = https.client.get(format!("{}/", https.base)).send().await.unwrap();
    assert_eq!(page.headers()["strict-transport-security"], "max-age=31536000");
}
