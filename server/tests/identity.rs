//! Identity over HTTP: SMS codes, sessions, staff accounts, and the permission
//! table walked for every server function and every kind of caller.

mod common;

use app::api::PERMISSIONS;
use app::domain::access::{Caller, Permission, Role};
use app::store::sessions::{self, SessionOwner};
use app::store::staff;
use chrono::Utc;
use common::{nik, session_from, spawn_app, TestApp, ADMIN_PASSWORD};

async fn error_of(response: reqwest::Response) -> serde_json::Value {
    response.json().await.unwrap_or(serde_json::Value::Null)
}

fn booking_form<'a>(phone: &'a str, nik: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("office", "kantah-denpasar"),
        ("service", "A"),
        ("when", "date"),
        ("date", "2026-11-24"),
        ("nik", nik),
        ("name", "Ni Made Ayu"),
        ("email", "ayu@contoh.id"),
        ("phone", phone),
    ]
}

/// Requests a booking code and returns the request id from the redirect.
async fn request_code(app: &TestApp, phone: &str, nik: &str) -> String {
    let response = app.call("request_booking_code", None, &booking_form(phone, nik)).await;
    assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());
    response.headers()["location"].to_str().unwrap().trim_start_matches("/kode/").to_string()
}

#[tokio::test]
async fn booking_without_a_verified_phone_asks_to_sign_in() {
    let app = spawn_app().await;
    let response = app.call("book", None, &booking_form("081234567890", &nik(1))[..7]).await;
    assert_eq!(error_of(response).await, serde_json::json!("NotSignedIn"));
}

#[tokio::test]
async fn the_right_code_issues_the_waiting_booking_and_signs_the_citizen_in() {
    let app = spawn_app().await;
    let request = request_code(&app, "0812 3456 7890", &nik(1)).await;
    let code = app.last_code_sent_to("+6281234567890").await;
    assert_eq!(code.len(), 6);
    assert!(!code.contains(['0', 'O', '1', 'I', 'L']));

    let response = app.call("confirm_code", None, &[("request", &request), ("code", &code.to_lowercase())]).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/tiket/"), "{location}");
    let session = session_from(&response).unwrap();
    let mine: serde_json::Value = app.call("my_tickets", Some(&session), &[]).await.json().await.unwrap();
    assert_eq!(mine["tickets"][0]["display_number"], "A-001");
}

#[tokio::test]
async fn the_sms_ends_with_the_web_otp_line_for_this_host() {
    let app = spawn_app().await;
    request_code(&app, "081234567890", &nik(1)).await;
    let db = app.inspect().await;
    let body: String = sqlx::query_scalar("SELECT body FROM sms_outbox").fetch_one(&db).await.unwrap();
    let code = app.last_code_sent_to("+6281234567890").await;
    assert!(body.ends_with(&format!("\n@127.0.0.1 #{code}")), "{body}");
}

