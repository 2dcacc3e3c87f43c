//! `antrean-bench`: prints the performance figures the README records.
//!
//! It starts the release server as a separate process on a fresh SQLite file
//! (or PostgreSQL database, on the server `ANTREAN_TEST_POSTGRES_URL` names),
//! then measures (1) bookings per second over HTTP from 64 concurrent clients,
//! on SQLite and on PostgreSQL with one and two instances, and checks that no
//! (service, date) got more tickets than its quota, (2) SSR latency of the
//! office page, (3) live calls: 10,000 WebSocket subscribers on one instance,
//! then 2 × 10,000 on two instances sharing PostgreSQL (each instance's
//! screens held by a child process, see `screens.rs`), the time from "call next" to
//! receipt at every one, and the server's memory per idle connection, (4) the
//! size of each WASM bundle and Lighthouse's mobile score
//! (see `lighthouse.rs`), (5) notices dispatched to local sinks and call → SMS
//! receipt (see `notices.rs`); (6) with
//! `antrean-bench abuse`, what each attack of the open internet gets, and how
//! long a legitimate booking and sign-in take meanwhile (see `abuse.rs`); and
//! (7) with `antrean-bench soak [MINUTES]`, a simulated office day that fails
//! on growth past its limits (see `soak.rs`).
//! Every loop is bounded; the server only listens on 127.0.0.1.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod abuse;
mod lighthouse;
mod notices;
mod screens;
mod soak;

const CLIENTS: usize = 64;
const SUBSCRIBERS: usize = 10_000;
const CALLS: usize = 20;
/// The live screens' socket: Denpasar's, whose Loket 1 calls.
const LIVE_PATH: &str = "/ws/kantor/kantah-denpasar";
const ADMIN_PASSWORD: &str = "bench-admin-password";
const BOOKINGS: usize = 20_000;
const SSR_REQUESTS: usize = 2_000;
/// Monday 23 November 2026, 10:00 WITA.
const NOW: &str = "2026-11-23T10:00:00+08:00";
const OFFICES: [&str; 2] = ["kantah-denpasar", "disdukcapil-bogor"];
const SERVICES: [&str; 4] = ["A", "B", "C", "D"];
/// Working days from 24 November to 21 December 2026 (weekends excluded).
const DATES: [&str; 20] = [
    "2026-11-24",
    "2026-11-25",
    "2026-11-26",
    "2026-11-27",
    "2026-11-30",
    "2026-12-01",
    "2026-12-02",
    "2026-12-03",
    "2026-12-04",
    "2026-12-07",
    "2026-12-08",
    "2026-12-09",
    "2026-12-10",
    "2026-12-11",
    "2026-12-14",
    "2026-12-15",
    "2026-12-16",
    "2026-12-17",
    "2026-12-18",
    "2026-12-21",
];

struct Server {
    child: Child,
    base: String,
    db_file: PathBuf,
    /// The database it runs on: its own SQLite file, or a PostgreSQL database.
    database_url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start_server(site_root: &Path) -> Result<Server, Box<dyn std::error::Error>> {
    start_server_with(site_root, &[]).await
}

/// The server with more settings, given as environment variables.
async fn start_server_with(site_root: &Path, settings: &[(&str, &str)]) -> Result<Server, Box<dyn std::error::Error>> {
    let binary = std::env::current_exe()?.with_file_name("antrean");
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let child = Command::new(&binary)
        .envs(settings.iter().copied())
        .env("ANTREAN_ADDR", format!("127.0.0.1:{port}"))
        .env("ANTREAN_DATA_DIR", dir.path())
        .env("ANTREAN_SITE_ROOT", site_root)
        .env("ANTREAN_NOW", NOW)
        .env("ANTREAN_DEV_MODE", "true")
        .env("ANTREAN_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // Every screen of the load generator comes from 127.0.0.1.
        .env("ANTREAN_SCREENS_PER_ADDRESS", "100000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let db_file = dir.path().join("antrean.db");
    let database_url = settings
        .iter()
        .find(|(name, _)| *name == "ANTREAN_DATABASE_URL")
        .map_or_else(|| format!("sqlite://{}", db_file.display()), |(_, url)| url.to_string());
    let server = Server { child, base: format!("http://127.0.0.1:{port}"), db_file, database_url, _dir: dir };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{}/", server.base)).send().await.is_ok() {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the server did not start within 10 s".into())
}

/// A valid NIK unique for each booking number: district and birth date vary with it.
fn nik(n: usize) -> String {
    let district = 1 + (n / 9999) % 90;
    format!("5171{district:02}120190{serial:04}", serial = 1 + n % 9999)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The server's resident memory, from /proc.
fn resident_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) a process has used, from /proc.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time every process on the machine has used (user, system and
/// interrupts; not idle, not stolen by the host), from /proc.
fn machine_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).map_while(|f| f.parse().ok()).collect();
    // user, nice, system, idle, iowait, irq, softirq, …
    let ticks = [0, 1, 2, 5, 6].iter().map(|&i| fields.get(i).copied()).sum::<Option<u64>>()?;
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time the PostgreSQL processes on this machine have used (the
/// throwaway server's, in a bench), from /proc.
fn postgres_cpu_time() -> Option<Duration> {
    let mut sum = Duration::ZERO;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        let is_postgres =
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "postgres");
        if is_postgres {
            sum += cpu_time(&pid).unwrap_or_default();
        }
    }
    Some(sum)
}

/// An HTTP client whose writes say they come from the server's own pages, as a
/// browser's do (writes without it are refused).
fn same_site_client(base: &str) -> Result<reqwest::Client, Box<dyn std::error::Error>> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse()?);
    Ok(reqwest::Client::builder().default_headers(headers).build()?)
}

