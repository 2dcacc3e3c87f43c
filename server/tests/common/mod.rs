//! Starts the real server on a random port with a fresh database, as the
//! integration tests need it: a SQLite file, or with `ANTREAN_TEST_ENGINE=postgres`
//! a database of its own on the PostgreSQL server `ANTREAN_TEST_POSTGRES_URL`
//! names (see `scripts/test-postgres`). Each test binary uses a part of it.

#![allow(dead_code)]

pub mod smtp;

use std::path::PathBuf;

use antrean_server::{start, Config, Running};
use sqlx::AnyPool;

/// Monday 23 November 2026, 10:00 in Denpasar (WITA): both demo offices are open.
pub use test_support::MONDAY_10_WITA;
pub const ADMIN_PASSWORD: &str = "rahasia-admin-uji";

pub struct TestApp {
    pub base: String,
    /// The site's public address: `base`, unless `ANTREAN_PUBLIC_URL` names another.
    pub origin: String,
    pub client: reqwest::Client,
    pub running: Running,
    pub db_file: PathBuf,
    /// The database the server uses, as `inspect` opens it.
    pub database_url: String,
    /// The settings it was started with, for another instance of the same kind.
    settings: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The test server with more settings, given as environment variables.
pub async fn spawn_app_with(settings: &[(&str, String)]) -> TestApp {
    let database_url = if on_postgres() { Some(fresh_postgres_database().await) } else { None };
    spawn_on(database_url, settings).await
}

/// True when the tests run on PostgreSQL (`ANTREAN_TEST_ENGINE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("ANTREAN_TEST_ENGINE").as_deref() == Ok("postgres")
}

/// A server on the given database, or on a fresh SQLite file in its own directory.
async fn spawn_on(database_url: Option<String>, settings: &[(&str, String)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_path_buf();
    let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}", data_dir.join("antrean.db").display()));
    let setting = |name: &str| settings.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone());
    let config = Config::from_lookup(|name| match name {
        "ANTREAN_ADDR" => Some("127.0.0.1:0".into()),
        "ANTREAN_DATABASE_URL" => Some(database_url.clone()),
        "ANTREAN_DATA_DIR" => Some(data_dir.display().to_string()),
        "ANTREAN_NOW" => setting(name).or_else(|| Some(MONDAY_10_WITA.into())),
        "ANTREAN_ADMIN_PASSWORD" => setting(name).or_else(|| Some(ADMIN_PASSWORD.into())),
        _ => setting(name).or_else(|| {
            // Without a configured public address (the port is not known before
            // the server binds), development mode lets the listener stand in.
            (name == "ANTREAN_DEV_MODE" && setting("ANTREAN_PUBLIC_URL").is_none()).then(|| "true".into())
        }),
    })
    .expect("test config");
    let running = start(&config).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    // Every write says it comes from the site's own pages, as a browser does.
    let origin = setting("ANTREAN_PUBLIC_URL").unwrap_or_else(|| base.clone());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, origin.parse().expect("an origin header"));
    TestApp {
        base,
        origin,
        // A response that never comes fails its test with the URL instead of
        // holding the whole run.
        client: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .default_headers(headers)
            .build()
            .expect("HTTP client"),
        running,
        db_file: data_dir.join("antrean.db"),
        database_url,
        settings: settings.iter().map(|(name, value)| (name.to_string(), value.clone())).collect(),
        _dir: dir,
    }
}