#[tokio::test]
async fn codes_are_stored_only_as_a_keyed_hash() {
    let app = spawn_app().await;
    request_code(&app, "081234567890", &nik(1)).await;
    let code = app.last_code_sent_to("+6281234567890").await;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT code_hash FROM access_codes").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!stored.windows(code.len()).any(|w| w == code.as_bytes()));
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code_even_for_the_right_one_after() {
    let app = spawn_app().await;
    let request = request_code(&app, "081234567890", &nik(1)).await;
    let right = app.last_code_sent_to("+6281234567890").await;
    for tries_left in (1..=4).rev() {
        let answer = error_of(app.call("confirm_code", None, &[("request", &request), ("code", "ZZZZZZ")]).await).await;
        assert_eq!(answer, serde_json::json!({"CodeWrong": {"tries_left": tries_left}}));
    }
    let fifth = error_of(app.call("confirm_code", None, &[("request", &request), ("code", "ZZZZZZ")]).await).await;
    assert_eq!(fifth, serde_json::json!("CodeDead"));
    let after = error_of(app.call("confirm_code", None, &[("request", &request), ("code", &right)]).await).await;
    assert_eq!(after, serde_json::json!("CodeDead"));
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_refused() {
    let app = spawn_app().await;
    request_code(&app, "081234567890", &nik(1)).await;
    let again = app.call("request_booking_code", None, &booking_form("081234567890", &nik(1))).await;
    assert_eq!(error_of(again).await, serde_json::json!({"CodeWait": 60}));
}

#[tokio::test]
async fn a_code_request_with_a_bad_phone_reports_the_field_and_sends_nothing() {
    let app = spawn_app().await;
    let response = app.call("request_booking_code", None, &booking_form("021 555 1234", &nik(1))).await;
    assert_eq!(
        error_of(response).await,
        serde_json::json!({"Invalid": [{"field": "Phone", "problem": {"Identity": "PhoneNotMobile"}}]})
    );
    let sent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(sent, 0);
}

#[tokio::test]
async fn signing_out_revokes_the_session() {
    let app = spawn_app().await;
    let session = app.sign_in_citizen("081234567890").await;
    assert!(app.call("my_tickets", Some(&session), &[]).await.status().is_success());
    app.call("sign_out", Some(&session), &[]).await;
    let after = app.call("my_tickets", Some(&session), &[]).await;
    assert_eq!(error_of(after).await, serde_json::json!("NotSignedIn"));
}

#[tokio::test]
async fn the_first_admin_signs_in_with_the_configured_password_and_wrong_ones_lock_the_account() {
    let app = spawn_app().await;
    let ok = app.call("staff_sign_in", None, &[("username", "admin"), ("password", ADMIN_PASSWORD)]).await;
    assert!(session_from(&ok).is_some());
    for _ in 0..4 {
        let wrong = app.call("staff_sign_in", None, &[("username", "admin"), ("password", "salah")]).await;
        assert_eq!(error_of(wrong).await, serde_json::json!("StaffSignInWrong"));
    }
    let fifth = app.call("staff_sign_in", None, &[("username", "admin"), ("password", "salah")]).await;
    assert_eq!(error_of(fifth).await, serde_json::json!({"StaffLocked": 15}));
    let locked = app.call("staff_sign_in", None, &[("username", "admin"), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(error_of(locked).await, serde_json::json!({"StaffLocked": 15}));
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    let unknown = app.call("staff_sign_in", None, &[("username", "siapa"), ("password", "x")]).await;
    assert_eq!(error_of(unknown).await, serde_json::json!("StaffSignInWrong"));
}

#[tokio::test]
async fn staff_book_for_a_citizen_without_a_phone_and_cancel_with_a_reason_the_citizen_sees() {
    let app = spawn_app().await;
    let staff_session = session_for(&app, Some((Role::Staff, Some("kantah-denpasar")))).await;
    let holder_nik = nik(5);
    let form = [
        ("office", "kantah-denpasar"),
        ("service", "B"),
        ("when", "today"),
        ("nik", holder_nik.as_str()),
        ("name", "Wayan Sukra"),
        ("phone", "081299990000"),
    ];
    let booked: serde_json::Value = app.call("staff_book", Some(&staff_session), &form).await.json().await.unwrap();
    let code = booked["code"].as_str().unwrap().to_string();
    let channel: String = sqlx::query_scalar("SELECT channel FROM tickets WHERE public_code = $1")
        .bind(&code)
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(channel, "staff_assisted");

    let no_phone = [
        ("office", "kantah-denpasar"),
        ("service", "B"),
        ("when", "today"),
        ("nik", "5171011201900099"),
        ("name", "Nyoman Rai"),
    ];
    let without: serde_json::Value =
        app.call("staff_book", Some(&staff_session), &no_phone).await.json().await.unwrap();
    assert!(without["code"].is_string(), "{without}");

    let cancel =
        app.call("staff_cancel", Some(&staff_session), &[("code", &code), ("reason", "identity_mismatch")]).await;
    assert!(cancel.status().is_success());
    let citizen = app.sign_in_citizen("081299990000").await;
    let mine: serde_json::Value = app.call("my_tickets", Some(&citizen), &[]).await.json().await.unwrap();
    assert_eq!(mine["tickets"][0]["state"], "Cancelled");
    assert_eq!(mine["tickets"][0]["cancel_reason"], "IdentityMismatch");
}

/// A session for a kind of caller: `None` a citizen, otherwise a staff account of a role at an office.
async fn session_for(app: &TestApp, staff_of: Option<(Role, Option<&str>)>) -> String {
    let db = &app.running.db;
    let owner = match staff_of {
        None => SessionOwner::Citizen { phone: app::domain::identity::PhoneNumber::parse("+6281200000001").unwrap() },
        Some((role, office)) => {
            let office_id = match office {
                Some(slug) => Some(app::store::offices::find(db, slug).await.unwrap().unwrap().id),
                None => None,
            };
            let username = format!("uji-{}-{}", role.as_str(), rand_suffix());
            let id = staff::create(db, &username, "Petugas Uji", "sandi-uji-panjang", role, office_id, Utc::now())
                .await
                .unwrap()
                .unwrap();
            SessionOwner::Staff { staff_id: id }
        }
    };
    sessions::create(db, &owner, Utc::now()).await.unwrap()
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Sample arguments for each server function; the office concerned is the Denpasar one.
fn sample_arguments(path: &str, ticket: &str, counter: i64, account: i64) -> Option<Vec<(&'static str, String)>> {
    let s = |v: &str| v.to_string();
    let booking = vec![
        ("office", s("kantah-denpasar")),
        ("service", s("C")),
        ("when", s("today")),
        ("nik", s("5171011201907777")),
        ("name", s("Warga Uji")),
        ("email", s("warga@contoh.id")),
    ];
    let name = path.trim_start_matches("/api/");
    Some(match name {
        "offices" | "who_am_i" | "my_tickets" | "my_calls" | "sign_out" | "staff_desk" | "accounts" | "push_key" => {
            vec![]
        }
        "save_push_subscription" => vec![
            ("endpoint", s("https://push.example.id/abc")),
            ("p256dh", s("BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY")),
            ("auth", s("_ordMnz7uTCmrpBTeUV4Bw")),
        ],
        "remove_push_subscription" => vec![("endpoint", s("https://push.example.id/abc"))],
        "create_account" => vec![
            ("username", s("kios-lobi")),
            ("full_name", s("Kios Lobi")),
            ("role", s("kiosk")),
            ("office", s("kantah-denpasar")),
        ],
        "reset_account_password" => vec![("account", account.to_string())],
        "change_password" => vec![("current_password", s("salah-sekali")), ("new_password", s("kata sandi baru"))],
        "set_account_active" => vec![("account", account.to_string()), ("active", s("true"))],
        "console" => vec![("counter", counter.to_string())],
        "board" => vec![("office", s("kantah-denpasar"))],
        "walk_in" => vec![("office", s("kantah-denpasar")), ("service", s("C"))],
        "receipt" => vec![("code", s(ticket))],
        "give_feedback" => vec![("code", s(ticket)), ("rating", s("9"))],
        "counter_action" => vec![("counter", counter.to_string()), ("action", s("pause"))],
        "office" => vec![("slug", s("kantah-denpasar"))],
        "ticket" => vec![("code", s(ticket))],
        "request_booking_code" => [booking, vec![("phone", s("081211112222"))]].concat(),
        "code_request" | "resend_code" => vec![("request", s("tidak-ada"))],
        "confirm_code" => vec![("request", s("tidak-ada")), ("code", s("AAAAAA"))],
        "book" => booking,
        "request_sign_in_code" => vec![("phone", s("081233334444"))],
        "cancel_my_ticket" => vec![("code", s(ticket))],
        "cancel_link" | "cancel_by_link" => vec![("token", s("bukan.tautan.asli"))],
        "staff_sign_in" => vec![("username", s("tidak-ada")), ("password", s("x"))],
        "staff_book" => [booking, vec![("phone", s(""))]].concat(),
        "staff_cancel" => vec![("code", s(ticket)), ("reason", s("duplicate"))],
        // Settings calls with refused values: authorization comes first, and an
        // allowed caller changes nothing the other calls rely on.
        "admin_offices" => vec![],
        "office_settings" => vec![("office", s("kantah-denpasar"))],
        "create_office" => vec![("slug", s("-")), ("name", s("Kantor Uji")), ("address", s("")), ("zone", s("UTC"))],
        "save_office_details" => {
            let office = [("office", "kantah-denpasar"), ("name", "X"), ("address", ""), ("zone", "UTC")];
            let policy = [
                ("max_calls", "0"),
                ("requeue_after", "5"),
                ("phone_office_day_cap", "2"),
                ("phone_upcoming_cap", "5"),
                ("release_delay", "10"),
                ("reminder_hour", "18"),
            ];
            office.iter().chain(&policy).map(|(k, v)| (*k, s(v))).collect()
        }
        "save_priority" => {
            vec![("office", s("kantah-denpasar")), ("mode", s("kadang")), ("every", s("3")), ("max_wait", s("60"))]
        }
        "save_opening_hours" => vec![
            ("office", s("kantah-denpasar")),
            ("hours[0][open]", s("on")),
            ("hours[0][opens]", s("15:00")),
            ("hours[0][closes]", s("08:00")),
        ],
        "add_holiday" => vec![("office", s("kantah-denpasar")), ("date", s("2026-11-20")), ("name", s("Uji"))],
        "remove_holiday" => vec![("office", s("kantah-denpasar")), ("date", s("2030-01-01"))],
        "save_service" => vec![
            ("office", s("kantah-denpasar")),
            ("prefix", s("Z")),
            ("name_id", s("Uji")),
            ("name_en", s("Test")),
            ("daily_quota", s("banyak")),
            ("horizon_days", s("30")),
        ],
        "save_counter" => vec![("office", s("kantah-denpasar")), ("name", s("L"))],
        "remove_counter" => vec![("office", s("kantah-denpasar")), ("counter", s("999999"))],
        "office_report" | "office_report.csv" | "outbox" => vec![("office", s("kantah-denpasar"))],
        "retry_notice" => vec![("office", s("kantah-denpasar")), ("notice", s("999999"))],
        "webhooks" => vec![("office", s("kantah-denpasar"))],
        "add_webhook" => {
            vec![("office", s("kantah-denpasar")), ("url", s("http://10.0.0.1/")), ("events[0]", s("ticket.issued"))]
        }
        "rotate_webhook_secret" | "remove_webhook" => vec![("office", s("kantah-denpasar")), ("webhook", s("999999"))],
        "audit_log" | "audit_log.csv" => vec![("office", s("kantah-denpasar"))],
        "audit_retention" => vec![("days", s("365"))],
        "api_keys" => vec![("office", s("kantah-denpasar"))],
        "create_api_key" => vec![("office", s("kantah-denpasar")), ("label", s(""))],
        "revoke_api_key" => vec![("office", s("kantah-denpasar")), ("key", s("999999"))],
        _ => return None,
    })
}

#[tokio::test]
async fn every_server_function_allows_exactly_the_callers_its_permission_names() {
    let app = spawn_app().await;
    let denpasar = app::store::offices::find(&app.running.db, "kantah-denpasar").await.unwrap().unwrap().id;
    let bogor = app::store::offices::find(&app.running.db, "disdukcapil-bogor").await.unwrap().unwrap().id;
    let loket1: i64 = sqlx::query_scalar("SELECT id FROM counters WHERE office_id = $1 AND name = 'Loket 1'")
        .bind(denpasar)
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();

    // An account of Denpasar for the account functions to act on.
    let account = staff::create(
        &app.running.db,
        "petugas-sasaran",
        "Sasaran",
        "sandi-sasaran",
        Role::Staff,
        Some(denpasar),
        Utc::now(),
    )
    .await
    .unwrap()
    .unwrap();

    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    for path in &registered {
        assert!(PERMISSIONS.iter().any(|(p, _)| p == path), "{path} has no entry in api::PERMISSIONS");
        assert!(sample_arguments(path, "", 0, 0).is_some(), "{path} has no sample arguments in this test");
    }

    let callers: [CallerCase; 6] = [
        ("anonymous", None, Caller::Anonymous),
        (
            "citizen",
            None,
            Caller::Citizen { phone: app::domain::identity::PhoneNumber::parse("+6281200000001").unwrap() },
        ),
        (
            "staff of another office",
            Some((Role::Staff, Some("disdukcapil-bogor"))),
            staff_caller(Role::Staff, Some(bogor)),
        ),
        ("staff", Some((Role::Staff, Some("kantah-denpasar"))), staff_caller(Role::Staff, Some(denpasar))),
        ("kiosk", Some((Role::Kiosk, Some("kantah-denpasar"))), staff_caller(Role::Kiosk, Some(denpasar))),
        ("admin", Some((Role::Admin, None)), staff_caller(Role::Admin, None)),
    ];
    // The read-only API answers API keys, not sessions (`server/tests/api_v1.rs`).
    let server_functions =
        PERMISSIONS.iter().filter(|(path, _)| path.starts_with("/api/") && !path.starts_with("/api/v1/"));
    for (path, permission) in server_functions {
        for (label, staff_of, caller) in &callers {
            // A fresh ticket per call, since some calls cancel it, each of its own
            // citizen, since a phone holds one number per service and day.
            let citizen = app.citizen_session(rand_suffix() as u32 + 1000).await;
            let ticket =
                app.book(&citizen, "kantah-denpasar", "D", "2026-11-24", &nik(rand_suffix() as u32 + 100)).await;
            let ticket: serde_json::Value = ticket.json().await.unwrap();
            let ticket = ticket["code"].as_str().unwrap().to_string();
            let session = match (label, staff_of) {
                (&"anonymous", _) => None,
                (&"citizen", _) => Some(citizen.clone()),
                (_, staff_of) => Some(session_for(&app, *staff_of).await),
            };
            let arguments = sample_arguments(path, &ticket, loket1, account).unwrap();
            let form: Vec<(&str, &str)> = arguments.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // The CSV download is a plain GET link; every other function takes a POST.
            let answer = if path.ends_with(".csv") {
                let mut request = app.client.get(format!("{}{path}", app.base)).query(&form);
                if let Some(session) = &session {
                    request = request.header("Cookie", format!("antrean_session={session}"));
                }
                error_of(request.send().await.unwrap()).await
            } else {
                error_of(app.call(path.trim_start_matches("/api/"), session.as_deref(), &form).await).await
            };
            let denied = answer == serde_json::json!("NotSignedIn") || answer == serde_json::json!("Forbidden");
            let expected = permission.allows(caller, Some(denpasar));
            assert_eq!(!denied, expected, "{path} ({permission:?}) called by {label}: {answer}");
        }
    }
    assert!(Permission::Anyone.allows(&Caller::Anonymous, None));
}

/// A kind of caller: its name, the staff account to create (if any), and what the table expects of it.
type CallerCase = (&'static str, Option<(Role, Option<&'static str>)>, Caller);

fn staff_caller(role: Role, office_id: Option<i64>) -> Caller {
    Caller::Staff { id: 0, role, office_id }
}

#[tokio::test]
async fn a_citizen_cancels_their_own_upcoming_ticket_but_not_someone_elses() {
    let app = spawn_app().await;
    let owner = app.sign_in_citizen("081234567890").await;
    let other = app.sign_in_citizen("081298765432").await;
    let booked: serde_json::Value =
        app.book(&owner, "kantah-denpasar", "A", "2026-11-25", &nik(1)).await.json().await.unwrap();
    let code = booked["code"].as_str().unwrap();

    let stranger = app.call("cancel_my_ticket", Some(&other), &[("code", code)]).await;
    assert_eq!(error_of(stranger).await, serde_json::json!("NotFound"));
    assert!(app.call("cancel_my_ticket", Some(&owner), &[("code", code)]).await.status().is_success());
    let mine: serde_json::Value = app.call("my_tickets", Some(&owner), &[]).await.json().await.unwrap();
    assert_eq!(mine["tickets"][0]["state"], "Cancelled");
    assert_eq!(mine["tickets"][0]["cancel_reason"], "CitizenRequest");

    // Cancelling it again is refused as what it is, not as a permission problem.
    let again = app.call("cancel_my_ticket", Some(&owner), &[("code", code)]).await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_of(again).await, serde_json::json!("NotCancellable"));
    let staff = app.admin_session().await;
    let by_staff = app.call("staff_cancel", Some(&staff), &[("code", code), ("reason", "duplicate")]).await;
    assert_eq!(by_staff.status(), 409, "a cancelled ticket cannot be cancelled again by staff either");
}

/// The session cookie a staff sign-in sets, if it succeeded.
async fn staff_sign_in(app: &TestApp, username: &str, password: &str) -> Option<String> {
    let response = app.call("staff_sign_in", None, &[("username", username), ("password", password)]).await;
    common::session_from(&response)
}

#[tokio::test]
async fn an_admin_creates_a_kiosk_account_that_signs_in_with_its_initial_password() {
    let app = spawn_app().await;
    let admin = session_for(&app, Some((Role::Admin, None))).await;
    let form = [
        ("username", " Kios.Lobi "),
        ("full_name", "Kios lobi utama"),
        ("role", "kiosk"),
        ("office", "kantah-denpasar"),
        ("password", ""),
    ];
    let created: serde_json::Value = app.call("create_account", Some(&admin), &form).await.json().await.unwrap();
    assert_eq!(created["username"], "kios.lobi");
    let password = created["password"].as_str().expect("an initial password is shown once").to_string();
    assert_eq!(password.len(), 12);
    let kiosk = staff_sign_in(&app, "kios.lobi", &password).await.expect("the kiosk signs in");
    let walk_in = app.call("walk_in", Some(&kiosk), &[("office", "kantah-denpasar"), ("service", "B")]).await;
    assert!(walk_in.status().is_success());
    // A kiosk is a device, not staff: it cannot call numbers or manage accounts.
    assert_eq!(error_of(app.call("accounts", Some(&kiosk), &[]).await).await, serde_json::json!("Forbidden"));

    let again = app.call("create_account", Some(&admin), &form).await;
    assert_eq!(error_of(again).await["Invalid"][0]["problem"], serde_json::json!({ "Account": "UsernameTaken" }));
}

#[tokio::test]
async fn account_forms_explain_every_field_they_refuse() {
    let app = spawn_app().await;
    let admin = session_for(&app, Some((Role::Admin, None))).await;
    let form = [("username", "1x"), ("full_name", " "), ("role", "staff"), ("office", ""), ("password", "pendek")];
    let answer = error_of(app.call("create_account", Some(&admin), &form).await).await;
    let problems: Vec<(String, serde_json::Value)> = answer["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["problem"].clone()))
        .collect();
    assert_eq!(
        problems,
        vec![
            ("Username".into(), serde_json::json!({ "Account": "UsernameShape" })),
            ("FullName".into(), serde_json::json!("Missing")),
            ("Office".into(), serde_json::json!({ "Account": "OfficeNeeded" })),
            ("Password".into(), serde_json::json!({ "Account": "PasswordTooShort" })),
        ]
    );
}

#[tokio::test]
async fn an_office_admin_manages_only_their_office_and_never_the_admins_of_all() {
    let app = spawn_app().await;
    let denpasar_admin = session_for(&app, Some((Role::Admin, Some("kantah-denpasar")))).await;
    let global = [("username", "admin-dua"), ("full_name", "Admin Dua"), ("role", "admin"), ("office", "")];
    let refused = app.call("create_account", Some(&denpasar_admin), &global).await;
    assert_eq!(error_of(refused).await, serde_json::json!("Forbidden"));
    let bogor = [("username", "petugas-bogor"), ("full_name", "P"), ("role", "staff"), ("office", "disdukcapil-bogor")];
    let refused = app.call("create_account", Some(&denpasar_admin), &bogor).await;
    assert_eq!(error_of(refused).await, serde_json::json!("Forbidden"));

    let first_admin: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'admin'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    let reset =
        app.call("reset_account_password", Some(&denpasar_admin), &[("account", &first_admin.to_string())]).await;
    assert_eq!(error_of(reset).await, serde_json::json!("Forbidden"));
    let listed: serde_json::Value = app.call("accounts", Some(&denpasar_admin), &[]).await.json().await.unwrap();
    let usernames: Vec<&str> =
        listed["accounts"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert!(!usernames.contains(&"admin"), "{usernames:?}");
    assert_eq!(listed["all_offices"], false);
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_and_a_reset_password_replaces_the_old_one() {
    let app = spawn_app().await;
    let admin = session_for(&app, Some((Role::Admin, None))).await;
    let form = [
        ("username", "petugas-satu"),
        ("full_name", "Petugas Satu"),
        ("role", "staff"),
        ("office", "kantah-denpasar"),
        ("password", "kata sandi pertama"),
    ];
    let created: serde_json::Value = app.call("create_account", Some(&admin), &form).await.json().await.unwrap();
    assert_eq!(created["password"], serde_json::Value::Null, "a chosen password is not shown back");
    let staff_session = staff_sign_in(&app, "petugas-satu", "kata sandi pertama").await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'petugas-satu'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    let id = id.to_string();

    let off = app.call("set_account_active", Some(&admin), &[("account", &id), ("active", "false")]).await;
    assert!(off.status().is_success());
    assert_eq!(
        error_of(app.call("staff_desk", Some(&staff_session), &[]).await).await,
        serde_json::json!("NotSignedIn")
    );
    assert_eq!(staff_sign_in(&app, "petugas-satu", "kata sandi pertama").await, None);

    let on = app.call("set_account_active", Some(&admin), &[("account", &id), ("active", "true")]).await;
    assert!(on.status().is_success());
    let reset: serde_json::Value =
        app.call("reset_account_password", Some(&admin), &[("account", &id)]).await.json().await.unwrap();
    let new_password = reset["password"].as_str().unwrap();
    assert_eq!(staff_sign_in(&app, "petugas-satu", "kata sandi pertama").await, None);
    // The admin read the new password out: its owner changes it before anything else.
    let after_reset = staff_sign_in(&app, "petugas-satu", new_password).await.unwrap();
    assert_eq!(
        error_of(app.call("my_calls", Some(&after_reset), &[]).await).await,
        serde_json::json!("PasswordChangeNeeded")
    );
    let desk: serde_json::Value = app.call("staff_desk", Some(&after_reset), &[]).await.json().await.unwrap();
    assert_eq!(desk["must_change_password"], true);

    let me: serde_json::Value = app.call("accounts", Some(&admin), &[]).await.json().await.unwrap();
    let mine = me["me"].to_string();
    let own = app.call("set_account_active", Some(&admin), &[("account", &mine), ("active", "false")]).await;
    assert_eq!(error_of(own).await, serde_json::json!({ "Account": "OwnAccount" }));
}

#[tokio::test]
async fn staff_change_their_password_after_giving_the_current_one_and_other_devices_are_signed_out() {
    let app = spawn_app().await;
    let admin = session_for(&app, Some((Role::Admin, None))).await;
    let form = [
        ("username", "petugas-dua"),
        ("full_name", "Petugas Dua"),
        ("role", "staff"),
        ("office", "kantah-denpasar"),
        ("password", "sandi awal petugas"),
    ];
    assert!(app.call("create_account", Some(&admin), &form).await.status().is_success());
    let desk = staff_sign_in(&app, "petugas-dua", "sandi awal petugas").await.unwrap();
    let phone = staff_sign_in(&app, "petugas-dua", "sandi awal petugas").await.unwrap();

    let wrong = [("current_password", "bukan sandinya"), ("new_password", "sandi baru petugas")];
    let answer = error_of(app.call("change_password", Some(&desk), &wrong).await).await;
    assert_eq!(answer["Invalid"][0]["field"], "CurrentPassword");
    let short = [("current_password", "sandi awal petugas"), ("new_password", "pendek")];
    let answer = error_of(app.call("change_password", Some(&desk), &short).await).await;
    assert_eq!(answer["Invalid"][0]["problem"], serde_json::json!({ "Account": "PasswordTooShort" }));

    let right = [("current_password", "sandi awal petugas"), ("new_password", "sandi baru petugas")];
    let changed = app.call("change_password", Some(&desk), &right).await;
    assert!(changed.status().is_success());
    let renewed = session_from(&changed).expect("this device gets a fresh session");
    assert!(app.call("staff_desk", Some(&renewed), &[]).await.status().is_success());
    assert_eq!(error_of(app.call("staff_desk", Some(&phone), &[]).await).await, serde_json::json!("NotSignedIn"));
    assert_eq!(staff_sign_in(&app, "petugas-dua", "sandi awal petugas").await, None);
    assert!(staff_sign_in(&app, "petugas-dua", "sandi baru petugas").await.is_some());
}
