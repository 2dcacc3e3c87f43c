//! Office settings through the same plain form posts a browser sends, against
//! the real server: what an admin changes takes effect on bookings and pages, a
//! refused form comes back with what was typed and why, and only an admin of
//! the office may change it.

mod common;

use common::*;

const DENPASAR: &str = "/admin/kantor/kantah-denpasar";

/// A browser-like form post: accepts HTML, names its page, does not follow the
/// redirect. Returns where the browser is sent next.
async fn post_form(app: &TestApp, session: Option<&str>, endpoint: &str, form: &[(&str, &str)]) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = client
        .post(format!("{}/api/{endpoint}", app.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}{DENPASAR}", app.base))
        .form(form);
    if let Some(session) = session {
        request = request.header("Cookie", format!("antrean_session={session}"));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 302, "{endpoint} answers with a redirect");
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn service_id(app: &TestApp, office: &str, prefix: &str) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT s.id FROM services s JOIN offices o ON o.id = s.office_id WHERE o.slug = $1 AND s.prefix = $2",
    )
    .bind(office)
    .bind(prefix)
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    id.to_string()
}

async fn service_date_of(app: &TestApp, response: reqwest::Response) -> String {
    assert!(response.status().is_success(), "booking: {}", response.status());
    let booked: Booked = response.json().await.unwrap();
    sqlx::query_scalar("SELECT service_date FROM tickets WHERE public_code = $1")
        .bind(&booked.code)
        .fetch_one(&app.inspect().await)
        .await
        .unwrap()
}

/// Signs in a new account of `role` at `office`, made by the first admin.
async fn signed_in_account(app: &TestApp, admin: &str, username: &str, role: &str, office: &str) -> String {
    let password = "kata-sandi-panjang";
    let form =
        [("username", username), ("full_name", "Akun Uji"), ("role", role), ("office", office), ("password", password)];
    assert!(app.call("create_account", Some(admin), &form).await.status().is_success());
    let response = app.call("staff_sign_in", None, &[("username", username), ("password", password)]).await;
    session_from(&response).expect("signed in")
}

#[tokio::test]
async fn a_lower_quota_sends_the_next_booking_to_the_next_working_day() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let service = service_id(&app, "kantah-denpasar", "A").await;
    let form = [
        ("office", "kantah-denpasar"),
        ("service", service.as_str()),
        ("name_id", "Pendaftaran Tanah"),
        ("name_en", "Land Registration"),
        ("daily_quota", "2"),
        ("horizon_days", "30"),
        ("active", "on"),
    ];
    let next = post_form(&app, Some(&admin), "save_service", &form).await;
    assert_eq!(next, format!("{DENPASAR}?disimpan=layanan-{service}#layanan-{service}"));

    let mut dates = Vec::new();
    for serial in 1..=3 {
        let citizen = app.citizen_session(serial).await;
        let booked = app.book(&citizen, "kantah-denpasar", "A", "2026-11-25", &nik(serial)).await;
        dates.push(service_date_of(&app, booked).await);
    }
    assert_eq!(dates, ["2026-11-25", "2026-11-25", "2026-11-26"]);
    assert!(app.page(&admin, &next).await.contains("Tersimpan."));
}