/// A new, empty database on the test PostgreSQL server.
pub async fn fresh_postgres_database() -> String {
    test_support::fresh_postgres_database("server").await
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
    /// Another server instance on the same database, as several instances run
    /// behind a load balancer on PostgreSQL.
    pub async fn another_instance(&self) -> TestApp {
        let settings: Vec<(&str, String)> =
            self.settings.iter().map(|(name, value)| (name.as_str(), value.clone())).collect();
        spawn_on(Some(self.database_url.clone()), &settings).await
    }

    /// A session of the first admin, made in the database.
    pub async fn admin_session(&self) -> String {
        use app::store::sessions::{self, SessionOwner};
        let admin: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'admin'")
            .fetch_one(&self.inspect().await)
            .await
            .unwrap();
        sessions::create(&self.running.db, &SessionOwner::Staff { staff_id: admin }, chrono::Utc::now()).await.unwrap()
    }

    /// A session of citizen `serial` (phone +62 812 0000 nnnn), made in the
    /// database: for tests that need many citizens, each under its own caps.
    pub async fn citizen_session(&self, serial: u32) -> String {
        use app::store::sessions::{self, SessionOwner};
        let phone = app::domain::identity::PhoneNumber::parse(&format!("+628120000{serial:04}")).unwrap();
        sessions::create(&self.running.db, &SessionOwner::Citizen { phone }, chrono::Utc::now()).await.unwrap()
    }

    pub async fn counter_id(&self, office: &str, name: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT c.id FROM counters c JOIN offices o ON o.id = c.office_id WHERE o.slug = $1 AND c.name = $2",
        )
        .bind(office)
        .bind(name)
        .fetch_one(&self.inspect().await)
        .await
        .unwrap()
    }

    /// Books `count` tickets for today at Denpasar's service A at the desk, all
    /// for one citizen (phone 0812 3456 7890, an email address), as a family's
    /// numbers are taken by staff (a phone alone may hold one per service and
    /// day); returns the citizen's session.
    pub async fn waiting_tickets(&self, count: u32) -> String {
        let citizen = self.sign_in_citizen("081234567890").await;
        let staff = self.admin_session().await;
        for serial in 1..=count {
            self.desk_book(&staff, serial, &[]).await;
        }
        citizen
    }

    /// Books a number at the desk as `staff`, for today at Denpasar's service A,
    /// for the citizen with NIK `nik(serial)` (phone 0812 3456 7890, an email
    /// address); `more` adds fields to the form or replaces them (a date, a
    /// priority).
    pub async fn desk_book(&self, staff: &str, serial: u32, more: &[(&str, &str)]) -> Booked {
        let nik = nik(serial);
        let mut form = vec![
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", nik.as_str()),
            ("name", "Warga Uji"),
            ("phone", "081234567890"),
            ("email", "warga@contoh.id"),
        ];
        for &(name, value) in more {
            match form.iter_mut().find(|(field, _)| *field == name) {
                Some(field) => field.1 = value,
                None => form.push((name, value)),
            }
        }
        let booked = self.call("staff_book", Some(staff), &form).await;
        assert!(booked.status().is_success(), "desk booking: {}", booked.status());
        booked.json::<Booked>().await.expect("the booked number")
    }

    /// Posts a form to a server function as the browser's JavaScript does.
    pub async fn call(&self, endpoint: &str, session: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with_headers(endpoint, session, form, &[]).await
    }

    /// `call` with more request headers (forged ones, in the attack tests).
    pub async fn call_with_headers(
        &self,
        endpoint: &str,
        session: Option<&str>,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request =
            self.client.post(format!("{}/api/{endpoint}", self.base)).header("Accept", "application/json").form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(session) = session {
            request = request.header("Cookie", format!("{}={session}", self.session_cookie()));
        }
        request.send().await.expect("request reaches the server")
    }

    /// The code in the newest code SMS to `phone` (E.164), read from the development
    /// outbox; notices to the same phone are passed over.
    pub async fn last_code_sent_to(&self, phone: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT body FROM sms_outbox WHERE phone = $1 AND body LIKE '%@% #%' ORDER BY id DESC LIMIT 1",
        )
        .bind(phone)
        .fetch_one(&self.inspect().await)
        .await
        .expect("an SMS was sent");
        body.rsplit('#').next().expect("WebOTP line").trim().to_string()
    }

    /// Signs a citizen in through the SMS code flow and returns the session token.
    pub async fn sign_in_citizen(&self, phone: &str) -> String {
        let response = self.call("request_sign_in_code", None, &[("phone", phone)]).await;
        assert!(response.status().is_success(), "code request: {}", response.status());
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let request = location.trim_start_matches("/kode/").to_string();
        let e164 = format!("+62{}", phone.trim_start_matches('0'));
        let code = self.last_code_sent_to(&e164).await;
        let response = self.call("confirm_code", None, &[("request", &request), ("code", &code)]).await;
        assert!(response.status().is_success(), "confirm: {}", response.status());
        session_from(&response).expect("a session cookie")
    }

    /// Books as a signed-in citizen through the same server function the form posts to.
    pub async fn book(&self, session: &str, office: &str, service: &str, date: &str, nik: &str) -> reqwest::Response {
        let form = [
            ("office", office),
            ("service", service),
            ("when", "date"),
            ("date", date),
            ("nik", nik),
            ("name", "Warga Uji"),
            ("email", "warga@contoh.id"),
        ];
        self.call("book", Some(session), &form).await
    }

    /// A page as a browser gets it, signed in with `session`; its HTML.
    pub async fn page(&self, session: &str, path: &str) -> String {
        let request = self.client.get(format!("{}{path}", self.base));
        let request = request.header("Cookie", format!("{}={session}", self.session_cookie()));
        request.send().await.expect("the page answers").text().await.expect("an HTML page")
    }

    /// The session cookie's name: `__Host-` prefixed when the site is served over TLS.
    pub fn session_cookie(&self) -> &'static str {
        if self.origin.starts_with("https:") {
            "__Host-antrean_session"
        } else {
            "antrean_session"
        }
    }

    /// A separate connection that may write, to set up what no page can (a ticket taken earlier).
    pub async fn tamper(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.database_url).await.expect("open db")
    }

    /// A separate connection to the database (read-only for SQLite), to check what was stored.
    pub async fn inspect(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        let url = if self.database_url.starts_with("sqlite:") {
            format!("{}?mode=ro", self.database_url)
        } else {
            self.database_url.clone()
        };
        AnyPool::connect(&url).await.expect("open db")
    }
}

/// The session token a response sets, if any.
pub fn session_from(response: &reqwest::Response) -> Option<String> {
    response.headers().get_all("set-cookie").iter().find_map(|value| {
        let value = value.to_str().ok()?;
        let value = value.strip_prefix("__Host-").unwrap_or(value);
        let token = value.strip_prefix("antrean_session=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_string())
    })
}

/// An SMS provider on 127.0.0.1 taking the default JSON body (`ANTREAN_SMS_BODY`
/// with a `ref` for the reference): it answers each message after `delay` and
/// keeps its `field` (`text` or `ref`), in the order the messages arrived.
pub async fn sms_provider(
    delay: std::time::Duration,
    field: &'static str,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let kept: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let received = kept.clone();
    let provider = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                tokio::time::sleep(delay).await;
                kept.lock().unwrap().push(body[field].as_str().unwrap_or_default().to_string());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, provider).await });
    (url, received)
}
