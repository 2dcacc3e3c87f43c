//! `antrean-bench soak [MINUTES]`: a simulated office day against the release
//! server, 30 minutes unless told otherwise. Citizens book for the coming weeks,
//! the desk issues numbers for today that a counter calls, serves and finishes
//! (with their notices), live screens drop and reconnect, office pages load.
//! After a warm-up and at the end it reads the server's memory, open files,
//! database size and the p99 latencies of bookings and pages, prints them
//! beside the growth each may show, and fails past a limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{
    call, citizen_sessions, ms, nik, percentile, resident_kb, same_site_client, staff_session, start_server, Server,
    DATES, OFFICES, SERVICES,
};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const WARM_UP: Duration = Duration::from_secs(30);
const SCREENS: usize = 200;
/// Growth allowed from the end of the warm-up to the end of the run.
const MEMORY_GROWTH_MB: f64 = 64.0;
const OPEN_FILES_GROWTH: i64 = 50;
/// The p99 at the end may be at most this many times the p99 after the warm-up (plus 5 ms).
const P99_GROWTH: u32 = 2;

/// Latencies since the last reading.
#[derive(Default)]
struct Timings {
    bookings: Mutex<Vec<Duration>>,
    pages: Mutex<Vec<Duration>>,
}

fn record(times: &Mutex<Vec<Duration>>, took: Duration) {
    times.lock().unwrap_or_else(|e| e.into_inner()).push(took);
}

/// The p99 of what was recorded since the last reading, which it clears.
fn p99(times: &Mutex<Vec<Duration>>) -> Duration {
    let mut times = std::mem::take(&mut *times.lock().unwrap_or_else(|e| e.into_inner()));
    times.sort();
    if times.is_empty() {
        Duration::ZERO
    } else {
        percentile(&times, 0.99)
    }
}

/// One reading of the server.
struct Reading {
    resident_mb: f64,
    open_files: i64,
    database_mb: f64,
    booking_p99: Duration,
    page_p99: Duration,
}

fn read(server: &Server, timings: &Timings) -> Reading {
    let pid = server.child.id();
    let database_mb = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", server.db_file.display())).ok())
        .map(|meta| meta.len() as f64 / 1e6)
        .sum();
    Reading {
        resident_mb: resident_kb(pid).unwrap_or(0) as f64 / 1000.0,
        open_files: std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(-1, |dir| dir.count() as i64),
        database_mb,
        booking_p99: p99(&timings.bookings),
        page_p99: p99(&timings.pages),
    }
}