async fn call(
    client: &reqwest::Client,
    server: &Server,
    endpoint: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let response = client
        .post(format!("{}/api/{endpoint}", server.base))
        .header("Accept", "application/json")
        .header("Cookie", cookie)
        .form(form)
        .send()
        .await?;
    Ok(response.json().await?)
}

/// The admin signs in; the session cookie, as a `Cookie` header value.
async fn staff_session(client: &reqwest::Client, server: &Server) -> Result<String, Box<dyn std::error::Error>> {
    let signed_in = client
        .post(format!("{}/api/staff_sign_in", server.base))
        .header("Accept", "application/json")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await?;
    // A sign-in sets the session and the known-device cookie.
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("antrean_session="))
        .and_then(|c| c.split(';').next())
        .ok_or("staff sign-in failed")?;
    Ok(session.to_string())
}

/// The id of Denpasar's Loket 1, as its console is addressed.
pub(crate) async fn loket_1(server: &Server) -> Result<String, Box<dyn std::error::Error>> {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.database_url).await?;
    let counter: i64 = sqlx::query_scalar(
        "SELECT c.id FROM counters c JOIN offices o ON o.id = c.office_id
         WHERE o.slug = 'kantah-denpasar' AND c.name = 'Loket 1'",
    )
    .fetch_one(&db)
    .await?;
    db.close().await;
    Ok(counter.to_string())
}

/// Live calls to `subscribers` screens spread over `servers`, called on the first.
async fn bench_live(
    servers: &[&Server],
    subscribers_per_server: usize,
    target_p99_ms: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let server = servers[0];
    let total = subscribers_per_server * servers.len();
    let client = same_site_client(&server.base)?;
    // A staff session with Loket 1 of Denpasar open, and tickets taken at its desk to call.
    let staff = staff_session(&client, server).await?;
    for n in 0..CALLS {
        let nik = nik(n);
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", nik.as_str()),
            ("name", "Warga Uji Beban"),
            ("phone", "081234567890"),
        ];
        call(&client, server, "staff_book", &staff, &form).await?;
    }
    let counter = loket_1(server).await?;
    call(&client, server, "counter_action", &staff, &[("counter", &counter), ("action", "open")]).await?;

    let pid = server.child.id();
    let before = resident_kb(pid).unwrap_or(0);
    let address = |server: &Server| server.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    // Each instance's screens live in a child process (see `screens.rs`).
    let mut children = Vec::new();
    for server in servers {
        children.push(screens::Child::start(&address(server), LIVE_PATH, subscribers_per_server, CALLS)?);
    }
    let mut subscribed = 0;
    for child in &mut children {
        subscribed += child.ready(Duration::from_secs(120)).await?;
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = resident_kb(pid).unwrap_or(0);

    let load_generator_cpu = |children: &[screens::Child]| {
        children.iter().try_fold(cpu_time("self")?, |sum, child| Some(sum + cpu_time(&child.id().to_string())?))
    };
    let servers_cpu =
        || servers.iter().try_fold(Duration::ZERO, |sum, s| Some(sum + cpu_time(&s.child.id().to_string())?));
    let cpu_before = (servers_cpu(), load_generator_cpu(&children));
    // When each call was sent, in the wall clock the children report receipts in.
    let mut sent = Vec::with_capacity(CALLS);
    for round in 1..=CALLS {
        sent.push(screens::now_nanos());
        let answer =
            call(&client, server, "counter_action", &staff, &[("counter", &counter), ("action", "call_next")]).await?;
        if answer.get("current").is_none() {
            return Err(format!("call next failed: {answer}").into());
        }
        // Wait (at most 10 s) until every subscriber has this call, then finish the ticket.
        let deadline = Instant::now() + Duration::from_secs(10);
        let all_received = || children.iter().map(|c| c.received()).sum::<usize>();
        while all_received() < subscribed * round && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for action in ["serve", "finish"] {
            call(&client, server, "counter_action", &staff, &[("counter", &counter), ("action", action)]).await?;
        }
        // A counter calls its next number some time after finishing the last
        // (seconds in an office), so the screens have the finish's update,
        // sent at the next count batch, before the next call is timed.
        tokio::time::sleep(app::live::COUNTS_EVERY + Duration::from_millis(350)).await;
    }
    let cpu_after = (servers_cpu(), load_generator_cpu(&children));
    let mut latencies = Vec::with_capacity(subscribed * CALLS);
    for child in children {
        for (round, at) in child.finish(Duration::from_secs(60)).await? {
            if let Some(sent) = round.checked_sub(1).and_then(|index| sent.get(index)) {
                let nanos = u64::try_from(at.saturating_sub(*sent)).unwrap_or(u64::MAX);
                latencies.push(Duration::from_nanos(nanos));
            }
        }
    }
    latencies.sort();
    let expected = subscribed * CALLS;
    let instances = match servers.len() {
        1 => "one instance".to_string(),
        n => format!("{n} instances sharing PostgreSQL, {subscribers_per_server} on each, called on the first"),
    };
    println!("live calls over WebSocket ({total} subscribers on one office, {instances}, {CALLS} calls)");
    println!("  subscribed:            {subscribed} in {:.1} s   (in waves of 250)", connect_time.as_secs_f64());
    println!("  calls received:        {} of {expected}", latencies.len());
    if !latencies.is_empty() {
        println!(
            "  call → receipt p50 / p99 / max: {} / {} / {}   (target: p99 ≤ {target_p99_ms} ms)",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(latencies[latencies.len() - 1])
        );
    }
    if let ((Some(server_before), Some(load_before)), (Some(server_after), Some(load_after))) = (cpu_before, cpu_after)
    {
        println!(
            "  CPU per call:          {} {:.0} ms, load generator {:.0} ms",
            if servers.len() == 1 { "server" } else { "servers together" },
            (server_after - server_before).as_secs_f64() * 1000.0 / CALLS as f64,
            (load_after - load_before).as_secs_f64() * 1000.0 / CALLS as f64
        );
    }
    if subscribed > 0 {
        println!(
            "  server memory:         {} MB before, {} MB with subscribers: {:.1} KB per idle connection   (target: ≤ 30 KB)",
            before / 1024,
            after / 1024,
            after.saturating_sub(before) as f64 / (subscribed / servers.len()) as f64
        );
    }
    Ok(())
}

