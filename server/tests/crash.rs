//! A server killed (SIGKILL, as a crash or the OOM killer does) in the middle
//! of a booking surge and a burst of notices loses nothing it acknowledged:
//! every booking answered with a ticket is in the database once, no sequence
//! is given twice, no day has more than its quota; and every notice is
//! delivered, on SQLite by the restarted server, on PostgreSQL by the other
//! instance once the dead one's claims run out. The real binary runs as a
//! process of its own, sending SMS to a provider on 127.0.0.1 that counts
//! each notice's reference, so a notice sent twice is seen (reported; at most
//! those in flight at the kill). And a server stopped the orderly way
//! (SIGTERM, as on a restart) answers what is in flight and tells its live
//! screens to go elsewhere.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{on_postgres, ADMIN_PASSWORD, MONDAY_10_WITA};

/// Notices written at once.
const BURST: usize = 2_000;
/// Citizens booking at once, each with a phone of their own.
const SURGE: usize = 2_000;
const SURGE_IN_FLIGHT: usize = 64;
/// The SMS sent at once (`ANTREAN_NOTICES_IN_FLIGHT`): at most these can be sent twice.
const SMS_SLOTS: usize = 32;

struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary on `database_url`, sending SMS to `sms_url`; waits until it answers.
async fn start(database_url: &str, data_dir: &std::path::Path, sms_url: &str) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_antrean"))
        .env("ANTREAN_ADDR", format!("127.0.0.1:{port}"))
        .env("ANTREAN_DATABASE_URL", database_url)
        .env("ANTREAN_DATA_DIR", data_dir)
        .env("ANTREAN_SITE_ROOT", data_dir)
        .env("ANTREAN_NOW", MONDAY_10_WITA)
        .env("ANTREAN_DEV_MODE", "true")
        .env("ANTREAN_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ANTREAN_SMS_GATEWAY", "http")
        .env("ANTREAN_SMS_URL", sms_url)
        .env("ANTREAN_SMS_BODY", r#"{"to":"{phone}","text":"{message}","ref":"{reference}"}"#)
        .env("ANTREAN_NOTICES_IN_FLIGHT", format!("{SMS_SLOTS},16,64"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let process = Process { child, base: format!("http://127.0.0.1:{port}") };
    for _ in 0..600 {
        if reqwest::get(format!("{}/api/push_key", process.base)).await.is_ok() {
            return process;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not answer within 30 s");
}

/// The desk of a server: the admin's session, booking and working Loket 1.
struct Desk {
    client: reqwest::Client,
    base: String,
    session: String,
}

/// The admin signs in and books a number for Tuesday, so the burst's "almost
/// your turn" notices stay true whatever today's counters do.
async fn a_waiting_ticket(server: &Process) -> Desk {
    let client = reqwest::Client::builder()
        .default_headers([(reqwest::header::ORIGIN, server.base.parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{}/api/staff_sign_in", server.base))
        .header("Accept", "application/json")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("antrean_session="))
        .and_then(|c| c.split(';').next())
        .expect("a staff session")
        .to_string();
    let desk = Desk { client, base: server.base.clone(), session };
    let form = [
        ("office", "kantah-denpasar"),
        ("service", "A"),
        ("when", "date"),
        ("date", "2026-11-25"),
        ("nik", &common::nik(1)),
        ("name", "Warga Uji"),
        ("phone", "081234567890"),
    ];
    assert!(desk.post("staff_book", &form).await.is_some_and(|status| status.is_success()));
    desk
}

impl Desk {
    /// A write as the admin; `None` once the server is gone.
    async fn post(&self, endpoint: &str, form: &[(&str, &str)]) -> Option<reqwest::StatusCode> {
        let request = self.client.post(format!("{}/api/{endpoint}", self.base)).header("Accept", "application/json");
        request.header("Cookie", &self.session).form(form).send().await.ok().map(|answer| answer.status())
    }

    /// Numbers for today taken at the desk and called, served and finished at
    /// `counter`, one after another, until the server is gone: a burst of calls
    /// and their notices.
    async fn call_until_gone(self, counter: String) {
        self.post("counter_action", &[("counter", &counter), ("action", "open")]).await;
        for serial in 10_000.. {
            let (nik, phone) = (common::nik(serial), format!("0813{serial:08}"));
            let form = [
                ("office", "kantah-denpasar"),
                ("service", "A"),
                ("when", "today"),
                ("nik", nik.as_str()),
                ("name", "Warga Loket"),
                ("phone", phone.as_str()),
            ];
            if self.post("staff_book", &form).await.is_none() {
                return;
            }
            for action in ["call_next", "serve", "finish"] {
                if self.post("counter_action", &[("counter", &counter), ("action", action)]).await.is_none() {
                    return;
                }
            }
        }
    }
}

/// Sessions of `SURGE` citizens, made in the database.
async fn citizens(database_url: &str) -> Vec<String> {
    use app::store::sessions::{self, SessionOwner};
    let db = app::store::Db::open_url(database_url).await.unwrap();
    let mut cookies = Vec::with_capacity(SURGE);
    for n in 0..SURGE {
        let owner = SessionOwner::Citizen {
            phone: app::domain::identity::PhoneNumber::parse(&format!("+62812{:08}", 70_000_000 + n)).unwrap(),
        };
        cookies.push(format!("antrean_session={}", sessions::create(&db, &owner, chrono::Utc::now()).await.unwrap()));
    }
    cookies
}

/// Every citizen books a number for Tuesday at one of Denpasar's services,
/// `SURGE_IN_FLIGHT` at a time; keeps the ticket codes the server answered with.
async fn surge(base: String, cookies: Vec<String>, codes: Arc<Mutex<Vec<String>>>) {
    let client = reqwest::Client::builder()
        .default_headers([(reqwest::header::ORIGIN, base.parse().unwrap())].into_iter().collect())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cookies = Arc::new(cookies);
    let workers = (0..SURGE_IN_FLIGHT).map(|_| {
        let (client, base, next, cookies, codes) =
            (client.clone(), base.clone(), next.clone(), cookies.clone(), codes.clone());
        tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= cookies.len() {
                    return;
                }
                let form = [
                    ("office", "kantah-denpasar".to_string()),
                    ("service", ["A", "B", "C", "D"][n % 4].to_string()),
                    ("when", "date".to_string()),
                    ("date", "2026-11-24".to_string()),
                    ("nik", common::nik(u32::try_from(n).unwrap() + 100)),
                    ("name", "Warga Uji".to_string()),
                    ("email", "warga@contoh.id".to_string()),
                ];
                let request = client.post(format!("{base}/api/book")).header("Accept", "application/json");
                // After the kill every request fails: it was never acknowledged.
                let Ok(answer) = request.header("Cookie", &cookies[n]).form(&form).send().await else { continue };
                if !answer.status().is_success() {
                    continue;
                }
                // An answer cut off by the kill is no acknowledgement.
                if let Ok(booked) = answer.json::<serde_json::Value>().await {
                    if let Some(code) = booked["code"].as_str() {
                        codes.lock().unwrap().push(code.to_string());
                    }
                }
            }
        })
    });
    futures::future::join_all(workers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_in_a_booking_surge_and_a_burst_of_notices_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = if on_postgres() {
        common::fresh_postgres_database().await
    } else {
        format!("sqlite://{}", dir.path().join("antrean.db").display())
    };
    // A provider's round trip of 200 ms: the burst takes seconds, so the kill lands inside it.
    let (sms_url, references) = common::sms_provider(Duration::from_millis(200), "ref").await;
    let first = start(&database_url, dir.path(), &sms_url).await;
    // On PostgreSQL a second instance runs all along and takes over.
    let second = match on_postgres() {
        true => Some(start(&database_url, dir.path(), &sms_url).await),
        false => None,
    };
    let desk = a_waiting_ticket(&first).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&database_url).await.unwrap();
    let counter: i64 = sqlx::query_scalar(
        "SELECT c.id FROM counters c JOIN offices o ON o.id = c.office_id
         WHERE o.slug = 'kantah-denpasar' AND c.name = 'Loket 1'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let ticket: i64 = sqlx::query_scalar("SELECT MAX(id) FROM tickets").fetch_one(&db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for n in 0..BURST {
        sqlx::query(
            "INSERT INTO notifications (ticket_id, moment, call_number, channel, recipient, body, created_at, next_attempt_at)
             VALUES ($1, 'near', 0, 'sms', $2, 'Antrean uji', 0, 0)",
        )
        .bind(ticket)
        .bind(format!("+62813{n:08}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let cookies = citizens(&database_url).await;
    // The burst is under way (the sender finds it within its 5 s poll; the
    // provider takes 12 s for it all) before the surge and the calls start.
    let wait_until = |done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while !done() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let burst_under_way = || references.lock().unwrap().len() >= BURST / 20;
    tokio::task::block_in_place(|| wait_until(&burst_under_way));
    let codes = Arc::new(Mutex::new(Vec::new()));
    let surging = tokio::spawn(surge(first.base.clone(), cookies, codes.clone()));
    let calling = tokio::spawn(desk.call_until_gone(counter.to_string()));

    // Killed once a part of the surge is answered.
    let mut first = first;
    let surge_under_way = || codes.lock().unwrap().len() >= SURGE / 10;
    tokio::task::block_in_place(|| wait_until(&surge_under_way));
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let at_kill = references.lock().unwrap().len();
    assert!(at_kill < BURST, "the kill came in the middle of the burst");
    surging.await.unwrap();
    let acknowledged = codes.lock().unwrap().clone();
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < SURGE,
        "the kill came in the middle of the surge: {}",
        acknowledged.len()
    );
    let _restarted = match second {
        Some(_) => None,
        None => Some(start(&database_url, dir.path(), &sms_url).await),
    };

    let mut unsent = i64::MAX;
    for _ in 0..1_200 {
        unsent = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE sent_at IS NULL AND failed_at IS NULL")
            .fetch_one(&db)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(unsent, 0, "every notice was sent after the crash");
    calling.await.unwrap();
    // A call's notice may be dropped as no longer true (the next call came first); nothing else fails.
    let failed: Vec<String> = sqlx::query_scalar(
        "SELECT last_error FROM notifications WHERE failed_at IS NOT NULL AND last_error NOT LIKE 'no longer current%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let mut sent: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM notifications WHERE sent_at IS NOT NULL").fetch_all(&db).await.unwrap();
    sent.sort();
    let mut received: Vec<i64> =
        references.lock().unwrap().iter().filter_map(|r| r.strip_prefix("antrean-")?.parse().ok()).collect();
    received.sort();
    let total = received.len();
    received.dedup();
    let duplicates = total - received.len();
    println!(
        "killed after {at_kill} of {BURST}; sent twice: {duplicates} (target 0; at most the {SMS_SLOTS} in flight)"
    );
    assert_eq!(received, sent, "every notice reached the provider");
    assert!(duplicates <= SMS_SLOTS, "only notices in flight at the kill may be sent twice: {duplicates}");

    println!("bookings acknowledged before the kill: {} of {SURGE}", acknowledged.len());
    for code in &acknowledged {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE public_code = $1")
            .bind(code)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(found, 1, "ticket {code} was answered, so it is kept, once");
    }
    let days: Vec<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT t.service_id, t.service_date, COUNT(*), COUNT(DISTINCT t.sequence), MAX(t.sequence), s.daily_quota
         FROM tickets t JOIN services s ON s.id = t.service_id GROUP BY t.service_id, t.service_date, s.daily_quota",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    for (service, date, count, distinct, highest, quota) in days {
        assert_eq!(count, distinct, "service {service} on {date}: a sequence given twice");
        assert!(count <= quota && highest <= quota, "service {service} on {date}: {count} numbers, quota {quota}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sigterm_a_request_in_flight_is_answered_and_screens_are_told_to_go_elsewhere() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().unwrap();
    let database_url = match on_postgres() {
        true => common::fresh_postgres_database().await,
        false => format!("sqlite://{}", dir.path().join("antrean.db").display()),
    };
    // The SMS provider takes 200 ms: a code request is in flight that long.
    let (sms_url, references) = common::sms_provider(Duration::from_millis(200), "ref").await;
    let mut server = start(&database_url, dir.path(), &sms_url).await;
    let url = format!("{}/ws/kantor/kantah-denpasar", server.base.replace("http://", "ws://"));
    let mut screen = tokio_tungstenite::connect_async(url).await.expect("the screen connects").0;
    assert!(matches!(screen.next().await, Some(Ok(Message::Text(_)))), "the snapshot");

    let in_flight = tokio::spawn({
        let base = server.base.clone();
        async move {
            let request = reqwest::Client::new().post(format!("{base}/api/request_sign_in_code"));
            let request = request.header("Origin", &base).header("Accept", "application/json");
            request.form(&[("phone", "081234567890")]).send().await.map(|answer| answer.status())
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());

    let answered = in_flight.await.unwrap().expect("the request in flight got its answer");
    assert!(answered.is_success(), "{answered}");
    assert_eq!(references.lock().unwrap().len(), 1, "its SMS went out");
    let told = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = screen.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|frame| u16::from(frame.code));
            }
        }
        None
    });
    assert_eq!(told.await.expect("the screen was told within 10 s"), Some(1001), "going away");
    let exited = tokio::task::spawn_blocking(move || server.child.wait()).await.unwrap().unwrap();
    assert!(exited.success(), "a clean stop: {exited}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_runs_restores_to_a_working_server() {
    let dir = tempfile::tempdir().unwrap();
    if on_postgres() {
        // PostgreSQL is backed up with pg_dump: the command says so and copies nothing.
        let refused = Command::new(env!("CARGO_BIN_EXE_antrean"))
            .args(["backup", &dir.path().join("cadangan.db").display().to_string()])
            .env("ANTREAN_DATABASE_URL", common::fresh_postgres_database().await)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));
        return;
    }
    let database_url = format!("sqlite://{}", dir.path().join("antrean.db").display());
    let (sms_url, _) = common::sms_provider(Duration::ZERO, "ref").await;
    let server = start(&database_url, dir.path(), &sms_url).await;
    a_waiting_ticket(&server).await;

    let copy = dir.path().join("cadangan.db");
    let backup = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_antrean"))
            .arg("backup")
            .arg(file)
            .env("ANTREAN_DATABASE_URL", &database_url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let made = backup(&copy);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let again = backup(&copy);
    assert_eq!(again.status.code(), Some(2), "a backup never overwrites a file");
    drop(server);

    // Restored: a server on the copy serves the ticket booked before.
    let restored_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, restored_dir.path().join("antrean.db")).unwrap();
    let restored_url = format!("sqlite://{}", restored_dir.path().join("antrean.db").display());
    let restored = start(&restored_url, restored_dir.path(), &sms_url).await;
    let ready = reqwest::get(format!("{}/readyz", restored.base)).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&restored_url).await.unwrap();
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&db).await.unwrap();
    assert_eq!(tickets, 1);
}
