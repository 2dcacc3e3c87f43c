//! Attacks from the open internet, each a test that fails without its defence:
//! a forged `Host` header aimed at official SMS and notice links, writes that do
//! not come from the site's own pages, and refusals a monitoring system would
//! read as the server failing (a 500 for every "no").

mod common;

use common::{nik, spawn_app, spawn_app_with, TestApp};
use reqwest::StatusCode;

const PUBLIC_URL: &str = "https://antrean.example.id";

async fn on_public_address() -> TestApp {
    spawn_app_with(&[("ANTREAN_PUBLIC_URL", PUBLIC_URL.into())]).await
}

/// A write as an attacker sends it: the `Host` and forwarding headers name
/// another site, while `Origin` is the real one (the same-origin check passes).
async fn forged_host(app: &TestApp, endpoint: &str, session: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
    let forged = [("Host", "jahat.example"), ("X-Forwarded-Host", "jahat.example"), ("X-Forwarded-Proto", "http")];
    app.call_with_headers(endpoint, session, form, &forged).await
}

async fn sms_bodies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM sms_outbox ORDER BY id").fetch_all(&app.inspect().await).await.unwrap()
}

#[tokio::test]
async fn a_forged_host_header_reaches_neither_the_code_sms_nor_the_links_of_notices() {
    let app = on_public_address().await;
    let asked = forged_host(&app, "request_sign_in_code", None, &[("phone", "081299998888")]).await;
    assert!(asked.status().is_success(), "{}", asked.status());
    let code_sms = sms_bodies(&app).await.pop().expect("a code SMS");
    assert!(code_sms.ends_with(&format!("@antrean.example.id #{}", app.last_code_sent_to("+6281299998888").await)));

    // Numbers near the front are told at once, with a link to their ticket page
    // (one booked by the citizen, two at the desk); a call tells the next in line.
    let citizen = app.sign_in_citizen("081234567890").await;
    let staff = app.admin_session().await;
    for serial in 1..=3 {
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", &nik(serial)),
            ("name", "Warga Uji"),
            ("email", "warga@contoh.id"),
            ("phone", "081234567890"),
        ];
        let (endpoint, session) = if serial == 1 { ("book", &citizen) } else { ("staff_book", &staff) };
        assert!(forged_host(&app, endpoint, Some(session), &form).await.status().is_success());
    }
    let counter = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    for action in ["open", "call_next"] {
        let answer =
            forged_host(&app, "counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
        assert!(answer.status().is_success(), "{action}: {}", answer.status());
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let notices = loop {
        let notices: Vec<String> = sms_bodies(&app).await.into_iter().filter(|b| b.contains("/tiket/")).collect();
        if notices.len() >= 3 || tokio::time::Instant::now() > deadline {
            break notices;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(notices.len() >= 3, "notices with links: {notices:#?}");
    for body in sms_bodies(&app).await {
        assert!(!body.contains("jahat"), "{body}");
    }
    assert!(notices.iter().all(|body| body.contains("https://antrean.example.id/tiket/")), "{notices:#?}");
}

#[tokio::test]
async fn a_write_must_say_it_comes_from_the_sites_own_pages() {
    let app = on_public_address().await;
    let ask = |headers: Vec<(&'static str, String)>| {
        let mut request = reqwest::Client::new()
            .post(format!("{}/api/request_sign_in_code", app.base))
            .header("Accept", "application/json")
            .form(&[("phone", "081234567890")]);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let refused = [
        vec![],
        vec![("Origin", "https://jahat.example".to_string())],
        vec![("Origin", "http://antrean.example.id".to_string())],
        vec![("Origin", "https://antrean.example.id:8443".to_string())],
        vec![("Origin", "https://antrean.example.id.jahat.example".to_string())],
        vec![("Origin", "null".to_string())],
        vec![("Referer", "https://jahat.example/https://antrean.example.id/".to_string())],
        // The Host header matches the claimed origin, as the old check wanted.
        vec![("Origin", "https://jahat.example".to_string()), ("Host", "jahat.example".to_string())],
    ];
    for headers in refused {
        let answer = ask(headers.clone()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(answer.text().await.unwrap().starts_with("Permintaan ditolak"), "{headers:?}");
    }
    let english = ask(vec![("Cookie", "lang=en".into())]).await.unwrap();
    assert!(english.text().await.unwrap().starts_with("Request refused"));
    assert!(sms_bodies(&app).await.is_empty(), "a refused write sends nothing");

    let from_a_page = ask(vec![("Referer", format!("{PUBLIC_URL}/masuk"))]).await.unwrap();
    assert!(from_a_page.status().is_success(), "{}", from_a_page.status());
    let reading = reqwest::get(format!("{}/", app.base)).await.unwrap();
    assert_eq!(reading.status(), StatusCode::OK, "reading needs no origin");
}

/// The `Set-Cookie` line of a response for the cookie `name`.
fn set_cookie_named(response: &reqwest::Response, name: &str) -> String {
    let lines = response.headers().get_all("set-cookie");
    let line = lines.iter().filter_map(|v| v.to_str().ok()).find(|line| line.starts_with(&format!("{name}=")));
    line.unwrap_or_else(|| panic!("no {name} cookie")).to_string()
}

#[tokio::test]
async fn over_tls_the_session_and_device_cookies_are_secure_and_host_only() {
    let app = on_public_address().await;
    let answer = app.call("staff_sign_in", None, &[("username", "admin"), ("password", common::ADMIN_PASSWORD)]).await;
    for name in ["__Host-antrean_session", "__Host-antrean_device"] {
        let cookie = set_cookie_named(&answer, name);
        assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain="), "{cookie}");
    }
    // The plain name is not read: a cookie planted without the prefix is no session.
    let token = common::session_from(&answer).unwrap();
    let planted = app
        .client
        .post(format!("{}/api/who_am_i", app.base))
        .header("Accept", "application/json")
        .header("Cookie", format!("antrean_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(planted.json::<serde_json::Value>().await.unwrap(), serde_json::json!("Anonymous"));

    let local = spawn_app().await;
    let answer =
        local.call("staff_sign_in", None, &[("username", "admin"), ("password", common::ADMIN_PASSWORD)]).await;
    let cookie = set_cookie_named(&answer, "antrean_session");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

/// Status, `Retry-After` and the typed error of an answer.
async fn refusal(response: reqwest::Response) -> (StatusCode, Option<String>, serde_json::Value) {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.json().await.expect("the typed error"))
}

#[tokio::test]
async fn every_refusal_answers_with_its_own_status_and_the_same_typed_error() {
    let app = spawn_app().await;
    let citizen = app.sign_in_citizen("081234567890").await;
    let admin = app.admin_session().await;
    let book = |nik: &'static str, date: &'static str| {
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "date"),
            ("date", date),
            ("nik", nik),
            ("name", "Warga Uji"),
            ("email", "warga@contoh.id"),
        ];
        let (app, citizen) = (&app, citizen.clone());
        async move { refusal(app.call("book", Some(&citizen), &form).await).await }
    };

    let (status, _, error) = book("123", "2026-11-24").await;
    assert_eq!((status, error["Invalid"][0]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, "Nik".into()));
    let (status, _, error) = book("5171011201900001", "2026-11-01").await;
    assert_eq!((status, error), (StatusCode::CONFLICT, serde_json::json!({ "Refused": "DateInPast" })));

    let (status, _, error) = refusal(app.call("my_tickets", None, &[]).await).await;
    assert_eq!((status, error), (StatusCode::UNAUTHORIZED, serde_json::json!("NotSignedIn")));
    let (status, _, error) = refusal(app.call("accounts", Some(&citizen), &[]).await).await;
    assert_eq!((status, error), (StatusCode::FORBIDDEN, serde_json::json!("Forbidden")));
    let (status, _, error) = refusal(app.call("office", None, &[("slug", "tidak-ada")]).await).await;
    assert_eq!((status, error), (StatusCode::NOT_FOUND, serde_json::json!("NotFound")));
    let wrong = app.call("staff_sign_in", None, &[("username", "admin"), ("password", "salah-sekali")]).await;
    let (status, _, error) = refusal(wrong).await;
    assert_eq!((status, error), (StatusCode::UNAUTHORIZED, serde_json::json!("StaffSignInWrong")));

    let counter = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let closed = app.call("counter_action", Some(&admin), &[("counter", &counter), ("action", "call_next")]).await;
    let (status, _, error) = refusal(closed).await;
    assert_eq!((status, error), (StatusCode::CONFLICT, serde_json::json!({ "Counter": "NotOpen" })));

    // Asking again for a code at once must wait: 429 with the seconds to wait.
    let again = app.call("request_sign_in_code", None, &[("phone", "081234567890")]).await;
    let (status, retry_after, error) = refusal(again).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let seconds = error["CodeWait"].as_i64().expect("CodeWait");
    assert_eq!(retry_after, Some(seconds.max(1).to_string()));

    // A settings form answers with the same error, and the same field vocabulary, as every form.
    let holiday =
        app.call("add_holiday", Some(&admin), &[("office", "kantah-denpasar"), ("date", "kemarin"), ("name", "")]);
    let (status, _, error) = refusal(holiday.await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["Invalid"][0]["field"], "Date", "{error}");
    assert_eq!(error["Invalid"][0]["problem"], serde_json::json!({ "Settings": "DateShape" }), "{error}");

    // A request no form of the site sends (a field missing) is told so in the
    // site's words, never in the framework's.
    let (status, _, error) = refusal(app.call("request_booking_code", None, &[("a", "b")]).await).await;
    assert_eq!((status, error), (StatusCode::BAD_REQUEST, serde_json::json!("Malformed")));
    // Values no form offers are told apart from missing ones.
    let unknown = [("counter", counter.as_str()), ("action", "start_serving")];
    let (status, _, error) = refusal(app.call("counter_action", Some(&admin), &unknown).await).await;
    let invalid = |field: &str, problem| serde_json::json!({ "Invalid": [{ "field": field, "problem": problem }] });
    assert_eq!((status, error), (StatusCode::UNPROCESSABLE_ENTITY, invalid("Action", serde_json::json!("NotAChoice"))));
    let rating = [("code", "TIDAKADA"), ("rating", "99"), ("comment", "")];
    let (status, _, error) = refusal(app.call("give_feedback", None, &rating).await).await;
    let out_of_range = serde_json::json!({ "OutOfRange": { "min": 1, "max": 5 } });
    assert_eq!((status, error), (StatusCode::UNPROCESSABLE_ENTITY, invalid("Rating", out_of_range)));
}

#[tokio::test]
async fn a_body_larger_than_any_form_is_refused_as_too_large_whether_announced_or_chunked() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let huge = "x".repeat(antrean_server::LARGEST_REQUEST_BODY + 1);
    let (status, _, error) =
        refusal(app.call("staff_sign_in", None, &[("username", &huge), ("password", "p")]).await).await;
    assert_eq!((status, error), (StatusCode::PAYLOAD_TOO_LARGE, serde_json::json!("TooLarge")));
    // A body of the largest size is read (and refused for what it says).
    let largest = "x".repeat(antrean_server::LARGEST_REQUEST_BODY - "username=&password=p".len());
    let (status, _, _) =
        refusal(app.call("staff_sign_in", None, &[("username", &largest), ("password", "p")]).await).await;
    assert_ne!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // In chunks, with no length announced: refused once it passes the limit.
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/staff_sign_in HTTP/1.1\r\nHost: {address}\r\nOrigin: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.origin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    // The server may answer and close before every chunk is written.
    for _ in 0..=antrean_server::LARGEST_REQUEST_BODY / (64 * 1024) {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.ends_with("\"TooLarge\""), "{answer}");
}

/// Opens a live screen of Denpasar as the client `forwarded_for` names (through
/// the trusted proxy), or the HTTP status its handshake was refused with and
/// that answer's `Retry-After`.
async fn open_screen(app: &TestApp, forwarded_for: &str) -> Result<impl Sized, (u16, Option<String>)> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Error;
    let url = format!("{}/ws/kantor/kantah-denpasar", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("x-forwarded-for", forwarded_for.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(Error::Http(answer)) => Err((
            answer.status().as_u16(),
            answer.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()),
        )),
        Err(error) => panic!("the handshake failed otherwise: {error}"),
    }
}

#[tokio::test]
async fn one_address_cannot_hold_every_live_screen() {
    let app =
        spawn_app_with(&[("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into()), ("ANTREAN_SCREENS_PER_ADDRESS", "3".into())])
            .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let Ok(screen) = open_screen(&app, "203.0.113.7").await else {
            panic!("a screen within the share was refused")
        };
        held.push(screen);
    }
    // The fourth from that address is told to come back later; others still get in.
    assert_eq!(open_screen(&app, "203.0.113.7").await.err(), Some((429, Some("60".into()))));
    let other = open_screen(&app, "198.51.100.20").await;
    assert!(other.is_ok(), "another address is not held back");
    // A screen that closes gives its place back.
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match open_screen(&app, "203.0.113.7").await {
            Ok(_) => break,
            Err(refused) if tokio::time::Instant::now() < deadline => {
                assert_eq!(refused.0, 429);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(refused) => panic!("the closed screen's place never came back: {refused:?}"),
        }
    }
}

#[tokio::test]
async fn a_client_cannot_choose_its_address_in_a_forwarding_line_of_its_own() {
    // The client writes a line of its own, a new address each time; the proxy
    // adds its line naming the client (as HAProxy's `option forwardfor` does).
    second_screen_is_the_last(&[], |serial, headers| {
        headers.append("x-forwarded-for", format!("198.51.100.{serial}").parse().unwrap());
        headers.append("x-forwarded-for", "203.0.113.9".parse().unwrap());
    })
    .await;
}

#[tokio::test]
async fn behind_a_proxy_that_writes_forwarded_a_client_cannot_name_itself_in_x_forwarded_for() {
    // The proxy names the client in `Forwarded`; the client's own
    // `X-Forwarded-For` passes through it untouched.
    second_screen_is_the_last(&[("ANTREAN_TRUSTED_PROXY_HEADER", "forwarded".into())], |serial, headers| {
        headers.insert("x-forwarded-for", format!("198.51.100.{serial}").parse().unwrap());
        headers.insert("forwarded", "for=203.0.113.9".parse().unwrap());
    })
    .await;
}

/// Opens screens of Denpasar through a trusted proxy on 127.0.0.1, each with
/// the forwarding headers `write` gives the `serial`th: the proxy names the
/// client 203.0.113.9 and the client makes up an address of its own. With
/// two screens an address, the third must be refused.
async fn second_screen_is_the_last(
    settings: &[(&'static str, String)],
    write: impl Fn(u32, &mut tokio_tungstenite::tungstenite::http::HeaderMap),
) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut settings = settings.to_vec();
    settings.extend([("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into()), ("ANTREAN_SCREENS_PER_ADDRESS", "2".into())]);
    let app = spawn_app_with(&settings).await;
    let open = |serial: u32| {
        let url = format!("{}/ws/kantor/kantah-denpasar", app.base.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        write(serial, request.headers_mut());
        tokio_tungstenite::connect_async(request)
    };
    let held = [open(1).await.expect("within the share"), open(2).await.expect("within the share")];
    let third = open(3).await;
    assert!(
        matches!(&third, Err(tokio_tungstenite::tungstenite::Error::Http(answer)) if answer.status() == 429),
        "the third screen of 203.0.113.9 got in under a made-up address"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_prints_six_numbers_a_minute_and_the_desk_is_not_held_to_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let kiosk = [
        ("username", "kios-lobi"),
        ("full_name", "Kios lobi"),
        ("role", "kiosk"),
        ("office", "kantah-denpasar"),
        ("password", "sandi kios lobi panjang"),
    ];
    assert!(app.call("create_account", Some(&admin), &kiosk).await.status().is_success());
    let signed_in =
        app.call("staff_sign_in", None, &[("username", "kios-lobi"), ("password", "sandi kios lobi panjang")]).await;
    let kiosk = common::session_from(&signed_in).expect("the kiosk signs in");
    let walk_in = [("office", "kantah-denpasar"), ("service", "B")];
    // Pressed twelve times at once (a script in the kiosk's browser): six numbers.
    let presses = (0..12).map(|_| {
        let (app, kiosk) = (&app, &kiosk);
        async move { app.call("walk_in", Some(kiosk), &walk_in).await.status() }
    });
    let statuses = futures::future::join_all(presses).await;
    assert_eq!(statuses.iter().filter(|s| s.is_success()).count(), 6, "{statuses:?}");
    assert!(statuses.iter().all(|s| s.is_success() || *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // Someone pressing for a stack of numbers to sell is stopped at the seventh.
    let (status, retry_after, error) = refusal(app.call("walk_in", Some(&kiosk), &walk_in).await).await;
    assert_eq!(
        (status, retry_after.as_deref(), error),
        (StatusCode::TOO_MANY_REQUESTS, Some("60"), "KioskTooFast".into())
    );
    // The desk issues walk-ins as the office needs.
    assert!(app.call("walk_in", Some(&admin), &walk_in).await.status().is_success());
}

/// Books `service` at Denpasar on `date` for a signed-in citizen.
async fn book(app: &TestApp, session: &str, service: &str, date: &str, serial: u32) -> reqwest::Response {
    app.book(session, "kantah-denpasar", service, date, &nik(serial)).await
}

async fn refused_with(response: reqwest::Response) -> serde_json::Value {
    assert_eq!(response.status(), StatusCode::CONFLICT);
    response.json::<serde_json::Value>().await.unwrap()["Refused"].clone()
}

#[tokio::test]
async fn one_phone_cannot_hoard_numbers_with_made_up_niks() {
    let app = spawn_app().await;
    let calo = app.sign_in_citizen("081234567890").await;
    assert!(book(&app, &calo, "A", "2026-11-24", 1).await.status().is_success());
    // One number per service and day, whatever NIK is typed.
    assert_eq!(refused_with(book(&app, &calo, "A", "2026-11-24", 2).await).await, "PhoneHasServiceDay");
    // Two numbers at one office on one day, over its services.
    assert!(book(&app, &calo, "B", "2026-11-24", 3).await.status().is_success());
    let third = refused_with(book(&app, &calo, "C", "2026-11-24", 4).await).await;
    assert_eq!(third, serde_json::json!({ "PhoneOfficeDayFull": { "most": 2 } }));
    // Five upcoming numbers in all.
    for (serial, date) in [(5, "2026-11-25"), (6, "2026-11-26"), (7, "2026-11-27")] {
        assert!(book(&app, &calo, "A", date, serial).await.status().is_success(), "{date}");
    }
    let sixth = refused_with(book(&app, &calo, "A", "2026-11-30", 8).await).await;
    assert_eq!(sixth, serde_json::json!({ "PhoneUpcomingFull": { "most": 5 } }));
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE holder_phone = '+6281234567890'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(held, 5);

    // Numbers taken at the desk are not the phone's to count.
    let staff = app.admin_session().await;
    let at_desk = [
        ("office", "kantah-denpasar"),
        ("service", "C"),
        ("when", "date"),
        ("date", "2026-11-24"),
        ("nik", &nik(9)),
        ("name", "Ibu Warga"),
        ("phone", "081234567890"),
    ];
    assert!(app.call("staff_book", Some(&staff), &at_desk).await.status().is_success());
    // A cancelled number still counts under the caps while its place is held
    // back from the quota (the office's release delay), then no longer.
    let mine: serde_json::Value = app.call("my_tickets", Some(&calo), &[]).await.json().await.unwrap();
    let code = mine["tickets"][0]["code"].as_str().unwrap().to_string();
    assert!(app.call("cancel_my_ticket", Some(&calo), &[("code", &code)]).await.status().is_success());
    let at_once = refused_with(book(&app, &calo, "D", "2026-12-01", 10).await).await;
    assert_eq!(at_once, serde_json::json!({ "PhoneUpcomingFull": { "most": 5 } }));
    set_release_delay(&app, 0).await;
    assert!(book(&app, &calo, "D", "2026-12-01", 10).await.status().is_success());
}

/// Sets Denpasar's release delay (minutes before a cancelled number's place
/// is free again), its other details as seeded.
async fn set_release_delay(app: &TestApp, minutes: u32) {
    save_denpasar_details(app, (2, 5), minutes).await;
}

/// Saves Denpasar's details as seeded but for the phone caps (per office and
/// day, upcoming) and the release delay, as its admin.
async fn save_denpasar_details(app: &TestApp, (office_day, upcoming): (u32, u32), release_delay: u32) {
    let [office_day, upcoming, release_delay] = [office_day, upcoming, release_delay].map(|n| n.to_string());
    let details = [
        ("office", "kantah-denpasar"),
        ("name", "Kantor Pertanahan Kota Denpasar"),
        ("address", "Jl. Kapten Tantular No. 1, Denpasar, Bali"),
        ("zone", "Asia/Makassar"),
        ("max_calls", "3"),
        ("requeue_after", "5"),
        ("phone_office_day_cap", office_day.as_str()),
        ("phone_upcoming_cap", upcoming.as_str()),
        ("release_delay", release_delay.as_str()),
        ("reminder_hour", "19"),
    ];
    let saved = app.call("save_office_details", Some(&app.admin_session().await), &details).await;
    assert!(saved.status().is_success(), "{}", saved.status());
}

#[tokio::test]
async fn one_phone_cannot_hold_a_day_by_cancelling_and_booking_again() {
    let app = spawn_app().await;
    let calo = app.sign_in_citizen("081234567890").await;
    let first: serde_json::Value = book(&app, &calo, "A", "2026-11-24", 1).await.json().await.unwrap();
    let code = first["code"].as_str().unwrap().to_string();
    assert!(app.call("cancel_my_ticket", Some(&calo), &[("code", &code)]).await.status().is_success());
    // The place given back is held from the quota for the release delay;
    // booking again at once would take a second place of the day with one
    // phone, and a loop of both would hold the whole day.
    let again = refused_with(book(&app, &calo, "A", "2026-11-24", 2).await).await;
    assert_eq!(again, "PhoneHasServiceDay");
    let places: i64 =
        sqlx::query_scalar("SELECT MAX(issued) FROM service_days").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(places, 1, "one place of the day taken (one service, one day), none more");
    // Staff cancelling a number (at the citizen's request, say) does not count against the phone.
    let second: serde_json::Value = book(&app, &calo, "B", "2026-11-24", 3).await.json().await.unwrap();
    let cancel = [("code", second["code"].as_str().unwrap()), ("reason", "citizen_request")];
    assert!(app.call("staff_cancel", Some(&app.admin_session().await), &cancel).await.status().is_success());
    assert!(book(&app, &calo, "C", "2026-11-24", 4).await.status().is_success(), "two at the office that day");
}

#[tokio::test]
async fn parallel_bookings_of_one_phone_never_pass_its_caps() {
    let app = spawn_app().await;
    let calo = app.sign_in_citizen("081234567890").await;
    let dates = ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"];
    let attempts = (0..32u32).map(|n| {
        let (app, calo) = (&app, calo.clone());
        let (service, date) = (["A", "B", "C", "D"][n as usize % 4], dates[(n as usize / 4) % 4]);
        async move { book(app, &calo, service, date, 100 + n).await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| s.is_success() || *s == StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| s.is_success()).count(), 5, "{statuses:?}");
    let per_day: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE holder_phone = '+6281234567890' GROUP BY service_date ORDER BY 1 DESC",
    )
    .fetch_all(&app.inspect().await)
    .await
    .unwrap();
    assert!(per_day.iter().all(|n| *n <= 2) && per_day.iter().sum::<i64>() == 5, "{per_day:?}");
}

#[tokio::test]
async fn a_nik_held_under_another_phone_is_refused_without_a_word_of_its_ticket() {
    let app = spawn_app().await;
    let owner = app.sign_in_citizen("081234567890").await;
    let booked: serde_json::Value = book(&app, &owner, "A", "2026-11-24", 1).await.json().await.unwrap();
    let code = booked["code"].as_str().unwrap().to_string();
    // The owner asking again gets the same ticket back.
    let again: serde_json::Value = book(&app, &owner, "A", "2026-11-24", 1).await.json().await.unwrap();
    assert_eq!((again["code"].as_str(), again["existing"].as_bool()), (Some(code.as_str()), Some(true)));

    let calo = app.sign_in_citizen("081299998888").await;
    let answer = book(&app, &calo, "A", "2026-11-24", 1).await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    let body = answer.text().await.unwrap();
    assert_eq!(body, r#"{"Refused":"NikHeldElsewhere"}"#);
    assert!(!body.contains(&code));

    // At the counter the KTP shows whose NIK it is: staff cancel the calo's
    // number taken in the owner's name, and the NIK is free for its owner.
    let taken_by_calo: serde_json::Value = book(&app, &calo, "B", "2026-11-24", 2).await.json().await.unwrap();
    let staff = app.admin_session().await;
    let cancel = [("code", taken_by_calo["code"].as_str().unwrap()), ("reason", "identity_mismatch")];
    assert!(app.call("staff_cancel", Some(&staff), &cancel).await.status().is_success());
    let rightful = app.sign_in_citizen("081277776666").await;
    assert!(book(&app, &rightful, "B", "2026-11-24", 2).await.status().is_success());
}

#[tokio::test]
async fn an_office_sets_its_own_caps() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    save_denpasar_details(&app, (1, 2), 30).await;
    let settings: serde_json::Value =
        app.call("office_settings", Some(&admin), &[("office", "kantah-denpasar")]).await.json().await.unwrap();
    let saved = [
        &settings["phone_office_day_cap"],
        &settings["phone_upcoming_cap"],
        &settings["release_delay"],
        &settings["reminder_hour"],
    ];
    assert_eq!(saved, [1, 2, 30, 19].map(|n| serde_json::json!(n)).each_ref(), "{settings}");
    let citizen = app.sign_in_citizen("081234567890").await;
    assert!(book(&app, &citizen, "A", "2026-11-24", 1).await.status().is_success());
    let second = refused_with(book(&app, &citizen, "B", "2026-11-24", 2).await).await;
    assert_eq!(second, serde_json::json!({ "PhoneOfficeDayFull": { "most": 1 } }));
    assert!(book(&app, &citizen, "B", "2026-11-25", 3).await.status().is_success());
    let third = refused_with(book(&app, &citizen, "C", "2026-11-26", 4).await).await;
    assert_eq!(third, serde_json::json!({ "PhoneUpcomingFull": { "most": 2 } }));
}

#[tokio::test]
async fn a_ticket_link_in_other_hands_shows_the_holders_name_masked() {
    let app = spawn_app().await;
    let owner = app.sign_in_citizen("081234567890").await;
    let form = [
        ("office", "kantah-denpasar"),
        ("service", "A"),
        ("when", "date"),
        ("date", "2026-11-24"),
        ("nik", &nik(1)),
        ("name", "Ni Made Ayu Lestari"),
        ("email", "ayu@contoh.id"),
    ];
    let booked: serde_json::Value = app.call("book", Some(&owner), &form).await.json().await.unwrap();
    let code = booked["code"].as_str().unwrap();
    // The ticket page and the printable receipt (its QR code is handed around too).
    let holder_as_seen_by = |session: Option<String>| {
        let app = &app;
        async move {
            let ticket: serde_json::Value =
                app.call("ticket", session.as_deref(), &[("code", code)]).await.json().await.unwrap();
            let receipt: serde_json::Value =
                app.call("receipt", session.as_deref(), &[("code", code)]).await.json().await.unwrap();
            let names = [&ticket["holder_name"], &receipt["ticket"]["holder_name"]].map(|name| name.as_str().unwrap());
            assert_eq!(names[0], names[1], "{receipt}");
            names[0].to_string()
        }
    };
    assert_eq!(holder_as_seen_by(Some(owner.clone())).await, "Ni Made Ayu Lestari");
    assert_eq!(holder_as_seen_by(Some(app.admin_session().await)).await, "Ni Made Ayu Lestari");
    let stranger = app.citizen_session(7).await;
    assert_eq!(holder_as_seen_by(Some(stranger)).await, "Ni M*** A*** L***");
    assert_eq!(holder_as_seen_by(None).await, "Ni M*** A*** L***");
    for page in [format!("/tiket/{code}"), format!("/kiosk/kantah-denpasar/struk/{code}")] {
        let page = reqwest::get(format!("{}{page}", app.base)).await.unwrap().text().await.unwrap();
        assert!(!page.contains("Made") && !page.contains("Lestari"), "{page}");
    }
}

#[tokio::test]
async fn what_is_typed_as_a_username_is_stored_no_longer_than_a_username() {
    let app = spawn_app().await;
    let typed = "u".repeat(100_000);
    for _ in 0..2 {
        let answer =
            app.call("staff_sign_in", None, &[("username", typed.as_str()), ("password", "salah-sekali")]).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }
    let inspect = app.inspect().await;
    let attempts: Vec<String> =
        sqlx::query_scalar("SELECT username FROM sign_in_attempts").fetch_all(&inspect).await.unwrap();
    assert_eq!(attempts.len(), 2, "each attempt still counts");
    assert!(attempts.iter().all(|name| name.len() <= 32), "{:?}", attempts.iter().map(String::len).collect::<Vec<_>>());
    let longest_lock: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(key)) FROM locks").fetch_one(&inspect).await.unwrap();
    assert!(longest_lock <= 64, "{longest_lock}");

    // The hourly tidy-up removes attempts made before a time, and only those.
    let made_at: chrono::DateTime<chrono::Utc> = common::MONDAY_10_WITA.parse().unwrap();
    let remove_before = |until| app::store::staff::remove_sign_in_attempts(&app.running.db, until);
    assert_eq!(remove_before(made_at - chrono::Duration::seconds(1)).await.unwrap(), 0);
    assert_eq!(remove_before(made_at + chrono::Duration::seconds(1)).await.unwrap(), 2);
}

#[tokio::test]
async fn the_hourly_tidy_up_removes_old_access_codes_and_ended_sessions_only() {
    let app = spawn_app().await;
    let db = &app.running.db;
    let citizen = app.sign_in_citizen("081234567890").await;
    let now: chrono::DateTime<chrono::Utc> = common::MONDAY_10_WITA.parse().unwrap();
    let inspect = app.inspect().await;
    let count = |table: &'static str| {
        let inspect = inspect.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&inspect).await.unwrap()
        }
    };
    let (codes, sessions) = (count("access_codes").await, count("sessions").await);
    assert!(codes >= 1 && sessions >= 1);
    let second = chrono::Duration::seconds(1);
    // Codes sent before a time go, and only those.
    assert_eq!(app::store::access::remove_old_codes(db, now - second).await.unwrap(), 0);
    assert_eq!(app::store::access::remove_old_codes(db, now + second).await.unwrap(), codes as u64);
    // A live session stays; once revoked (signed out), it goes after the time given.
    assert_eq!(app::store::sessions::remove_ended(db, now + second).await.unwrap(), 0);
    assert!(app.call("sign_out", Some(&citizen), &[]).await.status().is_success());
    assert_eq!(app::store::sessions::remove_ended(db, now - second).await.unwrap(), 0);
    assert_eq!(app::store::sessions::remove_ended(db, now + second).await.unwrap(), 1);
    assert_eq!(count("sessions").await, sessions - 1);
}

/// A session of a new staff account of `office`.
async fn staff_of(app: &TestApp, office: &str) -> String {
    use app::domain::access::Role;
    use app::store::sessions::{self, SessionOwner};
    let db = &app.running.db;
    let office_id = app::store::offices::find(db, office).await.unwrap().unwrap().id;
    let username = format!("petugas-{office}");
    let id = app::store::staff::create(
        db,
        &username,
        "Petugas",
        "sandi-uji-panjang",
        Role::Staff,
        Some(office_id),
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .unwrap();
    sessions::create(db, &SessionOwner::Staff { staff_id: id }, chrono::Utc::now()).await.unwrap()
}

#[tokio::test]
async fn staff_of_one_office_cannot_move_another_offices_ticket() {
    let app = spawn_app().await;
    app.waiting_tickets(1).await;
    let admin = app.admin_session().await;
    let denpasar = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    for action in ["open", "call_next", "recall", "recall", "no_show"] {
        let done = app.call("counter_action", Some(&admin), &[("counter", &denpasar), ("action", action)]).await;
        assert!(done.status().is_success(), "{action}");
    }
    let no_show: String = sqlx::query_scalar("SELECT public_code FROM tickets WHERE state = 'no_show'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();

    let bogor_staff = staff_of(&app, "disdukcapil-bogor").await;
    let bogor = app.counter_id("disdukcapil-bogor", "Loket 1").await.to_string();
    let requeue = [("counter", bogor.as_str()), ("action", "requeue"), ("ticket", &no_show)];
    let refused = app.call("counter_action", Some(&bogor_staff), &requeue).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let state: String = sqlx::query_scalar("SELECT state FROM tickets WHERE public_code = $1")
        .bind(&no_show)
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(state, "no_show");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_requests_for_codes_to_one_phone_send_one_sms() {
    let app = spawn_app().await;
    let asks = (0..12).map(|_| app.call("request_sign_in_code", None, &[("phone", "081234567890")]));
    let statuses: Vec<StatusCode> = futures::future::join_all(asks).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| s.is_success()).count(), 1, "{statuses:?}");
    assert!(statuses.iter().filter(|s| !s.is_success()).all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(sms_bodies(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_confirmed_in_parallel_signs_in_once() {
    let app = spawn_app().await;
    let asked = app.call("request_sign_in_code", None, &[("phone", "081234567890")]).await;
    let request = asked.headers()["location"].to_str().unwrap().trim_start_matches("/kode/").to_string();
    let code = app.last_code_sent_to("+6281234567890").await;
    let form = [("request", request.as_str()), ("code", code.as_str())];
    // From two instances at once where the engine runs several (PostgreSQL).
    let other = if common::on_postgres() { Some(app.another_instance().await) } else { None };
    let confirms = (0..24).map(|n| match (&other, n % 2) {
        (Some(other), 1) => other.call("confirm_code", None, &form),
        _ => app.call("confirm_code", None, &form),
    });
    let answers = futures::future::join_all(confirms).await;
    let sessions = answers.iter().filter_map(common::session_from).count();
    assert_eq!(sessions, 1, "one code, one session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_get_five_tries_in_all() {
    let app = spawn_app().await;
    let asked = app.call("request_sign_in_code", None, &[("phone", "081234567890")]).await;
    let request = asked.headers()["location"].to_str().unwrap().trim_start_matches("/kode/").to_string();
    let code = app.last_code_sent_to("+6281234567890").await;
    let wrong = if code == "222222" { "333333" } else { "222222" };
    let form = [("request", request.as_str()), ("code", wrong)];
    let other = if common::on_postgres() { Some(app.another_instance().await) } else { None };
    let guesses = (0..20).map(|n| match (&other, n % 2) {
        (Some(other), 1) => other.call("confirm_code", None, &form),
        _ => app.call("confirm_code", None, &form),
    });
    let answers: Vec<serde_json::Value> =
        futures::future::join_all(futures::future::join_all(guesses).await.into_iter().map(|r| r.json()))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    let judged_wrong = answers.iter().filter(|a| a.get("CodeWrong").is_some()).count();
    assert!(judged_wrong <= 5, "{answers:?}");
    let late = app.call("confirm_code", None, &[("request", request.as_str()), ("code", code.as_str())]).await;
    assert!(common::session_from(&late).is_none(), "the right code after five wrong ones is dead");
}

#[tokio::test]
async fn the_language_switch_never_sends_the_browser_to_another_site() {
    let app = on_public_address().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let switch = |referer: &'static str| {
        client.get(format!("{}/bahasa/en", app.base)).header("Referer", referer).header("Host", "jahat.example").send()
    };
    for (referer, back) in [
        ("https://antrean.example.id/kantor/kantah-denpasar?x=1", "/kantor/kantah-denpasar?x=1"),
        ("https://antrean.example.id//jahat.example/phish", "/"),
        ("https://antrean.example.id/\\jahat.example/phish", "/"),
        ("https://jahat.example/phish", "/"),
        ("http://jahat.example//antrean.example.id/", "/"),
    ] {
        let answer = switch(referer).await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()["location"], back, "{referer}");
    }
}

#[tokio::test]
async fn a_settings_form_with_a_malformed_office_is_refused_not_a_crash() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    for office in ["kantah-denpasar\u{1}\r\nSet-Cookie: x=1", "../../tiket", "kantor baru?x#y", ""] {
        let form = [("office", office), ("date", "2026-12-24"), ("name", "Libur")];
        let answer = app
            .client
            .post(format!("{}/api/add_holiday", app.base))
            .header("Accept", "text/html")
            .header("Cookie", format!("antrean_session={admin}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(!answer.status().is_server_error(), "{office:?}: {}", answer.status());
        assert!(answer.headers().get("set-cookie").is_none(), "{office:?}");
    }
}

#[tokio::test]
async fn a_device_session_in_use_is_renewed_and_never_runs_out() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let expiry = || async {
        let millis: i64 =
            sqlx::query_scalar("SELECT MIN(expires_at) FROM sessions").fetch_one(&app.inspect().await).await.unwrap();
        chrono::DateTime::from_timestamp_millis(millis).unwrap()
    };
    // Weeks later, with a few days of the session left, the board asks again.
    let now: chrono::DateTime<chrono::Utc> = common::MONDAY_10_WITA.parse().unwrap();
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind((now + chrono::Duration::days(3)).timestamp_millis())
        .execute(&sqlx::AnyPool::connect(&app.database_url).await.unwrap())
        .await
        .unwrap();
    let answer = app.call("board", Some(&admin), &[("office", "kantah-denpasar")]).await;
    assert!(answer.status().is_success());
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with(&format!("antrean_session={admin};")) && cookie.contains("Max-Age=2592000"), "{cookie}");
    assert_eq!(expiry().await, now + chrono::Duration::days(30));
    // A session with most of its life left is not written to on every request.
    let again = app.call("board", Some(&admin), &[("office", "kantah-denpasar")]).await;
    assert!(again.headers().get("set-cookie").is_none());
}

/// A server behind a trusted proxy that checks one password at a time: a
/// flood of sign-ins fills its checks at once.
async fn one_password_check_at_a_time() -> TestApp {
    spawn_app_with(&[("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into()), ("ANTREAN_PASSWORD_CHECKS", "1".into())]).await
}

/// A server behind a proxy on 127.0.0.1 that names the client in `X-Forwarded-For`.
async fn behind_a_proxy() -> TestApp {
    spawn_app_with(&[("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into())]).await
}

/// A staff sign-in from `client` (through the trusted proxy, when there is one).
async fn sign_in_from(app: &TestApp, client: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/staff_sign_in", app.base))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", client)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn attempts_checked(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts").fetch_one(&app.inspect().await).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_all_counted_and_the_right_one_then_waits() {
    // Checks enough for every guess at once, so none is asked for a puzzle instead.
    let app = spawn_app_with(&[("ANTREAN_PASSWORD_CHECKS", "64".into())]).await;
    let guesses = (0..40).map(|n| {
        let app = &app;
        async move { sign_in_from(app, "203.0.113.66", "admin", &format!("tebakan-{n}")).await.status() }
    });
    let statuses = futures::future::join_all(guesses).await;
    assert!(
        statuses.iter().all(|s| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(attempts_checked(&app).await, 5, "only five passwords were ever checked");
    let right = sign_in_from(&app, "203.0.113.66", "admin", common::ADMIN_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(right.headers().get("retry-after").is_some());
    assert!(common::session_from(&right).is_none());
    // Without a trusted proxy, a forged X-Forwarded-For is no way out.
    let forged = sign_in_from(&app, "198.51.100.7", "admin", common::ADMIN_PASSWORD).await;
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_attacker_cannot_lock_the_owner_out_from_elsewhere() {
    let app = behind_a_proxy().await;
    for n in 0..10 {
        sign_in_from(&app, "203.0.113.66", "admin", &format!("tebakan-{n}")).await;
    }
    let attacker = sign_in_from(&app, "203.0.113.66", "admin", common::ADMIN_PASSWORD).await;
    assert_eq!(attacker.status(), StatusCode::TOO_MANY_REQUESTS);
    let owner = sign_in_from(&app, "198.51.100.7", "admin", common::ADMIN_PASSWORD).await;
    assert!(owner.status().is_success(), "{}", owner.status());
    let owner = common::session_from(&owner).unwrap();

    // The desk shows the owner what was tried, and from where.
    let desk: serde_json::Value = app.call("staff_desk", Some(&owner), &[]).await.json().await.unwrap();
    let failed = desk["failed_sign_ins"].as_array().unwrap();
    assert_eq!(failed.len(), 5, "{desk}");
    assert!(failed.iter().all(|attempt| attempt[1] == "203.0.113.66"), "{desk}");
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_slowed_down() {
    let app = behind_a_proxy().await;
    for n in 0..29 {
        let answer = sign_in_from(&app, "2001:db8:7:7::1", &format!("petugas{n}"), "tebakan").await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{n}");
    }
    // The thirtieth wrong password is the one that stops this place.
    let last = sign_in_from(&app, "2001:db8:7:7::1", "petugas29", "tebakan").await;
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address of the same /64 is the same place.
    let next = sign_in_from(&app, "2001:db8:7:7:ffff::2", "admin", common::ADMIN_PASSWORD).await;
    assert_eq!(next.status(), StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = sign_in_from(&app, "2001:db8:7:8::1", "admin", common::ADMIN_PASSWORD).await;
    assert!(elsewhere.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_is_told_to_wait_instead_of_hashing_them_all_at_once() {
    // One check at a time: 600 of them (tens of milliseconds each) cannot all
    // be done within the two seconds an attempt waits.
    let app = one_password_check_at_a_time().await;
    let flood = (0..600).map(|n| {
        let app = &app;
        async move {
            let answer = sign_in_from(app, &format!("198.51.{}.{}", n / 200, n % 200 + 1), "admin", "tebakan").await;
            (answer.status(), answer.headers().get("retry-after").is_some())
        }
    });
    let answers = futures::future::join_all(flood).await;
    assert!(answers.iter().all(|(s, _)| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)));
    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(!busy.is_empty() && busy.iter().all(|(_, retry)| *retry), "{answers:?}");
}

#[tokio::test]
async fn a_generated_first_admin_password_must_be_changed_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = app::store::Db::open_sqlite(&dir.path().join("antrean.db")).await.unwrap();
    let generated = app::store::staff::ensure_first_admin(&db, None, chrono::Utc::now()).await.unwrap();
    assert!(generated.is_some());
    let id: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'admin'")
        .fetch_one(
            &sqlx::AnyPool::connect(&format!("sqlite://{}", dir.path().join("antrean.db").display())).await.unwrap(),
        )
        .await
        .unwrap();
    assert!(app::store::staff::find(&db, id).await.unwrap().unwrap().must_change_password);

    // On a running server, such an account sees its desk and changes the password, nothing else.
    let app = spawn_app().await;
    sqlx::query("UPDATE staff_accounts SET must_change_password = 1 WHERE username = 'admin'")
        .execute(&sqlx::AnyPool::connect(&app.database_url).await.unwrap())
        .await
        .unwrap();
    let admin = app.admin_session().await;
    let (status, _, error) = refusal(app.call("accounts", Some(&admin), &[]).await).await;
    assert_eq!((status, error), (StatusCode::FORBIDDEN, serde_json::json!("PasswordChangeNeeded")));
    let desk: serde_json::Value = app.call("staff_desk", Some(&admin), &[]).await.json().await.unwrap();
    assert_eq!(desk["must_change_password"], true);
    assert!(app.page(&admin, "/petugas").await.contains(r#"data-testid="password-change-first""#));
    let change = [("current_password", common::ADMIN_PASSWORD), ("new_password", "kata sandi baru yang panjang")];
    let changed = app.call("change_password", Some(&admin), &change).await;
    assert!(changed.status().is_success(), "{}", changed.status());
    let admin = common::session_from(&changed).unwrap();
    assert!(app.call("accounts", Some(&admin), &[]).await.status().is_success());
}

#[tokio::test]
async fn a_phone_gets_ten_codes_a_day_however_they_are_spread() {
    use app::domain::otp::{OtpPolicy, SendDecision};
    use app::store::access::{self, CodeRequest, Purpose};
    let dir = tempfile::tempdir().unwrap();
    let db = app::store::Db::open_sqlite(&dir.path().join("antrean.db")).await.unwrap();
    let key = access::CodeKey::load_or_create(&db).await.unwrap();
    let phone = app::domain::identity::PhoneNumber::parse("081234567890").unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().to_utc();
    // Four an hour, under the hourly cap, each from another address.
    let ask_as = |n: i64, known_phone: bool| {
        let (db, key, phone) = (&db, &key, &phone);
        async move {
            let client = format!("198.51.100.{n}");
            let purpose = Purpose::SignIn;
            let request = CodeRequest { phone, client: &client, purpose, payload: None, proof: None, known_phone };
            let now = start + chrono::Duration::minutes(15 * n);
            access::issue(db, key, &OtpPolicy::default(), request, now).await.unwrap()
        }
    };
    for n in 0..10 {
        assert!(ask_as(n, false).await.is_ok(), "code {n}");
    }
    let eleventh = ask_as(10, false).await;
    assert!(matches!(eleventh, Err(SendDecision::TooMany { retry_in_minutes }) if retry_in_minutes > 60 * 20));
    // The phone's owner, in a browser where a code to it was typed back, is not shut out by them
    // (and is held to twice the day's count).
    assert!(ask_as(10, true).await.is_ok());
}

/// Asks for a sign-in code for `phone`, with a solved puzzle if given.
async fn ask_code(app: &TestApp, phone: &str, pow: &str) -> reqwest::Response {
    app.call("request_sign_in_code", None, &[("phone", phone), ("pow", pow)]).await
}

fn solve(puzzle: &serde_json::Value) -> String {
    use app::domain::proof_of_work::{solve_within, Challenge, Solution};
    let challenge: Challenge = serde_json::from_value(puzzle.clone()).unwrap();
    let number = solve_within(&challenge, 0..challenge.max_number + 1).expect("the puzzle has an answer");
    Solution::of(&challenge, number).encode()
}

#[tokio::test]
async fn past_the_sms_budget_a_code_costs_a_solved_puzzle_and_each_answer_buys_one() {
    let app = spawn_app_with(&[("ANTREAN_SMS_BUDGET_PER_HOUR", "2".into())]).await;
    assert!(ask_code(&app, "081211110001", "").await.status().is_success());
    assert!(ask_code(&app, "085711110002", "").await.status().is_success());

    let (status, _, error) = refusal(ask_code(&app, "087811110003", "").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let puzzle = &error["ProofOfWorkNeeded"];
    assert_eq!(puzzle["max_number"], app::domain::proof_of_work::NORMAL_MAX_NUMBER);
    assert_eq!(sms_bodies(&app).await.len(), 2, "no SMS without the answer");

    let answer = solve(puzzle);
    assert!(ask_code(&app, "087811110003", &answer).await.status().is_success());
    // The same answer again, a made-up one, or a puzzle edited to be easier: a new puzzle.
    for pow in [answer.clone(), "abc?expires=99999999999&max=1|1|00|00".to_string(), "rubbish".into()] {
        let (status, _, error) = refusal(ask_code(&app, "081311110004", &pow).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{pow}");
        assert!(error.get("ProofOfWorkNeeded").is_some(), "{error}");
    }
    assert_eq!(sms_bodies(&app).await.len(), 3);
}

/// Asks for a sign-in code for the `n`th phone of a range from an address of
/// its own, so that of the limits only the site's SMS budget holds it back.
async fn ask_code_from_afar(app: &TestApp, n: u32) -> StatusCode {
    let request = app.client.post(format!("{}/api/request_sign_in_code", app.base));
    let request = request.header("Accept", "application/json").header("X-Forwarded-For", format!("198.51.100.{n}"));
    request.form(&[("phone", format!("0857{:08}", 30_000_000 + n))]).send().await.unwrap().status()
}

/// On SQLite the one writer orders the requests' counts; on PostgreSQL the
/// budget's lock does, which the next test holds to account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_code_requests_never_slip_past_the_budget() {
    let settings = [("ANTREAN_SMS_BUDGET_PER_HOUR", "5".into()), ("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into())];
    let app = spawn_app_with(&settings).await;
    let statuses = futures::future::join_all((0..30).map(|n| ask_code_from_afar(&app, n))).await;
    assert_eq!(statuses.iter().filter(|s| s.is_success()).count(), 5, "{statuses:?}");
    assert_eq!(sms_bodies(&app).await.len(), 5);
}

/// Requests on two instances that all count the budget at the same moment:
/// no code is written until every one of them has counted (or waits for the
/// budget's lock to count), so without that lock each would count none sent
/// and all would send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn code_requests_counted_at_once_on_two_instances_wait_for_the_budget_lock() {
    assert!(common::on_postgres(), "two instances share a PostgreSQL database: run with ANTREAN_TEST_ENGINE=postgres");
    const ASKED: u32 = 12;
    let settings = [("ANTREAN_SMS_BUDGET_PER_HOUR", "5".into()), ("ANTREAN_TRUSTED_PROXIES", "127.0.0.1".into())];
    let first = spawn_app_with(&settings).await;
    let second = first.another_instance().await;
    // Codes can be counted but not written while this transaction lasts.
    let db = first.tamper().await;
    let mut writes_held = db.begin().await.unwrap();
    sqlx::query("LOCK TABLE access_codes IN SHARE MODE").execute(&mut *writes_held).await.unwrap();
    let asks =
        futures::future::join_all((0..ASKED).map(|n| ask_code_from_afar(if n % 2 == 0 { &first } else { &second }, n)));
    let release = async {
        let waiting = || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND (query LIKE '%INSERT INTO access_codes%' OR query LIKE '%INSERT INTO locks%')",
            )
            .fetch_one(&db)
            .await
            .unwrap();
            waiting
        };
        for _ in 0..200 {
            if waiting().await >= i64::from(ASKED) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(waiting().await, i64::from(ASKED), "every request has counted or waits to");
        writes_held.commit().await.unwrap();
    };
    let (statuses, ()) = tokio::join!(asks, release);
    assert_eq!(statuses.iter().filter(|s| s.is_success()).count(), 5, "{statuses:?}");
    assert_eq!(sms_bodies(&first).await.len(), 5);
}

#[tokio::test]
async fn one_range_of_numbers_has_a_budget_of_its_own() {
    let app = spawn_app_with(&[("ANTREAN_SMS_BUDGET_PER_RANGE", "2".into())]).await;
    for phone in ["081234560001", "081234560002"] {
        assert!(ask_code(&app, phone, "").await.status().is_success());
    }
    let pumped = ask_code(&app, "081234560003", "").await;
    assert_eq!(pumped.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(ask_code(&app, "085799990001", "").await.status().is_success(), "another range is not held back");
}

#[tokio::test]
async fn at_eight_times_its_budget_a_range_is_sent_no_more_codes_whatever_the_work() {
    let app = spawn_app_with(&[("ANTREAN_SMS_BUDGET_PER_RANGE", "1".into())]).await;
    assert!(ask_code(&app, "081234560001", "").await.status().is_success());
    // Past the budget every code costs a solved puzzle, harder as they go on.
    for n in 2..=8 {
        let phone = format!("08123456{n:04}");
        let (status, _, error) = refusal(ask_code(&app, &phone, "").await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let answer = solve(&error["ProofOfWorkNeeded"]);
        assert!(ask_code(&app, &phone, &answer).await.status().is_success(), "code {n}");
    }
    // Eight codes to the range this hour: no ninth, puzzle or not.
    let (status, _, error) = refusal(ask_code(&app, "081234560009", "").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error.get("CodeTooMany").is_some(), "{error}");
    assert_eq!(sms_bodies(&app).await.len(), 8);
    assert!(ask_code(&app, "085799990001", "").await.status().is_success(), "another range is not held back");
}

/// The known-device cookie a response sets, as a `Cookie` header value.
fn device_cookie(response: &reqwest::Response) -> Option<String> {
    response.headers().get_all("set-cookie").iter().find_map(|value| {
        let pair = value.to_str().ok()?.split(';').next()?.to_string();
        pair.starts_with("antrean_device=").then_some(pair)
    })
}

/// A staff sign-in from `client` carrying `cookie`.
async fn sign_in_with(app: &TestApp, client: &str, cookie: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/staff_sign_in", app.base))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", client)
        .header("Cookie", cookie)
        .form(&[("username", "admin"), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_known_device_signs_in_where_its_network_is_locked_out() {
    let app = behind_a_proxy().await;
    let first = sign_in_from(&app, "203.0.113.66", "admin", common::ADMIN_PASSWORD).await;
    let device = device_cookie(&first).expect("a successful sign-in makes the browser a known device");
    // Someone on the same network (an office NAT) guesses until the address is locked out.
    for n in 0..10 {
        sign_in_from(&app, "203.0.113.66", "admin", &format!("tebakan-{n}")).await;
    }
    let stranger = sign_in_from(&app, "203.0.113.66", "admin", common::ADMIN_PASSWORD).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    let owner = sign_in_with(&app, "203.0.113.66", &device, common::ADMIN_PASSWORD).await;
    assert!(owner.status().is_success(), "{}", owner.status());
    // The cookie names one username: it opens nothing for another.
    let other = app
        .client
        .post(format!("{}/api/staff_sign_in", app.base))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", "203.0.113.66")
        .header("Cookie", &device)
        .form(&[("username", "petugas"), ("password", "tebakan")])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    let counted_as: String = sqlx::query_scalar("SELECT client FROM sign_in_attempts WHERE username = 'petugas'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(counted_as, "203.0.113.66", "counted against the address, not the device");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_guesses_does_not_queue_a_known_device() {
    let app = one_password_check_at_a_time().await;
    let first = sign_in_from(&app, "198.18.0.1", "admin", common::ADMIN_PASSWORD).await;
    let device = device_cookie(&first).unwrap();
    let flood =
        (0..600).map(|n| {
            let app = &app;
            async move {
                sign_in_from(app, &format!("100.64.{}.{}", n / 200, n % 200 + 1), "admin", "tebakan").await.status()
            }
        });
    let owner = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sign_in_with(&app, "198.18.0.1", &device, common::ADMIN_PASSWORD).await.status()
    };
    let (flooded, owner) = futures::join!(futures::future::join_all(flood), owner);
    assert!(flooded.contains(&StatusCode::TOO_MANY_REQUESTS), "the flood itself waits");
    assert!(owner.is_success(), "the owner was not queued behind the flood: {owner}");
}

#[tokio::test]
async fn guesses_at_one_username_from_many_addresses_must_each_solve_a_puzzle_after_twenty() {
    let app = behind_a_proxy().await;
    let first = sign_in_from(&app, "198.18.0.1", "admin", common::ADMIN_PASSWORD).await;
    let device = device_cookie(&first).unwrap();
    // One guess from each address: no per-address limit is reached.
    for n in 0..20 {
        let guess = sign_in_from(&app, &format!("100.64.0.{n}"), "admin", &format!("tebakan-{n}")).await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let (status, _, error) = refusal(sign_in_from(&app, "100.64.1.1", "admin", "tebakan").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error.get("ProofOfWorkNeeded").is_some(), "{error}");
    assert_eq!(attempts_checked(&app).await, 21, "the guess without a puzzle was not checked");
    // Another username is not held back, nor the owner's own browser.
    let other = sign_in_from(&app, "100.64.1.2", "petugas", "tebakan").await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    assert!(sign_in_with(&app, "198.18.0.1", &device, common::ADMIN_PASSWORD).await.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_many_addresses_must_solve_a_puzzle_each_once_the_checks_are_all_taken() {
    let app = one_password_check_at_a_time().await;
    let first = sign_in_from(&app, "198.18.0.1", "admin", common::ADMIN_PASSWORD).await;
    let device = device_cookie(&first).unwrap();
    // Every guess from an address of its own: no per-address limit holds them.
    let flood =
        (0..200).map(|n| {
            let app = &app;
            async move {
                refusal(sign_in_from(app, &format!("100.64.{}.{}", n / 200, n % 200 + 1), "admin", "x").await).await
            }
        });
    let answers = futures::future::join_all(flood).await;
    let puzzles = answers.iter().filter(|(_, _, error)| error.get("ProofOfWorkNeeded").is_some()).count();
    assert!(puzzles > 100, "most guesses were asked for a puzzle instead of a hash: {puzzles} of 200");
    assert!(answers.iter().all(|(status, retry, _)| *status != StatusCode::TOO_MANY_REQUESTS || retry.is_some()));
    let checked = attempts_checked(&app).await;
    assert!(checked < 100, "{checked} guesses were hashed");

    // For a while after, a guess from a new address costs a solved puzzle, and each answer buys one check.
    let (status, _, error) = refusal(sign_in_from(&app, "100.65.0.1", "admin", "x").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let answer = solve(&error["ProofOfWorkNeeded"]);
    let solved = |password: &'static str, answer: String| {
        let app = &app;
        async move {
            let request = app.client.post(format!("{}/api/staff_sign_in", app.base));
            let request = request.header("Accept", "application/json").header("X-Forwarded-For", "100.65.0.2");
            request.form(&[("username", "admin"), ("password", password), ("pow", &answer)]).send().await.unwrap()
        }
    };
    assert_eq!(solved("x", answer.clone()).await.status(), StatusCode::UNAUTHORIZED, "checked, and wrong");
    let again = refusal(solved(common::ADMIN_PASSWORD, answer).await).await;
    assert!(again.2.get("ProofOfWorkNeeded").is_some(), "an answer is used once: {again:?}");
    let fresh = solve(&again.2["ProofOfWorkNeeded"]);
    assert!(solved(common::ADMIN_PASSWORD, fresh).await.status().is_success(), "a person who solves it signs in");
    // The owner's own browser is never asked.
    assert!(sign_in_with(&app, "198.18.0.1", &device, common::ADMIN_PASSWORD).await.status().is_success());
}