/// Every screen of an office reconnecting at once (a restart, a network
/// blip), with the office page asked for all the while.
async fn bench_reconnect_storm(server: &Server) -> Result<(), Box<dyn std::error::Error>> {
    let address = server.base.trim_start_matches("http://").to_string();
    let page = format!("{}/kantor/kantah-denpasar", server.base);
    let storming = Arc::new(std::sync::atomic::AtomicBool::new(true));
    // The visitor of the office page is another device than the screens: it
    // reads on a thread and runtime of its own, not queued behind the
    // screens' 10,000 tasks in this process. It has the page open already
    // (its connection is made before the storm): what is measured is how the
    // server answers while it takes the screens in.
    let (ready, reading) = std::sync::mpsc::channel();
    let reader = {
        let (storming, client) = (storming.clone(), same_site_client(&server.base)?);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move {
                let opened = client.get(&page).send().await.and_then(|r| r.error_for_status());
                if let Ok(response) = opened {
                    let _ = response.bytes().await;
                }
                let _ = ready.send(());
                let mut latencies = Vec::new();
                while storming.load(Ordering::Acquire) {
                    let sent = Instant::now();
                    let answered = client.get(&page).send().await.and_then(|r| r.error_for_status());
                    if let Ok(response) = answered {
                        if response.bytes().await.is_ok() {
                            latencies.push(sent.elapsed());
                        }
                    }
                }
                Ok::<_, std::io::Error>(latencies)
            })
        })
    };
    reading.recv().map_err(|_| "the office page's reader stopped")?;
    let started = Instant::now();
    let screens: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| {
            let address = address.clone();
            tokio::spawn(async move {
                let mut screen = Subscriber::connect(&address, "/ws/kantor/kantah-denpasar").await.ok()?;
                screen.next_text().await?;
                Some(screen)
            })
        })
        .collect();
    let mut connected = Vec::with_capacity(SUBSCRIBERS);
    for screen in screens {
        if let Ok(Some(screen)) = screen.await {
            connected.push(screen);
        }
    }
    let elapsed = started.elapsed();
    storming.store(false, Ordering::Release);
    let mut latencies = reader.join().map_err(|_| "the office page's reader panicked")??;
    latencies.sort();
    println!("reconnect storm ({SUBSCRIBERS} screens of one office connecting at once)");
    println!("  subscribed:            {} in {:.1} s   (target: all in ≤ 5 s)", connected.len(), elapsed.as_secs_f64());
    if !latencies.is_empty() {
        println!(
            "  office page meanwhile (a visitor who has it open): {} answers, p50 / p99 {} / {}   (target: answered throughout)",
            latencies.len(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99))
        );
    }
    Ok(())
}

