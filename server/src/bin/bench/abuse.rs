//! `antrean-bench abuse`: each attack of the open internet run against a real
//! server, with what it got (attempts, refused, status codes), and the time a
//! legitimate booking and a legitimate staff sign-in took while it ran, beside
//! their time on a quiet server (target: within 2×).
//!
//! The server trusts the proxy on 127.0.0.1, so attacks can come from many
//! addresses through `X-Forwarded-For`, as they would through a load balancer.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{citizen_sessions, ms, nik, same_site_client, start_server_with, Server, ADMIN_PASSWORD};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Requests an attack keeps in flight.
const IN_FLIGHT: usize = 32;

/// What one attack got.
struct Outcome {
    attempts: usize,
    statuses: BTreeMap<u16, usize>,
}

impl Outcome {
    fn refused(&self) -> usize {
        self.statuses.iter().filter(|(status, _)| (400..500).contains(*status)).map(|(_, n)| n).sum()
    }

    fn codes(&self) -> String {
        self.statuses.iter().map(|(status, n)| format!("{status}×{n}")).collect::<Vec<_>>().join(" ")
    }
}

type Form = Vec<(&'static str, String)>;

/// The `n`th address of a /16.
fn address(network: &str, n: usize) -> String {
    format!("{network}.{}.{}", n / 250, n % 250 + 1)
}

/// The `n`th wrong password for the admin.
fn guess(n: usize) -> Form {
    vec![("username", "admin".into()), ("password", format!("tebakan-{n}"))]
}

/// An attack of `attempts` posts of `form(n)` to a server function, each from
/// the address `from(n)` through the trusted proxy.
fn forwarded(
    client: &reqwest::Client,
    base: &str,
    endpoint: &'static str,
    attempts: usize,
    from: fn(usize) -> String,
    form: fn(usize) -> Form,
) -> Box<dyn FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>> {
    let (client, url) = (client.clone(), format!("{base}/api/{endpoint}"));
    Box::new(move || {
        Box::pin(attack(attempts, move |n| {
            let request = client.post(&url).header("Accept", "application/json").header("X-Forwarded-For", from(n));
            send(request.form(&form(n)))
        }))
    })
}

/// Sends `attempts` requests made by `request(n)`, `IN_FLIGHT` at a time.
async fn attack<F, Fut>(attempts: usize, request: F) -> Outcome
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<u16>> + Send,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (request, next) = (request.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut statuses = BTreeMap::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= attempts {
                    return statuses;
                }
                // 0: the request never got an answer.
                *statuses.entry(request(n).await.unwrap_or(0)).or_insert(0) += 1;
            }
        }));
    }
    let mut statuses = BTreeMap::new();
    for worker in workers {
        for (status, n) in worker.await.unwrap_or_default() {
            *statuses.entry(status).or_insert(0) += n;
        }
    }
    Outcome { attempts, statuses }
}

/// A legitimate citizen and staff member, timed.
struct Legitimate {
    client: reqwest::Client,
    base: String,
    sessions: Vec<String>,
    used: AtomicUsize,
    /// The admin's browser, a known device (as the owner's is in real life).
    device: String,
}

impl Legitimate {
    /// One booking by a citizen of its own, and one sign-in of the admin from
    /// an address of its own; how long each took (`None` if refused).
    async fn timed(&self) -> (Option<Duration>, Option<Duration>) {
        let n = self.used.fetch_add(1, Ordering::Relaxed);
        let session = &self.sessions[n % self.sessions.len()];
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "B"),
            ("when", "date"),
            ("date", "2026-12-01"),
            ("nik", &nik(900_000 + n)),
            ("name", "Warga Sah"),
            ("email", "warga@contoh.id"),
        ];
        let started = Instant::now();
        let booked = self.client.post(format!("{}/api/book", self.base)).header("Cookie", session).form(&form);
        let booked = send(booked.header("Accept", "application/json")).await;
        let booking = (booked == Some(200)).then(|| started.elapsed());
        let started = Instant::now();
        let signed_in = self
            .client
            .post(format!("{}/api/staff_sign_in", self.base))
            .header("Accept", "application/json")
            .header("X-Forwarded-For", format!("198.18.0.{}", n % 250 + 1))
            .header("Cookie", &self.device)
            .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)]);
        let sign_in = (send(signed_in).await == Some(200)).then(|| started.elapsed());
        (booking, sign_in)
    }

    /// The median of `samples` timed pairs: one sample is at the mercy of
    /// whatever the two cores happen to run in that millisecond.
    async fn median(&self, samples: usize) -> (Option<Duration>, Option<Duration>) {
        let mut bookings = Vec::new();
        let mut sign_ins = Vec::new();
        for _ in 0..samples {
            let (booking, sign_in) = self.timed().await;
            bookings.push(booking);
            sign_ins.push(sign_in);
        }
        // A refused one counts as the slowest.
        let middle = |mut times: Vec<Option<Duration>>| {
            times.sort_by_key(|time| time.unwrap_or(Duration::MAX));
            times[times.len() / 2]
        };
        (middle(bookings), middle(sign_ins))
    }
}

async fn send(request: reqwest::RequestBuilder) -> Option<u16> {
    request.send().await.ok().map(|response| response.status().as_u16())
}

fn shown(time: Option<Duration>) -> String {
    time.map(ms).unwrap_or_else(|| "refused".into())
}

