//! Starts the real server on a random port with a fresh SQLite file, as the
//! integration tests and the benchmark need it.

use std::path::PathBuf;

use antrean_server::{start, Config, Running};
use sqlx::sqlite::SqlitePool;

/// Monday 23 November 2026, 10:00 in Denpasar (WITA): both demo offices are open.
pub const MONDAY_MORNING: &str = "2026-11-23T10:00:00+08:00";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Held so the server lives exactly as long as the test.
    pub _running: Running,
    pub db_file: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_path_buf();
    let config = Config::from_lookup(|name| match name {
        "ANTREAN_ADDR" => Some("127.0.0.1:0".into()),
        "ANTREAN_DATA_DIR" => Some(data_dir.display().to_string()),
        "ANTREAN_NOW" => Some(MONDAY_MORNING.into()),
        _ => None,
    })
    .expect("test config");
    let running = start(&config).await.expect("server starts");
    TestApp {
        base: format!("http://{}", running.addr),
        client: reqwest::Client::new(),
        _running: running,
        db_file: data_dir.join("antrean.db"),
        _dir: dir,
    }
}

/// A valid NIK (Denpasar) made unique by its serial.
pub fn nik(serial: u32) -> String {
    format!("517101120190{serial:04}")
}

#[derive(Debug, serde::Deserialize)]
pub struct Booked {
    pub code: String,
    pub display_number: String,
    pub existing: bool,
}

impl TestApp {
    /// Books through the same server function the booking form posts to.
    pub async fn book(&self, office: &str, service: &str, date: &str, nik: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/book", self.base))
            .header("Accept", "application/json")
            .form(&[
                ("office", office),
                ("service", service),
                ("when", "date"),
                ("date", date),
                ("nik", nik),
                ("name", "Warga Uji"),
                ("email", "warga@contoh.id"),
                ("phone", "081234567890"),
            ])
            .send()
            .await
            .expect("request reaches the server")
    }

    /// A separate read-only connection to the database file, to check what was stored.
    pub async fn inspect(&self) -> SqlitePool {
        SqlitePool::connect(&format!("sqlite://{}?mode=ro", self.db_file.display())).await.expect("open db")
    }
}