/// A WebSocket subscriber that reads frames straight off its socket: the load
/// generator shares the server's two cores, so it must cost as little as it can.
struct Subscriber {
    stream: tokio::net::TcpStream,
    received: Vec<u8>,
}

impl Subscriber {
    async fn connect(address: &str, path: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Err("closed during the handshake".into());
            }
            received.extend_from_slice(&chunk[..read]);
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                if !received.starts_with(b"HTTP/1.1 101") {
                    return Err("handshake refused".into());
                }
                received.drain(..end + 4);
                return Ok(Self { stream, received });
            }
        }
    }

    /// The payload of the next text frame.
    async fn next_text(&mut self) -> Option<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        loop {
            if let Some((opcode, payload, length)) = next_frame(&self.received) {
                let text = (opcode == 0x1).then(|| payload.to_vec());
                self.received.drain(..length);
                if text.is_some() {
                    return text;
                }
                continue;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(read) => self.received.extend_from_slice(&chunk[..read]),
            }
        }
    }
}

/// The first whole frame in `received` (a server's frames are never masked):
/// its opcode, its payload and its length, header included.
fn next_frame(received: &[u8]) -> Option<(u8, &[u8], usize)> {
    let [first, second, ..] = *received else { return None };
    let (length, at): (usize, usize) = match second & 0x7F {
        126 => received.get(2..4).map(|b| (usize::from(u16::from_be_bytes([b[0], b[1]])), 4))?,
        127 => received.get(2..10).map(|b| (b.iter().fold(0, |n, &byte| n << 8 | usize::from(byte)), 10))?,
        short => (usize::from(short), 2),
    };
    let end = at.checked_add(length)?;
    Some((first & 0x0F, received.get(at..end)?, end))
}

/// Phones booking in the bench: each takes four numbers (two offices, two
/// services each, one date), inside the caps on what one phone may hold.
const BOOKINGS_PER_PHONE: usize = 4;

/// The booking sent `sent_before` others into the run. One phone's four
/// bookings come a quarter of the run apart, as in a real rush, where one
/// citizen does not book four numbers in the same instant; side by side they
/// would only queue on the phone's lock, which orders one phone's bookings
/// on PostgreSQL.
fn booking_in_turn(sent_before: usize) -> usize {
    let phones = BOOKINGS / BOOKINGS_PER_PHONE;
    BOOKINGS_PER_PHONE * (sent_before % phones) + sent_before / phones
}

/// Sessions of the citizens numbered `serials`, made in the server's database
/// (the SMS code flow would meet the per-address limits long before): `Cookie`
/// header values.
async fn citizen_sessions(
    server: &Server,
    serials: std::ops::Range<usize>,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    use app::store::sessions::{self, SessionOwner};
    let db = app::store::Db::open_url(&server.database_url).await?;
    let mut cookies = Vec::with_capacity(serials.len());
    for n in serials {
        let owner =
            SessionOwner::Citizen { phone: app::domain::identity::PhoneNumber::parse(&format!("+62812{n:08}"))? };
        let token = sessions::create(&db, &owner, chrono::Utc::now()).await?;
        cookies.push(format!("antrean_session={token}"));
    }
    Ok(cookies)
}

