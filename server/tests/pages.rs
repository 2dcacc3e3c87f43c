//! Every page renders to the end, with the outcome its visitor should see, while
//! many are rendered at once: on a multi-threaded runtime and on a single thread,
//! as signed-out visitors, citizens and admins see them, and while bookings and
//! calls run. A page whose rendering waits for a wake-up that never comes, holds a
//! database connection while it waits, or shows an error it should not, fails
//! here by URL instead of hanging a browser or showing a citizen "server trouble".

mod common;

use std::time::{Duration, Instant};

use common::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Visitor,
    Citizen,
    Admin,
}

const ROLES: [Role; 3] = [Role::Visitor, Role::Citizen, Role::Admin];

/// The error notice (`data-error` of the page's notice) `role` must see on
/// `page`; `None`: the page itself, with no error notice.
fn expected(page: &str, role: Role) -> Option<&'static str> {
    use Role::*;
    let staff_only = ["/papan/", "/kiosk/", "/petugas", "/admin/"]
        .iter()
        .any(|prefix| page.starts_with(prefix) && page != "/petugas/masuk");
    match (page, role) {
        ("/kantor/tidak-ada" | "/tiket/TIDAKADA" | "/kode/tidak-ada" | "/batal/tidak-ada", _) => Some("not-found"),
        ("/papan/tidak-ada", _) => Some("not-found"),
        ("/tiket-saya" | "/panggilan", Visitor) => Some("not-signed-in"),
        ("/tiket-saya" | "/panggilan", Admin) => Some("forbidden"),
        (_, Visitor) if staff_only => Some("not-signed-in"),
        (_, Citizen) if staff_only => Some("forbidden"),
        _ => None,
    }
}

const PAGES: &[&str] = &[
    "/",
    "/kantor/kantah-denpasar",
    "/kantor/kantah-denpasar/daftar",
    "/kantor/tidak-ada",
    "/tiket/TIDAKADA",
    "/kode/tidak-ada",
    "/batal/tidak-ada",
    "/papan/tidak-ada",
    "/masuk",
    "/petugas/masuk",
    "/papan/kantah-denpasar",
    "/kiosk/kantah-denpasar",
    "/halaman-yang-tidak-ada",
    "/tiket-saya",
    "/panggilan",
    "/petugas",
    "/admin/akun",
    "/admin/kantor",
    "/admin/kantor/kantah-denpasar",
    "/admin/kantor/kantah-denpasar/laporan",
];

struct Visitors {
    citizen: String,
    admin: String,
    pages: Vec<String>,
}

async fn visitors(app: &TestApp) -> Visitors {
    let citizen = app.waiting_tickets(1).await;
    let admin = app.admin_session().await;
    let counter = app.counter_id("kantah-denpasar", "Loket 1").await;
    let mut pages: Vec<String> = PAGES.iter().map(|page| page.to_string()).collect();
    pages.push(format!("/petugas/loket/{counter}"));
    Visitors { citizen, admin, pages }
}

/// Loads `page` as `role`; fails on a 5xx, a page cut short, an unexpected
/// notice or a status other than the notice's, and returns how long it took.
async fn load(app: &TestApp, visitors: &Visitors, page: &str, role: Role) -> Duration {
    let mut request = app.client.get(format!("{}{page}", app.base));
    let session = match role {
        Role::Visitor => None,
        Role::Citizen => Some(&visitors.citizen),
        Role::Admin => Some(&visitors.admin),
    };
    if let Some(session) = session {
        request = request.header("Cookie", format!("antrean_session={session}"));
    }
    let started = Instant::now();
    let response = request.send().await.unwrap_or_else(|e| panic!("{page} as {role:?}: {e}"));
    let status = response.status();
    let body = response.text().await.unwrap_or_else(|e| panic!("{page} as {role:?}: {e}"));
    let took = started.elapsed();
    assert!(!status.is_server_error(), "{page} as {role:?} answered {status}");
    assert!(body.contains("</main>") && body.contains("</html>"), "{page} as {role:?} stopped before its end");
    let notice = body.split("data-error=\"").nth(1).and_then(|rest| rest.split('"').next());
    assert_eq!(notice, expected(page, role), "{page} as {role:?}: the error notice shown");
    // The status says what the notice says, as the API would.
    let answered = match notice {
        Some("not-found") => 404,
        Some("not-signed-in") => 401,
        Some("forbidden") => 403,
        _ if page == "/halaman-yang-tidak-ada" => 404,
        _ => 200,
    };
    assert_eq!(status.as_u16(), answered, "{page} as {role:?}: the status");
    took
}

async fn render_every_page_at_once(app: &TestApp, rounds: usize) {
    let visitors = visitors(app).await;
    let mut requests = Vec::new();
    for _ in 0..rounds {
        for page in &visitors.pages {
            for role in ROLES {
                requests.push((page.as_str(), role));
            }
        }
    }
    let visitors = &visitors;
    futures::future::join_all(requests.into_iter().map(|(page, role)| load(app, visitors, page, role))).await;
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

/// The production pools (SQLite: one writer, four readers; PostgreSQL: the
/// default pool) under a morning's mix: while staff book numbers and counters call
/// them, every page as every role, all at once, answers within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_within_a_second_while_bookings_and_calls_run() {
    const LIMIT: Duration = Duration::from_secs(1);
    let app = spawn_app().await;
    let visitors = visitors(&app).await;
    let counter = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let opened = app.call("counter_action", Some(&visitors.admin), &[("counter", &counter), ("action", "open")]).await;
    assert!(opened.status().is_success(), "open the counter: {}", opened.status());

    let running = std::sync::atomic::AtomicBool::new(true);
    let running = &running;
    let (app, visitors_ref) = (&app, &visitors);
    let bookings = async move {
        let mut serial = 1000;
        while running.load(std::sync::atomic::Ordering::Relaxed) {
            serial += 1;
            let nik = nik(serial);
            let form = [
                ("office", "kantah-denpasar"),
                ("service", "A"),
                ("when", "today"),
                ("nik", nik.as_str()),
                ("name", "Warga Loket"),
            ];
            let booked = app.call("staff_book", Some(&visitors_ref.admin), &form).await;
            assert!(booked.status().is_success(), "staff booking: {}", booked.status());
        }
    };
    let calls = async move {
        while running.load(std::sync::atomic::Ordering::Relaxed) {
            for action in ["call_next", "serve", "finish"] {
                // A move the counter's state refuses (nobody waiting yet) is fine here.
                let response = app
                    .call("counter_action", Some(&visitors_ref.admin), &[("counter", &counter), ("action", action)])
                    .await;
                assert!(!response.status().is_server_error(), "{action}: {}", response.status());
            }
        }
    };
    let pages = async move {
        let mut slowest = Vec::new();
        for _ in 0..3 {
            let round = visitors_ref.pages.iter().flat_map(|page| ROLES.map(|role| (page.as_str(), role)));
            let took = futures::future::join_all(
                round.map(|(page, role)| async move { (page, role, load(app, visitors_ref, page, role).await) }),
            )
            .await;
            slowest.extend(took.into_iter().filter(|(_, _, took)| *took > LIMIT));
        }
        running.store(false, std::sync::atomic::Ordering::Relaxed);
        slowest
    };
    let ((), (), slow) = tokio::join!(bookings, calls, pages);
    assert!(slow.is_empty(), "pages slower than {LIMIT:?}: {slow:?}");
}