/// Within 2× of the quiet figure (and a millisecond's slack for timer noise)?
fn verdict(during: Option<Duration>, quiet: Option<Duration>) -> &'static str {
    match (during, quiet) {
        (Some(during), Some(quiet)) if during <= quiet * 2 + Duration::from_millis(1) => "ok",
        _ => "OVER",
    }
}

/// The admin signs in once; the browser is then a known device.
async fn known_device(client: &reqwest::Client, base: &str) -> BenchResult<String> {
    let signed_in = client
        .post(format!("{base}/api/staff_sign_in"))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", "198.18.0.1")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await?;
    let cookies = signed_in.headers().get_all("set-cookie");
    let device = cookies.iter().filter_map(|v| v.to_str().ok()).find(|line| line.starts_with("antrean_device="));
    Ok(device.and_then(|line| line.split(';').next()).ok_or("no known-device cookie")?.to_string())
}

/// A client that sends no `Origin` (the attacker's script) and does not follow redirects.
fn bare_client() -> BenchResult<reqwest::Client> {
    Ok(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?)
}

pub async fn run(site_root: &Path) -> BenchResult<()> {
    let server = start_server_with(site_root, &[("ANTREAN_TRUSTED_PROXIES", "127.0.0.1")]).await?;
    let sessions = citizen_sessions(&server, 0..64).await?;
    let calo = citizen_sessions(&server, 1_000..1_001).await?.remove(0);
    let client = same_site_client(&server.base)?;
    let legit = Arc::new(Legitimate {
        device: known_device(&client, &server.base).await?,
        client: client.clone(),
        base: server.base.clone(),
        sessions,
        used: AtomicUsize::new(0),
    });
    let quiet = legit.median(5).await;
    println!("attacks from the open internet (each against the same server; {IN_FLIGHT} requests in flight)");
    println!(
        "quiet server: booking {}, staff sign-in {} (medians of 5; during an attack, of 3)\n",
        shown(quiet.0),
        shown(quiet.1)
    );
    println!(
        "{:<58} {:>8} {:>8}  {:<28} {:>22} {:>22}",
        "attack", "attempts", "refused", "status codes", "legit booking (≤2×)", "legit sign-in (≤2×)"
    );
    let base = server.base.clone();
    let bare = bare_client()?;

    type Attack = (&'static str, Box<dyn FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>>);
    let attacks: Vec<Attack> = vec![
        ("calo: one phone books 500 numbers with made-up NIKs", {
            let (client, base) = (client.clone(), base.clone());
            Box::new(move || {
                Box::pin(attack(500, move |n| {
                    let form = [
                        ("office", ["kantah-denpasar", "disdukcapil-bogor"][n % 2].to_string()),
                        ("service", ["A", "B", "C", "D"][n / 2 % 4].to_string()),
                        ("when", "date".to_string()),
                        ("date", format!("2026-12-{:02}", n / 8 % 4 + 7)),
                        ("nik", nik(n)),
                        ("name", "Calo".to_string()),
                        ("email", "calo@contoh.id".to_string()),
                    ];
                    let request = client.post(format!("{base}/api/book")).header("Cookie", calo.clone()).form(&form);
                    send(request.header("Accept", "application/json"))
                }))
            })
        }),
        ("writes without Origin or Referer (500 code requests)", {
            let (bare, base) = (bare.clone(), base.clone());
            Box::new(move || {
                Box::pin(attack(500, move |n| {
                    let phone = format!("0812{:08}", 40_000_000 + n);
                    send(bare.post(format!("{base}/api/request_sign_in_code")).form(&[("phone", phone)]))
                }))
            })
        }),
        ("password guessing: 2,000 for admin from one address", {
            forwarded(&client, &base, "staff_sign_in", 2_000, |_| "203.0.113.66".into(), guess)
        }),
        ("password guessing: 2,000 for admin from 2,000 addresses", {
            forwarded(&client, &base, "staff_sign_in", 2_000, |n| address("100.64", n), guess)
        }),
        ("SMS pumping: 1,000 codes to one range from 1,000 addresses", {
            let phone = |n: usize| vec![("phone", format!("08123456{n:04}"))];
            forwarded(&client, &base, "request_sign_in_code", 1_000, |n| address("100.65", n), phone)
        }),
    ];
    for (name, run_attack) in attacks {
        let running = tokio::spawn(run_attack());
        // Measured once the attack is under way.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let during = legit.median(3).await;
        let outcome = running.await?;
        println!(
            "{:<58} {:>8} {:>8}  {:<28} {:>15} {:>6} {:>15} {:>6}",
            name,
            outcome.attempts,
            outcome.refused(),
            outcome.codes(),
            shown(during.0),
            verdict(during.0, quiet.0),
            shown(during.1),
            verdict(during.1, quiet.1),
        );
    }
    forged_host(&server, &client).await?;
    Ok(())
}

/// A forged `Host` is no attack on speed: what matters is that no SMS names it.
async fn forged_host(server: &Server, client: &reqwest::Client) -> BenchResult<()> {
    for n in 0..20 {
        let request = client
            .post(format!("{}/api/request_sign_in_code", server.base))
            .header("Host", "jahat.example")
            .header("X-Forwarded-For", format!("100.66.0.{}", n + 1))
            .header("Accept", "application/json")
            .form(&[("phone", format!("0878{:08}", n))]);
        send(request).await;
    }
    let db = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}?mode=ro", server.db_file.display())).await?;
    let forged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox WHERE body LIKE '%jahat%'").fetch_one(&db).await?;
    db.close().await;
    println!("\nforged Host on 20 code requests: {forged} SMS name the forged host (target 0)");
    Ok(())
}