/// Bookings over HTTP from 64 clients, spread over `servers` (instances on
/// one database); returns the bookings per second.
async fn bench_bookings(servers: &[&Server], engine: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let server = servers[0];
    let sessions = Arc::new(citizen_sessions(server, 0..BOOKINGS.div_ceil(BOOKINGS_PER_PHONE)).await?);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let servers_cpu =
        || servers.iter().try_fold(Duration::ZERO, |sum, s| Some(sum + cpu_time(&s.child.id().to_string())?));
    let (started, machine_before) = (Instant::now(), machine_cpu_time());
    let (servers_before, database_before) = (servers_cpu(), postgres_cpu_time());
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let base = servers[client % servers.len()].base.clone();
        let (next, failures, sessions) = (next.clone(), failures.clone(), sessions.clone());
        let client = same_site_client(&base)?;
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let sent_before = next.fetch_add(1, Ordering::Relaxed);
                if sent_before >= BOOKINGS {
                    return latencies;
                }
                let n = booking_in_turn(sent_before);
                let form = [
                    ("office", OFFICES[n % 2]),
                    ("service", SERVICES[(n / 2) % 4]),
                    ("when", "date"),
                    ("date", DATES[(n / 8) % DATES.len()]),
                    ("nik", &nik(n)),
                    ("name", "Warga Uji Beban"),
                    ("email", "warga@contoh.id"),
                ];
                let sent = Instant::now();
                let ok = client
                    .post(format!("{base}/api/book"))
                    .header("Accept", "application/json")
                    .header("Cookie", sessions[n / BOOKINGS_PER_PHONE].as_str())
                    .form(&form)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                latencies.push(sent.elapsed());
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut latencies = Vec::with_capacity(BOOKINGS);
    for client in clients {
        latencies.extend(client.await?);
    }
    let elapsed = started.elapsed();
    let spent = |before: Option<Duration>, after: Option<Duration>| {
        before.zip(after).map(|(before, after)| after.saturating_sub(before))
    };
    let machine_cpu = spent(machine_before, machine_cpu_time());
    let (servers_cpu, database_cpu) =
        (spent(servers_before, servers_cpu()), spent(database_before, postgres_cpu_time()));
    latencies.sort();

    // Written to mean the same on SQLite and PostgreSQL.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.database_url).await?;
    let overbooked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT t.service_id, t.service_date FROM tickets t JOIN services s ON s.id = t.service_id
           GROUP BY t.service_id, t.service_date HAVING COUNT(*) > MAX(s.daily_quota)) AS over",
    )
    .fetch_one(&db)
    .await?;
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) - (SELECT COUNT(*) FROM (SELECT DISTINCT service_id, service_date, sequence FROM tickets) AS d)
         FROM tickets",
    )
    .fetch_one(&db)
    .await?;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&db).await?;
    db.close().await;

    let over_http = BOOKINGS as f64 / elapsed.as_secs_f64();
    let instances = if servers.len() == 1 { "1 instance".to_string() } else { format!("{} instances", servers.len()) };
    println!("bookings over HTTP ({CLIENTS} concurrent clients, {engine}, {instances})");
    println!("  bookings:              {BOOKINGS} sent, {stored} stored, {} failed", failures.load(Ordering::Relaxed));
    println!(
        "  throughput:            {over_http:.0} bookings/s   (target: {})",
        if engine == "SQLite" { "≥ 5,000/s" } else { "≥ 2,000/s on one instance, more on two" }
    );
    println!("  latency p50 / p99:     {} / {}", ms(percentile(&latencies, 0.5)), ms(percentile(&latencies, 0.99)));
    if let Some(cpu) = machine_cpu {
        // Steadier than the rate on a shared machine: what a booking costs
        // every process together (database, servers, this load generator).
        let per_booking = cpu.as_secs_f64() * 1e6 / BOOKINGS as f64;
        println!(
            "  machine CPU a booking: {per_booking:.0} µs (every process, {:.1} cores busy)",
            cpu.as_secs_f64() / elapsed.as_secs_f64()
        );
        let per_booking = |cpu: Duration| cpu.as_secs_f64() * 1e6 / BOOKINGS as f64;
        let database_cpu = database_cpu.filter(|cpu| engine != "SQLite" && !cpu.is_zero());
        if let Some((servers, database)) = servers_cpu.zip(database_cpu) {
            // The part that does not grow with the instances: with each
            // instance on a machine of its own, the database's cores are the
            // ceiling, whatever the number of instances.
            let database = per_booking(database);
            println!(
                "    of which PostgreSQL {database:.0} µs, the servers {:.0} µs, the rest (this load generator) {:.0} µs; \
                 PostgreSQL alone would take {:.0} bookings/s a core",
                per_booking(servers),
                per_booking(cpu.saturating_sub(servers_cpu.unwrap_or_default() + database_cpu.unwrap_or_default())),
                1e6 / database
            );
        }
    }
    println!("  overbooked dates:      {overbooked}   (target: 0)");
    println!("  duplicate sequences:   {duplicates}");
    Ok(over_http)
}

/// The SQLite bookings, and the same bookings in the store alone for comparison.
async fn bench_bookings_sqlite(server: &Server) -> Result<(), Box<dyn std::error::Error>> {
    let over_http = bench_bookings(&[server], "SQLite").await?;
    let in_store = store_bookings_per_second().await?;
    let through_sqlx = sqlx_sqlite_bookings_per_second().await?;
    let native = native_sqlite_bookings_per_second().await?;
    println!(
        "  the same bookings in the store alone (no HTTP, {CLIENTS} tasks): {in_store:.0}/s; HTTP reaches {:.0}% of it",
        100.0 * over_http / in_store
    );
    println!(
        "  the same bookings as plain SQL (the store's statements, one SQLite transaction per {CLIENTS}): \
         {native:.0}/s through SQLite's own API, {through_sqlx:.0}/s through sqlx; HTTP reaches {:.0}% of the first, \
         the store {:.0}%",
        100.0 * over_http / native,
        100.0 * in_store / native
    );
    Ok(())
}