#[tokio::test]
async fn a_refused_form_comes_back_with_what_was_typed_and_why() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let service = service_id(&app, "kantah-denpasar", "A").await;
    let form = [
        ("office", "kantah-denpasar"),
        ("service", service.as_str()),
        ("name_id", "P"),
        ("name_en", "Land Registration"),
        ("daily_quota", "banyak"),
        ("horizon_days", "30"),
        ("active", "on"),
    ];
    let next = post_form(&app, Some(&admin), "save_service", &form).await;
    assert!(next.starts_with(&format!("{DENPASAR}?form=layanan-{service}&")), "{next}");
    assert!(next.contains("daily_quota=banyak") && next.contains("__err="), "{next}");

    let shown = app.page(&admin, &next).await;
    assert!(shown.contains("Belum tersimpan. Periksa isian yang ditandai."));
    assert!(shown.contains("Kuota berupa bilangan bulat 0–5000."));
    assert!(shown.contains("Isi 3–80 karakter."));
    assert!(shown.contains(r#"name="daily_quota" value="banyak""#), "the typed quota is kept");
    let quota: i64 = sqlx::query_scalar("SELECT daily_quota FROM services WHERE id = $1")
        .bind(service.parse::<i64>().unwrap())
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(quota, 200, "nothing was changed");

    let english = app
        .client
        .get(format!("{}{next}", app.base))
        .header("Cookie", format!("antrean_session={admin}; lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("The quota is a whole number from 0 to 5000."));
}

#[tokio::test]
async fn closed_weekdays_and_new_holidays_move_bookings_on() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    // Open Monday, Tuesday and Friday only.
    let mut form: Vec<(String, String)> = vec![("office".into(), "kantah-denpasar".into())];
    for day in 0..7 {
        if [0, 1, 4].contains(&day) {
            form.push((format!("hours[{day}][open]"), "on".into()));
        }
        form.push((format!("hours[{day}][opens]"), "08:00".into()));
        form.push((format!("hours[{day}][closes]"), "15:00".into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let next = post_form(&app, Some(&admin), "save_opening_hours", &form).await;
    assert!(next.contains("disimpan=jam-buka"), "{next}");

    let citizen = app.sign_in_citizen("081234567890").await;
    let wednesday = app.book(&citizen, "kantah-denpasar", "A", "2026-11-25", &nik(1)).await;
    assert_eq!(service_date_of(&app, wednesday).await, "2026-11-27", "Wednesday and Thursday are closed now");

    let holiday = [("office", "kantah-denpasar"), ("date", "2026-11-30"), ("name", "Rapat kerja")];
    assert!(post_form(&app, Some(&admin), "add_holiday", &holiday).await.contains("disimpan=libur"));
    let monday = app.book(&citizen, "kantah-denpasar", "A", "2026-11-30", &nik(2)).await;
    assert_eq!(service_date_of(&app, monday).await, "2026-12-01", "the new holiday is skipped");

    let again = post_form(&app, Some(&admin), "add_holiday", &holiday).await;
    assert!(app.page(&admin, &again).await.contains("Tanggal ini sudah menjadi hari libur."));
    let past = [("office", "kantah-denpasar"), ("date", "2026-11-20"), ("name", "Kemarin")];
    let refused = post_form(&app, Some(&admin), "add_holiday", &past).await;
    assert!(app.page(&admin, &refused).await.contains("Tanggal ini sudah lewat."));

    let removed = [("office", "kantah-denpasar"), ("date", "2026-11-30")];
    assert!(post_form(&app, Some(&admin), "remove_holiday", &removed).await.contains("disimpan=libur"));
    let monday = app.book(&citizen, "kantah-denpasar", "B", "2026-11-30", &nik(3)).await;
    assert_eq!(service_date_of(&app, monday).await, "2026-11-30");
}

#[tokio::test]
async fn hours_that_close_before_they_open_are_refused_by_weekday() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let form = [
        ("office", "kantah-denpasar"),
        ("hours[0][open]", "on"),
        ("hours[0][opens]", "08:00"),
        ("hours[0][closes]", "15:00"),
        ("hours[3][open]", "on"),
        ("hours[3][opens]", "15:00"),
        ("hours[3][closes]", "08:00"),
    ];
    let next = post_form(&app, Some(&admin), "save_opening_hours", &form).await;
    let shown = app.page(&admin, &next).await;
    let thursday = shown.split(r#"data-weekday="3""#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(thursday.contains("Jam tutup harus setelah jam buka."), "{thursday}");
    assert!(thursday.contains(r#"value="15:00""#) && thursday.contains(r#"value="08:00""#));
    let open_days: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM office_hours WHERE office_id = (SELECT id FROM offices WHERE slug = 'kantah-denpasar')",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    assert_eq!(open_days, 5, "the hours were left as they were");
}

#[tokio::test]
async fn counters_are_made_changed_and_removed_only_while_unused() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (a, b) = (service_id(&app, "kantah-denpasar", "A").await, service_id(&app, "kantah-denpasar", "B").await);
    let made = [("office", "kantah-denpasar"), ("name", "Loket Prioritas"), ("services[0]", &a), ("services[1]", &b)];
    assert!(post_form(&app, Some(&admin), "save_counter", &made).await.contains("disimpan=loket-baru"));
    let id = app.counter_id("kantah-denpasar", "Loket Prioritas").await.to_string();

    let taken = [("office", "kantah-denpasar"), ("counter", &id), ("name", "Loket 1"), ("services[0]", &a)];
    let refused = post_form(&app, Some(&admin), "save_counter", &taken).await;
    assert!(app.page(&admin, &refused).await.contains("Nama loket ini sudah dipakai di kantor ini."));
    let none = [("office", "kantah-denpasar"), ("counter", id.as_str()), ("name", "Loket Prioritas")];
    let refused = post_form(&app, Some(&admin), "save_counter", &none).await;
    assert!(app.page(&admin, &refused).await.contains("Pilih minimal satu layanan untuk loket ini."));

    let removed = [("office", "kantah-denpasar"), ("counter", id.as_str())];
    assert!(post_form(&app, Some(&admin), "remove_counter", &removed).await.contains("disimpan=loket-"));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM counters WHERE name = 'Loket Prioritas'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(left, 0);

    // A counter that called a ticket is part of the records.
    let citizen = app.waiting_tickets(1).await;
    assert!(!citizen.is_empty());
    let loket_1 = app.counter_id("kantah-denpasar", "Loket 1").await;
    let open = app.call("counter_action", Some(&admin), &[("counter", &loket_1.to_string()), ("action", "open")]).await;
    assert!(open.status().is_success(), "open: {}", open.status());
    let call =
        app.call("counter_action", Some(&admin), &[("counter", &loket_1.to_string()), ("action", "call_next")]).await;
    assert!(call.status().is_success(), "call: {}", call.status());
    let loket_1 = loket_1.to_string();
    let used = [("office", "kantah-denpasar"), ("counter", loket_1.as_str())];
    let refused = post_form(&app, Some(&admin), "remove_counter", &used).await;
    assert!(app.page(&admin, &refused).await.contains("Loket ini sudah pernah memanggil antrean"));
}

#[tokio::test]
async fn a_new_office_with_the_national_holidays_is_open_to_citizens_once_it_has_a_service() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let office = [
        ("slug", "Kantah-Badung"),
        ("name", "Kantor Pertanahan Kabupaten Badung"),
        ("address", "Mangupura"),
        ("zone", "Asia/Makassar"),
    ];
    let next = post_form(&app, Some(&admin), "create_office", &office).await;
    assert_eq!(next, "/admin/kantor/kantah-badung?disimpan=kantor#kantor");
    let settings = app.page(&admin, "/admin/kantor/kantah-badung").await;
    assert!(settings.contains("Cuti bersama Kelahiran Yesus Kristus"), "a new office has the national holidays");
    let service = [
        ("office", "kantah-badung"),
        ("prefix", "a"),
        ("name_id", "Pengecekan Sertifikat"),
        ("name_en", "Certificate Check"),
        ("daily_quota", "20"),
        ("horizon_days", "14"),
        ("active", "on"),
    ];
    assert!(post_form(&app, Some(&admin), "save_service", &service).await.contains("disimpan=layanan-baru"));
    let again = post_form(&app, Some(&admin), "save_service", &service).await;
    assert!(app.page(&admin, &again).await.contains("Huruf ini sudah dipakai layanan lain di kantor ini."));
    let duplicate = post_form(&app, Some(&admin), "create_office", &office).await;
    assert!(duplicate.starts_with("/admin/kantor?form=kantor-baru&"), "{duplicate}");
    assert!(app.page(&admin, &duplicate).await.contains("Alamat ini sudah dipakai kantor lain."));

    let home = app.client.get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Kantor Pertanahan Kabupaten Badung"));
    let office_page =
        app.client.get(format!("{}/kantor/kantah-badung", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(office_page.contains("Pengecekan Sertifikat") && office_page.contains("08:00–15:00"));
    let citizen = app.sign_in_citizen("081234567890").await;
    let booked = app.book(&citizen, "kantah-badung", "A", "2026-11-24", &nik(1)).await;
    assert_eq!(service_date_of(&app, booked).await, "2026-11-24");
}

#[tokio::test]
async fn only_an_admin_of_the_office_changes_its_settings() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let bogor_admin = signed_in_account(&app, &admin, "admin.bogor", "admin", "disdukcapil-bogor").await;
    let denpasar_staff = signed_in_account(&app, &admin, "petugas.dps", "staff", "kantah-denpasar").await;
    let details = [
        ("office", "kantah-denpasar"),
        ("name", "Diganti"),
        ("address", "x"),
        ("zone", "Asia/Jakarta"),
        ("max_calls", "3"),
        ("requeue_after", "5"),
        ("phone_office_day_cap", "2"),
        ("phone_upcoming_cap", "5"),
        ("release_delay", "10"),
        ("reminder_hour", "18"),
    ];

    for (session, expected) in [
        (Some(bogor_admin.as_str()), "Anda tidak berhak melakukan tindakan ini."),
        (Some(denpasar_staff.as_str()), "Anda tidak berhak melakukan tindakan ini."),
        (None, "Silakan masuk terlebih dahulu."),
    ] {
        let next = post_form(&app, session, "save_office_details", &details).await;
        assert!(next.contains("form=kantor") && next.contains("__err="), "{next}");
        if let Some(session) = session {
            assert!(app.page(session, &next).await.contains(expected));
        }
    }
    let name: String = sqlx::query_scalar("SELECT name FROM offices WHERE slug = 'kantah-denpasar'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(name, "Kantor Pertanahan Kota Denpasar");

    // The office admin manages their own office, and sees only it.
    let own = [
        ("office", "disdukcapil-bogor"),
        ("name", "Disdukcapil Kota Bogor"),
        ("address", "Jl. Baru 1"),
        ("zone", "Asia/Jakarta"),
        ("max_calls", "3"),
        ("requeue_after", "5"),
        ("phone_office_day_cap", "2"),
        ("phone_upcoming_cap", "5"),
        ("release_delay", "10"),
        ("reminder_hour", "18"),
    ];
    assert!(post_form(&app, Some(&bogor_admin), "save_office_details", &own).await.contains("disimpan=kantor"));
    let list = app.page(&bogor_admin, "/admin/kantor").await;
    assert!(list.contains("Disdukcapil Kota Bogor") && !list.contains("Kantor Pertanahan Kota Denpasar"));
    assert!(!list.contains("kantor-baru"), "only an admin of every office creates offices");
    let office = [("slug", "baru"), ("name", "Kantor Baru"), ("address", ""), ("zone", "Asia/Jakarta")];
    let refused = post_form(&app, Some(&bogor_admin), "create_office", &office).await;
    assert!(refused.contains("__err="), "{refused}");
    assert!(app.page(&admin, "/admin/kantor/disdukcapil-bogor").await.contains("Jl. Baru 1"));
    assert!(app.page(&bogor_admin, DENPASAR).await.contains("Anda tidak berhak melakukan tindakan ini."));
}

#[tokio::test]
async fn the_report_counts_what_happened_by_service_day_and_counter() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let citizen = app.waiting_tickets(3).await;
    let walk_in = app.call("walk_in", Some(&admin), &[("office", "kantah-denpasar"), ("service", "A")]).await;
    assert!(walk_in.status().is_success(), "walk-in: {}", walk_in.status());
    let tomorrow = app.book(&citizen, "kantah-denpasar", "B", "2026-11-24", &nik(9)).await;
    assert!(tomorrow.status().is_success());

    // Loket 1 serves one ticket and marks the next a no-show after three calls.
    let loket_1 = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    for action in ["open", "call_next", "serve", "finish", "call_next", "recall", "recall", "no_show"] {
        let done = app.call("counter_action", Some(&admin), &[("counter", &loket_1), ("action", action)]).await;
        assert!(done.status().is_success(), "{action}: {}", done.status());
    }

    let period = [("office", "kantah-denpasar"), ("from", "2026-11-23"), ("until", "2026-11-24")];
    let view: serde_json::Value = app.call("office_report", Some(&admin), &period).await.json().await.unwrap();
    let report = &view["report"];
    let total = &report["total"];
    assert_eq!(
        [&total["issued"], &total["online"], &total["walk_in"], &total["served"], &total["no_show"], &total["open"]],
        [5, 1, 1, 1, 1, 3].map(|n| serde_json::json!(n)).each_ref()
    );
    assert_eq!(total["staff_assisted"], 3, "the waiting tickets were taken at the desk");
    assert_eq!(report["services"][0][0], "A");
    assert_eq!(report["services"][0][1]["issued"], 4);
    assert_eq!(report["services"][1][0], "B");
    assert_eq!(report["days"].as_array().unwrap().len(), 2);
    assert_eq!(report["counters"][0][0], "Loket 1");
    assert_eq!(report["counters"][0][1]["served"], 1);
    assert_eq!(report["counters"][0][1]["no_show"], 1);
    // The clock is pinned in tests, so the one served ticket waited and took no time.
    assert_eq!(total["average_wait"], 0);
    assert_eq!(total["average_service"], 0);

    let shown = app.page(&admin, "/admin/kantor/kantah-denpasar/laporan?dari=2026-11-23&sampai=2026-11-24").await;
    let services = shown.split(r#"data-testid="report-services""#).nth(1).unwrap();
    assert!(services.contains("A — Pendaftaran Hak dan Peralihan Hak"), "service rows are named");
    assert!(shown.contains(r#"data-testid="report-days""#) && shown.contains(r#"data-counter="Loket 1""#));

    let backwards = [("office", "kantah-denpasar"), ("from", "2026-11-24"), ("until", "2026-11-23")];
    assert!(!app.call("office_report", Some(&admin), &backwards).await.status().is_success());
    let staff = signed_in_account(&app, &admin, "petugas.dps", "staff", "kantah-denpasar").await;
    let refused = app.call("office_report", Some(&staff), &period).await;
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap(), "Forbidden");
}

#[tokio::test]
async fn the_report_downloads_as_csv_for_spreadsheets() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    app.waiting_tickets(2).await;
    let response = app
        .client
        .get(format!("{}/api/office_report.csv", app.base))
        .query(&[("office", "kantah-denpasar"), ("from", "2026-11-23"), ("until", "2026-11-23")])
        .header("Cookie", format!("antrean_session={admin}"))
        // As a browser following the link asks.
        .header("Accept", "text/html,application/xhtml+xml")
        .header("Referer", format!("{}/admin/kantor/kantah-denpasar/laporan", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"laporan-kantah-denpasar-2026-11-23-2026-11-23.csv\""
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("Kantor Pertanahan Kota Denpasar 2026-11-23 – 2026-11-23,,Nomor terbit,Daring"),
        "{}",
        lines[0]
    );
    assert!(lines.contains(&"Layanan,A — Pendaftaran Hak dan Peralihan Hak,2,0,0,2,0,0,0,0,0,2,,,,,,,,0"), "{csv}");
    assert!(lines.contains(&"Tanggal,2026-11-23,2,0,0,2,0,0,0,0,0,2,,,,,,,,0"), "{csv}");
    assert_eq!(lines.last(), Some(&"Total,,2,0,0,2,0,0,0,0,0,2,,,,,,,,0"));
}

#[tokio::test]
async fn an_office_that_calls_once_lets_its_staff_mark_a_no_show_after_one_call() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    app.waiting_tickets(2).await;
    let loket_1 = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let act = |action: &'static str| {
        let (app, admin, loket_1) = (&app, admin.clone(), loket_1.clone());
        async move { app.call("counter_action", Some(&admin), &[("counter", &loket_1), ("action", action)]).await }
    };
    assert!(act("open").await.status().is_success());
    assert!(act("call_next").await.status().is_success());
    assert!(!act("no_show").await.status().is_success(), "three calls first, by default");

    let details = [
        ("office", "kantah-denpasar"),
        ("name", "Kantor Pertanahan Kota Denpasar"),
        ("address", "Jl. Kapten Tantular No. 1, Denpasar, Bali"),
        ("zone", "Asia/Makassar"),
        ("max_calls", "1"),
        ("requeue_after", "0"),
        ("phone_office_day_cap", "2"),
        ("phone_upcoming_cap", "5"),
        ("release_delay", "10"),
        ("reminder_hour", "18"),
    ];
    assert!(post_form(&app, Some(&admin), "save_office_details", &details).await.contains("disimpan=kantor"));
    assert!(act("no_show").await.status().is_success(), "one call is enough now");

    let refused = [
        ("max_calls", "0"),
        ("requeue_after", "99"),
        ("phone_office_day_cap", "2"),
        ("phone_upcoming_cap", "0"),
        ("release_delay", "10"),
        ("reminder_hour", "18"),
    ];
    let mut form: Vec<(&str, &str)> = details[..4].to_vec();
    form.extend(refused);
    let next = post_form(&app, Some(&admin), "save_office_details", &form).await;
    let shown = app.page(&admin, &next).await;
    assert!(shown.contains("Bilangan bulat 1–5.") && shown.contains("Bilangan bulat 0–50."));
    assert!(shown.contains("Bilangan bulat 1–20."), "a phone cap of 0 is refused");
}

#[tokio::test]
async fn numbers_booked_for_a_day_that_becomes_a_holiday_move_to_the_next_working_day_and_are_told() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    // Two numbers for Wednesday, one for Thursday, booked at the desk with phones.
    let mut codes = Vec::new();
    for (serial, date) in [(1, "2026-11-25"), (2, "2026-11-25"), (3, "2026-11-26")] {
        let phone = format!("08123456700{serial}");
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "date"),
            ("date", date),
            ("nik", &nik(serial)),
            ("name", "Warga Uji"),
            ("phone", phone.as_str()),
        ];
        let booked: serde_json::Value = app.call("staff_book", Some(&admin), &form).await.json().await.unwrap();
        codes.push(booked["code"].as_str().unwrap().to_string());
    }
    let holiday = [("office", "kantah-denpasar"), ("date", "2026-11-25"), ("name", "Hari Uji")];
    assert!(post_form(&app, Some(&admin), "add_holiday", &holiday).await.contains("disimpan=libur"));

    let ticket = |code: String| {
        let app = &app;
        async move { app.call("ticket", None, &[("code", &code)]).await.json::<serde_json::Value>().await.unwrap() }
    };
    let first = ticket(codes[0].clone()).await;
    assert_eq!(first["service_date"], "2026-11-26", "{first}");
    assert_eq!(first["requested_date"], "2026-11-25");
    assert_eq!(first["rollover"], serde_json::json!({ "RequestedDayClosed": { "Holiday": "Hari Uji" } }));
    // Thursday's own number keeps A-001; the moved ones come after it, in their order.
    assert_eq!(ticket(codes[2].clone()).await["display_number"], "A-001");
    assert_eq!(first["display_number"], "A-002");
    assert_eq!(ticket(codes[1].clone()).await["display_number"], "A-003");

    let mut told: Vec<String> = Vec::new();
    for _ in 0..100 {
        told = sqlx::query_scalar("SELECT body FROM sms_outbox WHERE body LIKE '%dipindah%' ORDER BY id")
            .fetch_all(&app.inspect().await)
            .await
            .unwrap();
        if told.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].contains("Rabu, 25 November 2026 (Hari Uji)") && told[0].contains("Kamis, 26 November 2026"));
    // Sent side by side: in either order.
    assert!(told.iter().any(|sms| sms.contains("nomor A-002")) && told.iter().any(|sms| sms.contains("nomor A-003")));
}

/// A seeded day whose figures are known by construction: ten tickets that
/// waited 1, 2, … 10 minutes and were served for 2, 4, … 20 minutes.
#[tokio::test]
async fn the_report_shows_medians_and_90th_percentiles_of_a_seeded_day_and_draws_its_charts() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    app.waiting_tickets(10).await;
    let loket_1 = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let act = |action: &'static str| [("counter", loket_1.clone()), ("action", action.to_string())];
    for action in ["open"].into_iter().chain(std::iter::repeat_n(["call_next", "serve", "finish"], 10).flatten()) {
        let form = act(action);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = app.call("counter_action", Some(&admin), &form).await;
        assert!(done.status().is_success(), "{action}: {}", done.status());
    }
    let tamper = app.tamper().await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id").fetch_all(&tamper).await.unwrap();
    assert_eq!(ids.len(), 10);
    for (n, id) in (1_i64..).zip(ids) {
        sqlx::query(
            "UPDATE tickets SET issued_at = (SELECT MIN(called_at) FROM calls WHERE ticket_id = $1) - $2,
                done_at = serving_at + $3 WHERE id = $1",
        )
        .bind(id)
        .bind(n * 60_000)
        .bind(2 * n * 60_000)
        .execute(&tamper)
        .await
        .unwrap();
    }
    let period = [("office", "kantah-denpasar"), ("from", "2026-11-23"), ("until", "2026-11-23")];
    let view: serde_json::Value = app.call("office_report", Some(&admin), &period).await.json().await.unwrap();
    let total = &view["report"]["total"];
    let times = ["average_wait", "median_wait", "p90_wait", "average_service", "p90_service"].map(|name| &total[name]);
    // Average 5.5 min, median 5, p90 9; service average 11 min, p90 18.
    assert_eq!(times, [330, 300, 540, 660, 1080].map(serde_json::Value::from).each_ref(), "{total}");

    let page = app.page(&admin, "/admin/kantor/kantah-denpasar/laporan?dari=2026-11-23&sampai=2026-11-23").await;
    for chart in ["issued", "waits", "busiest", "lost", "rolled"] {
        let figure = page.split(&format!(r#"data-testid="chart-{chart}""#)).nth(1).unwrap_or_else(|| panic!("{chart}"));
        let figure = figure.split("</figure>").next().unwrap();
        assert!(figure.contains("<svg viewBox="), "{chart} is drawn");
        assert!(figure.contains(r#"<div class="visually-hidden"><table>"#), "{chart} has its table");
    }
    // The waits chart's table holds the day's median and 90th percentile in minutes.
    let waits = page.split(r#"data-testid="chart-waits""#).nth(1).unwrap().split("</figure>").next().unwrap();
    assert!(waits.contains("<td>5</td><td>9</td>"), "{waits}");
    // Ten calls on a Monday between 10:00 and 11:00 office time.
    let busiest = page.split(r#"data-testid="chart-busiest""#).nth(1).unwrap().split("</figure>").next().unwrap();
    assert!(busiest.contains("<th scope=\"row\">Senin</th><td>10</td>"), "{busiest}");
}
