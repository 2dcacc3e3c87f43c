//! Every page renders to the end while many are rendered at once, on a
//! multi-threaded runtime and on a single thread, as signed-out visitors,
//! citizens and staff see them. A page whose rendering waits for a wake-up that
//! never comes, or panics, fails here by URL instead of hanging a browser.

mod common;

use common::*;

const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/kantor/kantah-denpasar",
    "/kantor/kantah-denpasar/daftar",
    "/kantor/tidak-ada",
    "/tiket/TIDAKADA",
    "/kode/tidak-ada",
    "/masuk",
    "/petugas/masuk",
    "/papan/kantah-denpasar",
    "/kiosk/kantah-denpasar",
    "/halaman-yang-tidak-ada",
];

const SIGNED_IN_PAGES: &[&str] = &["/tiket-saya", "/panggilan", "/petugas", "/admin/akun"];

async fn render_every_page_at_once(app: &TestApp, rounds: usize) {
    let citizen = app.waiting_tickets(1).await;
    let admin = app.admin_session().await;
    let counter = app.counter_id("kantah-denpasar", "Loket 1").await;
    let console = format!("/petugas/loket/{counter}");
    let mut requests = Vec::new();
    for _ in 0..rounds {
        for page in PUBLIC_PAGES.iter().chain(SIGNED_IN_PAGES) {
            for session in [None, Some(&citizen), Some(&admin)] {
                requests.push((page.to_string(), session.cloned()));
            }
        }
        requests.push((console.clone(), Some(admin.clone())));
    }
    let pages = requests.into_iter().map(|(page, session)| async move {
        let mut request = app.client.get(format!("{}{page}", app.base));
        if let Some(session) = &session {
            request = request.header("Cookie", format!("antrean_session={session}"));
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{page}: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(!status.is_server_error(), "{page} answered {status}");
        assert!(body.contains("</main>") && body.contains("</html>"), "{page} stopped before its end");
    });
    futures::future::join_all(pages).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_to_the_end_while_many_render_at_once() {
    let app = spawn_app().await;
    render_every_page_at_once(&app, 3).await;
}

#[tokio::test]
async fn every_page_renders_to_the_end_on_a_single_thread() {
    let app = spawn_app().await;
    render_every_page_at_once(&app, 2).await;
}