/// Bookings on PostgreSQL (the throwaway server `scripts/test-postgres`
/// starts, which `./antrean bench` does): one instance, then two instances
/// sharing a database, each on a fresh database.
async fn bench_bookings_postgres(site_root: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let server_url = postgres_server_url()?;
    for instances in [1, 2] {
        let url = fresh_postgres_database(&server_url, instances).await?;
        // About one booking writer per core of the database, all instances
        // together (as the README advises for ANTREAN_BOOKING_WRITERS).
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        let writers = (cores / instances).max(1).to_string();
        let settings = [("ANTREAN_DATABASE_URL", url.as_str()), ("ANTREAN_BOOKING_WRITERS", writers.as_str())];
        // One after the other: the first migrates and seeds the database.
        let mut servers = Vec::new();
        for _ in 0..instances {
            servers.push(start_server_with(site_root, &settings).await?);
        }
        let servers: Vec<&Server> = servers.iter().collect();
        bench_bookings(&servers, &format!("PostgreSQL, {writers} booking writers each")).await?;
        if instances == 1 {
            println!();
        }
    }
    Ok(())
}

fn postgres_server_url() -> Result<String, Box<dyn std::error::Error>> {
    Ok(std::env::var("ANTREAN_TEST_POSTGRES_URL")
        .map_err(|_| "the PostgreSQL figures need ANTREAN_TEST_POSTGRES_URL (./antrean bench starts a server)")?)
}