pub async fn run(site_root: &std::path::Path, minutes: u64) -> BenchResult<bool> {
    let server = start_server(site_root).await?;
    let client = same_site_client(&server.base)?;
    let staff = staff_session(&client, &server).await?;
    let citizens = citizen_sessions(&server, 0..20_000).await?;
    let loket = super::loket_1(&server).await?;
    call(&client, &server, "counter_action", &staff, &[("counter", &loket), ("action", "open")]).await?;
    let (timings, stop) = (Arc::new(Timings::default()), Arc::new(AtomicBool::new(false)));
    let base = server.base.clone();
    let mut load = Vec::new();

    // Citizens book for the coming weeks, five a second.
    load.push(tokio::spawn({
        let (client, base, timings, stop) = (client.clone(), base.clone(), timings.clone(), stop.clone());
        async move {
            for (n, session) in citizens.iter().enumerate() {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let nik = nik(n);
                let form = [
                    ("office", OFFICES[n % 2]),
                    ("service", SERVICES[n / 2 % 4]),
                    ("when", "date"),
                    ("date", DATES[n / 8 % DATES.len()]),
                    ("nik", nik.as_str()),
                    ("name", "Warga Uji Ketahanan"),
                    ("email", "warga@contoh.id"),
                ];
                let started = Instant::now();
                let request = client.post(format!("{base}/api/book")).header("Accept", "application/json");
                if request.header("Cookie", session).form(&form).send().await.is_ok() {
                    record(&timings.bookings, started.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }));

    // The desk issues a number for today every 4 s; Loket 1 calls, serves and finishes one.
    load.push(tokio::spawn({
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        async move {
            let mut n = 500_000;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (nik, phone) = (nik(n), format!("0813{n:08}"));
                let form = [
                    ("office", "kantah-denpasar"),
                    ("service", SERVICES[n % 4]),
                    ("when", "today"),
                    ("nik", nik.as_str()),
                    ("name", "Warga Loket"),
                    ("phone", phone.as_str()),
                ];
                let desk = client.post(format!("{base}/api/staff_book")).header("Accept", "application/json");
                let _ = desk.header("Cookie", &staff).form(&form).send().await;
                for action in ["call_next", "serve", "finish"] {
                    let counter =
                        client.post(format!("{base}/api/counter_action")).header("Accept", "application/json");
                    let form = [("counter", loket.as_str()), ("action", action)];
                    let _ = counter.header("Cookie", &staff).form(&form).send().await;
                }
                tokio::time::sleep(Duration::from_secs(4)).await;
            }
        }
    }));

    // Live screens: each stays a while, drops, and connects again.
    for screen in 0..SCREENS {
        let (url, stop) = (format!("{}/ws/kantor/kantah-denpasar", base.replace("http://", "ws://")), stop.clone());
        load.push(tokio::spawn(async move {
            use futures::StreamExt;
            let stay = Duration::from_secs(20 + (screen % 40) as u64);
            while !stop.load(Ordering::Relaxed) {
                if let Ok((mut socket, _)) = tokio_tungstenite::connect_async(&url).await {
                    let until = Instant::now() + stay;
                    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                        let _ = tokio::time::timeout(Duration::from_secs(1), socket.next()).await;
                    }
                }
            }
        }));
    }

    // Office pages, ten a second.
    load.push(tokio::spawn({
        let (client, base, timings, stop) = (client.clone(), base.clone(), timings.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                if let Ok(page) = client.get(format!("{base}/kantor/{}", OFFICES[0])).send().await {
                    if page.bytes().await.is_ok() {
                        record(&timings.pages, started.elapsed());
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }));

    println!("soak: a simulated office day for {minutes} min (after a {} s warm-up)", WARM_UP.as_secs());
    tokio::time::sleep(WARM_UP).await;
    let start = read(&server, &timings);
    tokio::time::sleep(Duration::from_secs(minutes * 60)).await;
    let end = read(&server, &timings);
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.abort();
    }

    let mut healthy = true;
    let mut line = |what: &str, at_start: String, at_end: String, limit: String, ok: bool| {
        healthy &= ok;
        println!("  {what:<22} {at_start:>12} {at_end:>12}   {limit:<34} {}", if ok { "ok" } else { "OVER" });
    };
    println!("  {:<22} {:>12} {:>12}   {:<34}", "", "start", "end", "limit");
    let memory_ok = end.resident_mb - start.resident_mb <= MEMORY_GROWTH_MB;
    let (mb, files) = (|v: f64| format!("{v:.1} MB"), |v: i64| v.to_string());
    line(
        "server memory",
        mb(start.resident_mb),
        mb(end.resident_mb),
        format!("grows ≤ {MEMORY_GROWTH_MB} MB"),
        memory_ok,
    );
    let files_ok = end.open_files - start.open_files <= OPEN_FILES_GROWTH;
    line(
        "open files",
        files(start.open_files),
        files(end.open_files),
        format!("grows ≤ {OPEN_FILES_GROWTH}"),
        files_ok,
    );
    line("database", mb(start.database_mb), mb(end.database_mb), "grows with the bookings (no limit)".into(), true);
    let within = |start: Duration, end: Duration| end <= start * P99_GROWTH + Duration::from_millis(5);
    let limit = format!("≤ {P99_GROWTH}× the start + 5 ms");
    let booking_ok = within(start.booking_p99, end.booking_p99);
    line("booking p99", ms(start.booking_p99), ms(end.booking_p99), limit.clone(), booking_ok);
    let page_ok = within(start.page_p99, end.page_p99);
    line("office page p99", ms(start.page_p99), ms(end.page_p99), limit, page_ok);
    Ok(healthy)
}
