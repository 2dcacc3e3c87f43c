//! `antrean-bench lighthouse`: Lighthouse 12's mobile performance score (slow 4G,
//! a 4× slower CPU) and Largest Contentful Paint for the pages citizens open
//! most: home, an office, its booking form and a ticket. Lighthouse comes from
//! npm (`end2end/package.json`) and drives Debian's Chromium, like the browser
//! tests; `end2end/bench/lighthouse.mjs` runs it and prints one JSON line a page.

use std::path::Path;
use std::process::Command;

use super::{start_server, Server, NOW};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const TARGET_SCORE: f64 = 0.98;
const TARGET_LCP_MS: f64 = 2_000.0;

pub async fn run(site_root: &Path) -> BenchResult<()> {
    let server = start_server(site_root).await?;
    let ticket = a_ticket(&server).await?;
    let pages = [
        ("home", format!("{}/", server.base)),
        ("office", format!("{}/kantor/kantah-denpasar", server.base)),
        ("booking", format!("{}/kantor/kantah-denpasar/daftar", server.base)),
        ("ticket", format!("{}/tiket/{ticket}", server.base)),
    ];
    let end2end = std::env::var("ANTREAN_END2END").unwrap_or_else(|_| "end2end".into());
    let output = Command::new("node")
        .arg("bench/lighthouse.mjs")
        .args(pages.iter().map(|(_, url)| url))
        .current_dir(&end2end)
        .output()
        .map_err(|e| format!("cannot run node (is Node.js installed?): {e}"))?;
    if !output.status.success() {
        return Err(format!("lighthouse failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&output.stdout).lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let first = lines.first().ok_or("lighthouse printed nothing")?;
    println!(
        "Lighthouse {} mobile (simulated slow 4G, 4× CPU), median of 3 runs, in {}",
        first["lighthouse"].as_str().unwrap_or("?"),
        first["browser"].as_str().unwrap_or("?")
    );
    for ((name, _), line) in pages.iter().zip(&lines) {
        let number = |key: &str| line[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "  {name:<8} performance {:.2} (target ≥ {TARGET_SCORE:.2})   LCP {:.2} s (target ≤ {:.1} s)   FCP {:.2} s   TBT {:.0} ms   CLS {:.3}",
            number("score"),
            number("lcp_ms") / 1000.0,
            TARGET_LCP_MS / 1000.0,
            number("fcp_ms") / 1000.0,
            number("tbt_ms"),
            number("cls"),
        );
    }
    Ok(())
}

/// A ticket booked straight into the server's database, for the ticket page.
async fn a_ticket(server: &Server) -> BenchResult<String> {
    use app::domain::booking::{BookingRequest, Holder, IssuedBy};
    use app::domain::ticket::Channel;
    let db = app::store::Db::open_url(&server.database_url).await?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?.with_timezone(&chrono::Utc);
    let office = app::store::offices::find(&db, "kantah-denpasar").await?.ok_or("no demo office")?;
    let service = office.service("A").cloned().ok_or("no service A")?;
    let by = IssuedBy { channel: Channel::WalkIn, account: None };
    let booked =
        app::store::tickets::book(&db, &office, &service, &Holder::default(), by, BookingRequest::Today, now).await?;
    Ok(booked.code)
}