/// A new database on the PostgreSQL server at `server_url`.
async fn fresh_postgres_database(server_url: &str, serial: usize) -> Result<String, Box<dyn std::error::Error>> {
    use sqlx::Connection;
    let name = format!("bench_{}_{serial}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(server_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
    admin.close().await?;
    let (base, _) = server_url.rsplit_once('/').ok_or("a server URL ending in a database name")?;
    Ok(format!("{base}/{name}"))
}

/// Bookings straight into the store (the booking writer's group commit on a
/// fresh SQLite file, no HTTP, no sessions): what the HTTP figure is measured
/// against in the same run.
async fn store_bookings_per_second() -> Result<f64, Box<dyn std::error::Error>> {
    use app::domain::booking::{BookingRequest, Holder, IssuedBy};
    use app::domain::identity::Nik;
    use app::domain::ticket::Channel;

    let dir = tempfile::tempdir()?;
    let db = app::store::Db::open_sqlite(&dir.path().join("store.db")).await?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?.with_timezone(&chrono::Utc);
    app::store::seed::seed_demo_offices(&db, now).await?;
    // The same offices, services and dates as the HTTP run, in the same order.
    let mut services = Vec::new();
    for slug in OFFICES {
        let office = Arc::new(app::store::offices::find(&db, slug).await?.ok_or("no demo office")?);
        for prefix in SERVICES {
            let service = office.service(prefix).cloned().ok_or("no service")?;
            services.push((office.clone(), Arc::new(service)));
        }
    }
    let services = Arc::new(services);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CLIENTS);
    for client in 0..CLIENTS {
        let (db, services) = (db.clone(), services.clone());
        tasks.push(tokio::spawn(async move {
            for n in (client..BOOKINGS).step_by(CLIENTS) {
                let (office, service) = &services[(n % 2) * SERVICES.len() + (n / 2) % SERVICES.len()];
                let holder = Holder { nik: Nik::parse(&nik(n)).ok(), ..Holder::default() };
                let by = IssuedBy { channel: Channel::WalkIn, account: None };
                let Ok(date) = DATES[(n / 8) % DATES.len()].parse() else { continue };
                let _ =
                    app::store::tickets::book(&db, office, service, &holder, by, BookingRequest::Date(date), now).await;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    Ok(BOOKINGS as f64 / started.elapsed().as_secs_f64())
}

/// A fresh SQLite file with the demo offices, for the yardsticks, and the
/// (service, office) ids of the bookings' services in `SERVICES` order.
async fn yardstick_file(dir: &Path) -> Result<(PathBuf, Vec<(i64, i64)>), Box<dyn std::error::Error>> {
    let path = dir.join("raw.db");
    let db = app::store::Db::open_sqlite(&path).await?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?.with_timezone(&chrono::Utc);
    app::store::seed::seed_demo_offices(&db, now).await?;
    let mut services = Vec::new();
    for slug in OFFICES {
        let office = app::store::offices::find(&db, slug).await?.ok_or("no demo office")?;
        for prefix in SERVICES {
            services.push(office.service(prefix).map(|service| (service.id, office.id)).ok_or("no service")?);
        }
    }
    db.close().await;
    Ok((path, services))
}

/// Booking `n` of a yardstick: service, office, date, NIK, phone.
fn yardstick_booking(services: &[(i64, i64)], n: usize) -> (i64, i64, &'static str, String, String) {
    let (service, office) = services[(n % 2) * SERVICES.len() + (n / 2) % SERVICES.len()];
    (service, office, DATES[(n / 8) % DATES.len()], nik(n), format!("+62812{:07}", n / BOOKINGS_PER_PHONE))
}

/// The same bookings as plain SQL on a fresh SQLite file with the same schema
/// and durability (WAL, `synchronous = FULL`), one transaction per 64: each
/// booking runs the store's own four statements (`store::tickets::statements`:
/// the NIK's ticket, the phone's holdings, the claim, the ticket), prepared
/// once and bound, through sqlx. The booking writer used to run them so; the
/// native yardstick below is what it runs now.
async fn sqlx_sqlite_bookings_per_second() -> Result<f64, Box<dyn std::error::Error>> {
    use app::store::tickets::statements;
    use sqlx::Connection;
    let dir = tempfile::tempdir()?;
    let (path, services) = yardstick_file(dir.path()).await?;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    sqlx::raw_sql("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        .execute(&mut conn)
        .await?;
    let numbers: Vec<usize> = (0..BOOKINGS).collect();
    let started = Instant::now();
    for batch in numbers.chunks(CLIENTS) {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        for &n in batch {
            let (service, office, date, nik, phone) = yardstick_booking(&services, n);
            sqlx::query(&statements::ACTIVE_TICKET)
                .bind(service)
                .bind(&nik)
                .bind(date)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(&statements::PHONE_HOLDINGS)
                .bind(&phone)
                .bind(service)
                .bind(office)
                .bind(date)
                .bind(DATES[0])
                .bind(0_i64)
                .fetch_one(&mut *tx)
                .await?;
            let Some(sequence): Option<i64> = sqlx::query_scalar(&statements::CLAIM_PLACE)
                .bind(service)
                .bind(date)
                .bind(0_i64)
                .bind(0_i64)
                .fetch_optional(&mut *tx)
                .await?
            else {
                continue;
            };
            sqlx::query(&statements::INSERT_TICKET)
                .bind(format!("R{n:09}"))
                .bind(service)
                .bind(date)
                .bind(date)
                .bind(None::<String>)
                .bind(sequence)
                .bind(format!("R-{sequence:03}"))
                .bind("Warga Uji Beban")
                .bind(&nik)
                .bind(&phone)
                .bind("warga@contoh.id")
                .bind("online")
                .bind(n as i64)
                .bind(None::<i64>)
                .bind(None::<String>)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(BOOKINGS as f64 / started.elapsed().as_secs_f64())
}

/// The same four statements per booking through SQLite's own API (rusqlite,
/// as the booking writer runs them), on one thread, with no code of ours
/// around them: the yardstick for the booking writer. rusqlite binds by
/// position in order of first appearance, so the values are bound by name.
async fn native_sqlite_bookings_per_second() -> Result<f64, Box<dyn std::error::Error>> {
    use app::store::tickets::statements;
    use rusqlite::named_params;
    let dir = tempfile::tempdir()?;
    let (path, services) = yardstick_file(dir.path()).await?;
    let mut conn = rusqlite::Connection::open(&path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")?;
    let numbers: Vec<usize> = (0..BOOKINGS).collect();
    let started = Instant::now();
    for batch in numbers.chunks(CLIENTS) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for &n in batch {
            let (service, office, date, nik, phone) = yardstick_booking(&services, n);
            tx.prepare_cached(&statements::ACTIVE_TICKET)?
                .query(named_params! {"$1": service, "$2": nik, "$3": date})?
                .next()?;
            tx.prepare_cached(&statements::PHONE_HOLDINGS)?
                .query(named_params! {"$1": phone, "$2": service, "$3": office, "$4": date, "$5": DATES[0], "$6": 0})?
                .next()?;
            let mut claim = tx.prepare_cached(&statements::CLAIM_PLACE)?;
            let mut claimed = claim.query(named_params! {"$1": service, "$2": date, "$3": 0, "$4": 0})?;
            let Some(sequence) = claimed.next()?.map(|row| row.get::<_, i64>(0)).transpose()? else {
                continue;
            };
            drop(claimed);
            tx.prepare_cached(&statements::INSERT_TICKET)?.execute(named_params! {
                "$1": format!("R{n:09}"), "$2": service, "$3": date, "$4": date, "$5": None::<String>,
                "$6": sequence, "$7": format!("R-{sequence:03}"), "$8": "Warga Uji Beban", "$9": nik,
                "$10": phone, "$11": "warga@contoh.id", "$12": "online", "$13": n as i64, "$14": None::<i64>,
                "$15": None::<String>,
            })?;
        }
        tx.commit()?;
    }
    Ok(BOOKINGS as f64 / started.elapsed().as_secs_f64())
}

async fn bench_ssr(server: &Server) -> Result<(), Box<dyn std::error::Error>> {
    let client = reqwest::Client::new();
    let url = format!("{}/kantor/kantah-denpasar", server.base);
    for _ in 0..100 {
        client.get(&url).send().await?.bytes().await?;
    }
    let mut latencies = Vec::with_capacity(SSR_REQUESTS);
    let mut size = 0;
    for _ in 0..SSR_REQUESTS {
        let sent = Instant::now();
        let body = client.get(&url).send().await?.error_for_status()?.bytes().await?;
        latencies.push(sent.elapsed());
        size = body.len();
    }
    latencies.sort();
    println!("server-side rendering of the office page ({SSR_REQUESTS} sequential requests, {size} bytes)");
    println!(
        "  latency p50 / p99:     {} / {}   (target: p99 ≤ 10 ms)",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );
    Ok(())
}

fn wasm_size(site_root: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let names = app::AssetNames::parse(&std::fs::read_to_string(site_root.join("assets.txt")).unwrap_or_default());
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len() as f64 / 1000.0);
    println!("front-end bundles (release, wasm-opt -Oz), one per audience");
    for audience in app::Audience::ALL {
        let wasm = site_root.join(format!("pkg/{}_bg.wasm", names.bundle(audience)));
        let (raw, gzip) = (size(&wasm)?, size(&wasm.with_extension("wasm.gz"))?);
        let brotli = size(&wasm.with_extension("wasm.br")).unwrap_or(f64::NAN);
        // The target is the cheap phone's: the counter console and the
        // admin forms run on the office's own computers.
        let target = match audience {
            app::Audience::Staff => "no target: staff and admin screens, on the office's computers",
            _ => "target: ≤ 150 KB brotli",
        };
        println!(
            "  {:<8} WASM raw / gzip / brotli: {raw:.0} KB / {gzip:.0} KB / {brotli:.0} KB   ({target})",
            audience.name()
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site_root = PathBuf::from(std::env::var("ANTREAN_SITE_ROOT").unwrap_or_else(|_| "target/site".into()));
    // `antrean-bench live` runs one part; no argument runs them all.
    let only = std::env::args().nth(1);
    let runs = |part: &str| only.as_deref().is_none_or(|only| only == part);
    // The server process inherits the raised limit, and so does a child holding screens.
    let open_files = antrean_server::limits::raise_open_files().unwrap_or(0);
    if only.as_deref() == Some("screens") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        return screens::child(&args).await;
    }
    if open_files < SUBSCRIBERS as u64 + 100 {
        eprintln!("warning: {open_files} open files allowed; the live figures need {} (ulimit -n)", SUBSCRIBERS + 100);
    }
    println!("antrean-bench on {} cores\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    if runs("bookings") {
        let server = start_server(&site_root).await?;
        bench_bookings_sqlite(&server).await?;
        println!();
    }
    // Not part of the default run: the store figure alone, to profile the
    // booking writer (`perf record -g antrean-bench bookings-store`).
    if only.as_deref() == Some("bookings-store") {
        println!(
            "bookings straight into the store (no HTTP, {CLIENTS} tasks): {:.0}/s",
            store_bookings_per_second().await?
        );
        println!(
            "the same as plain SQL: {:.0}/s through SQLite's own API, {:.0}/s through sqlx",
            native_sqlite_bookings_per_second().await?,
            sqlx_sqlite_bookings_per_second().await?
        );
    }
    if runs("bookings-postgres") {
        bench_bookings_postgres(&site_root).await?;
        println!();
    }
    if runs("ssr") {
        let server = start_server(&site_root).await?;
        bench_ssr(&server).await?;
        println!();
    }
    if runs("live") {
        let server = start_server(&site_root).await?;
        bench_live(&[&server], SUBSCRIBERS, 100).await?;
        println!();
    }
    if runs("live-postgres") {
        let url = fresh_postgres_database(&postgres_server_url()?, 3).await?;
        let settings = [("ANTREAN_DATABASE_URL", url.as_str())];
        let first = start_server_with(&site_root, &settings).await?;
        let second = start_server_with(&site_root, &settings).await?;
        bench_live(&[&first, &second], SUBSCRIBERS, 150).await?;
        println!();
    }
    if runs("storm") {
        let server = start_server(&site_root).await?;
        bench_reconnect_storm(&server).await?;
        println!();
    }
    if runs("wasm") {
        wasm_size(&site_root)?;
        println!();
    }
    if runs("lighthouse") {
        lighthouse::run(&site_root).await?;
        println!();
    }
    if runs("notices") {
        notices::run(&site_root).await?;
        println!();
    }
    // Not part of the default run: it is about refusals, not speed.
    if only.as_deref() == Some("abuse") {
        abuse::run(&site_root).await?;
    }
    // Not part of the default run either: it takes half an hour.
    if only.as_deref() == Some("soak") {
        let minutes = std::env::args().nth(2).and_then(|m| m.parse().ok()).unwrap_or(30);
        if !soak::run(&site_root, minutes).await? {
            return Err("the soak run grew past a limit".into());
        }
    }
    Ok(())
}
