//! The audit log against the real server: every server function that lets a
//! staff, admin or kiosk account change something writes exactly one entry
//! with the right action and values, a refused change writes none, admins
//! read only their office's entries, and old entries leave by the retention rule.

mod common;

use app::api::PERMISSIONS;
use app::domain::access::Permission;
use common::*;
use reqwest::StatusCode;

/// Server functions open to staff, admins or kiosks that only read.
const READS: &[&str] = &[
    "/api/staff_desk",
    "/api/console",
    "/api/board",
    "/api/accounts",
    "/api/admin_offices",
    "/api/office_settings",
    "/api/outbox",
    "/api/webhooks",
    "/api/office_report",
    "/api/office_report.csv",
    "/api/audit_log",
    "/api/audit_log.csv",
    "/api/api_keys",
];

struct Entry {
    action: String,
    account: String,
    address: String,
    object: String,
    before: serde_json::Value,
    after: serde_json::Value,
}

async fn entries(app: &TestApp) -> Vec<Entry> {
    let rows: Vec<(String, String, String, String, String, String)> =
        sqlx::query_as("SELECT action, account_name, address, object, before, after FROM audit_log ORDER BY id DESC")
            .fetch_all(&app.inspect().await)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(action, account, address, object, before, after)| Entry {
            action,
            account,
            address,
            object,
            before: serde_json::from_str(&before).unwrap(),
            after: serde_json::from_str(&after).unwrap(),
        })
        .collect()
}

/// The server functions walked so far, each step checked to write one entry.
struct Walk<'a> {
    app: &'a TestApp,
    walked: Vec<String>,
}

impl Walk<'_> {
    /// Calls `endpoint`, which must write exactly one entry named `action`
    /// (a refusal writes none, so it fails here); returns the answer and the entry.
    async fn step(
        &mut self,
        session: Option<&str>,
        endpoint: &str,
        form: &[(&str, &str)],
        action: &str,
    ) -> (reqwest::Response, Entry) {
        let before = entries(self.app).await.len();
        let response = self.app.call(endpoint, session, form).await;
        assert!(!response.status().is_server_error(), "{endpoint}: {}", response.status());
        let mut after = entries(self.app).await;
        assert_eq!(after.len(), before + 1, "{endpoint} ({action}) writes exactly one entry");
        let entry = after.remove(0);
        assert_eq!(entry.action, action, "{endpoint}");
        assert_eq!(entry.address, "127.0.0.1", "{endpoint} names the caller's address");
        self.walked.push(format!("/api/{endpoint}"));
        (response, entry)
    }
}

#[tokio::test]
async fn every_change_by_staff_admins_and_kiosks_writes_one_entry_with_its_values() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let mut walk = Walk { app: &app, walked: Vec::new() };

    // Accounts: created, signed in (and a wrong password), password changed, reset, disabled, enabled.
    let kiosk_form = [
        ("username", "kios-lobi"),
        ("full_name", "Kios Lobi"),
        ("role", "kiosk"),
        ("office", "kantah-denpasar"),
        ("password", "kata-sandi-kios-panjang"),
    ];
    let (made, entry) = walk.step(Some(&admin), "create_account", &kiosk_form, "account.created").await;
    assert!(made.status().is_success());
    assert_eq!((entry.account.as_str(), entry.object.as_str()), ("admin", "kios-lobi"));
    assert_eq!(entry.after["role"], "kiosk");
    assert!(!entry.after.to_string().contains("kata-sandi"), "never the password: {}", entry.after);
    let kiosk_id: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'kios-lobi'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    let kiosk_id = kiosk_id.to_string();

    let wrong = [("username", "kios-lobi"), ("password", "bukan-sandinya-sama-sekali")];
    let (_, entry) = walk.step(None, "staff_sign_in", &wrong, "account.sign_in_failed").await;
    assert_eq!(entry.account, "kios-lobi");
    let unknown = [("username", "tidak-ada"), ("password", "bukan-sandinya-sama-sekali")];
    let (refused, entry) = walk.step(None, "staff_sign_in", &unknown, "account.sign_in_failed").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(entry.account, "tidak-ada", "the typed name, with no account");
    let right = [("username", "kios-lobi"), ("password", "kata-sandi-kios-panjang")];
    let (signed_in, _) = walk.step(None, "staff_sign_in", &right, "account.sign_in").await;
    let kiosk = session_from(&signed_in).expect("a kiosk session");

    let change = [("current_password", "kata-sandi-kios-panjang"), ("new_password", "sandi kios yang baru sekali")];
    let (changed, entry) = walk.step(Some(&kiosk), "change_password", &change, "account.password_changed").await;
    assert_eq!(entry.account, "kios-lobi");
    let kiosk = session_from(&changed).expect("a fresh session");
    walk.step(Some(&admin), "set_account_active", &[("account", &kiosk_id), ("active", "false")], "account.disabled")
        .await;
    let (_, entry) = walk
        .step(Some(&admin), "set_account_active", &[("account", &kiosk_id), ("active", "true")], "account.enabled")
        .await;
    assert_eq!((entry.before["active"].as_str(), entry.after["active"].as_str()), (Some("0"), Some("1")));
    let (reset, _) =
        walk.step(Some(&admin), "reset_account_password", &[("account", &kiosk_id)], "account.password_reset").await;
    let reset: serde_json::Value = reset.json().await.unwrap();
    let signed_in = app
        .call("staff_sign_in", None, &[("username", "kios-lobi"), ("password", reset["password"].as_str().unwrap())])
        .await;
    let kiosk = session_from(&signed_in).unwrap_or(kiosk);
    let change = [("current_password", reset["password"].as_str().unwrap()), ("new_password", "sandi kios ketiga")];
    assert!(app.call("change_password", Some(&kiosk), &change).await.status().is_success());
    let kiosk = app.call("staff_sign_in", None, &[("username", "kios-lobi"), ("password", "sandi kios ketiga")]).await;
    let kiosk = session_from(&kiosk).expect("the kiosk signs in again");

    // Office settings, each with what it was and what it became.
    let details = [
        ("office", "kantah-denpasar"),
        ("name", "Kantor Pertanahan Kota Denpasar"),
        ("address", "Jl. Kapten Tantular No. 1, Denpasar, Bali"),
        ("zone", "Asia/Makassar"),
        ("max_calls", "2"),
        ("requeue_after", "5"),
        ("phone_office_day_cap", "1"),
        ("phone_upcoming_cap", "2"),
        ("release_delay", "30"),
        ("reminder_hour", "19"),
        ("board_announcement", "Siapkan KTP asli."),
    ];
    let (_, entry) = walk.step(Some(&admin), "save_office_details", &details, "office.changed").await;
    assert_eq!(entry.object, "kantah-denpasar");
    assert_eq!(entry.after["max_calls"], "2");
    assert_eq!(entry.after["board_announcement"], "Siapkan KTP asli.");
    assert!(entry.before.get("name").is_none(), "only what changed: {}", entry.before);
    let priority = [("office", "kantah-denpasar"), ("mode", "first"), ("every", "3"), ("max_wait", "45")];
    let (_, entry) = walk.step(Some(&admin), "save_priority", &priority, "office.priority").await;
    assert_eq!(entry.after["ordinary_max_wait"], "45");
    let hours = [
        ("office", "kantah-denpasar"),
        ("hours[0][open]", "on"),
        ("hours[0][opens]", "07:30"),
        ("hours[0][closes]", "15:00"),
        ("hours[1][open]", "on"),
        ("hours[1][opens]", "08:00"),
        ("hours[1][closes]", "15:00"),
        ("hours[2][open]", "on"),
        ("hours[2][opens]", "08:00"),
        ("hours[2][closes]", "15:00"),
        ("hours[3][open]", "on"),
        ("hours[3][opens]", "08:00"),
        ("hours[3][closes]", "15:00"),
        ("hours[4][open]", "on"),
        ("hours[4][opens]", "08:00"),
        ("hours[4][closes]", "15:00"),
    ];
    let (_, entry) = walk.step(Some(&admin), "save_opening_hours", &hours, "office.hours").await;
    assert_eq!((entry.before["0"].as_str(), entry.after["0"].as_str()), (Some("08:00-15:00"), Some("07:30-15:00")));
    let holiday = [("office", "kantah-denpasar"), ("date", "2027-03-03"), ("name", "Hari Jadi Kota")];
    let (_, entry) = walk.step(Some(&admin), "add_holiday", &holiday, "holiday.added").await;
    assert_eq!(entry.after["name"], "Hari Jadi Kota");
    let gone = [("office", "kantah-denpasar"), ("date", "2027-03-03")];
    let (_, entry) = walk.step(Some(&admin), "remove_holiday", &gone, "holiday.removed").await;
    assert_eq!(entry.before["name"], "Hari Jadi Kota");
    let service: i64 = sqlx::query_scalar(
        "SELECT s.id FROM services s JOIN offices o ON o.id = s.office_id WHERE o.slug = 'kantah-denpasar' AND prefix = 'A'",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    let service = service.to_string();
    let quota = [
        ("office", "kantah-denpasar"),
        ("service", service.as_str()),
        ("name_id", "Pendaftaran Tanah"),
        ("name_en", "Land Registration"),
        ("daily_quota", "150"),
        ("horizon_days", "30"),
        ("active", "on"),
    ];
    let (_, entry) = walk.step(Some(&admin), "save_service", &quota, "service.changed").await;
    assert_eq!((entry.before["daily_quota"].as_str(), entry.after["daily_quota"].as_str()), (Some("200"), Some("150")));
    let new_service = [
        ("office", "kantah-denpasar"),
        ("prefix", "Z"),
        ("name_id", "Layanan Uji"),
        ("name_en", "Test Service"),
        ("daily_quota", "20"),
        ("horizon_days", "30"),
        ("active", "on"),
    ];
    let (_, entry) = walk.step(Some(&admin), "save_service", &new_service, "service.created").await;
    assert_eq!(entry.object, "Z Layanan Uji");
    let counter = [("office", "kantah-denpasar"), ("name", "Loket Uji"), ("services[0]", service.as_str())];
    let (_, entry) = walk.step(Some(&admin), "save_counter", &counter, "counter.created").await;
    assert_eq!(entry.after["services"], "A");
    let counter_id = app.counter_id("kantah-denpasar", "Loket Uji").await.to_string();
    let renamed =
        [("office", "kantah-denpasar"), ("counter", &counter_id), ("name", "Loket Uji 2"), ("services[0]", &service)];
    let (_, entry) = walk.step(Some(&admin), "save_counter", &renamed, "counter.changed").await;
    assert_eq!((entry.before["name"].as_str(), entry.after["name"].as_str()), (Some("Loket Uji"), Some("Loket Uji 2")));
    let removed = [("office", "kantah-denpasar"), ("counter", counter_id.as_str())];
    walk.step(Some(&admin), "remove_counter", &removed, "counter.removed").await;
    let office = [("slug", "kantor-uji"), ("name", "Kantor Uji"), ("address", "Jl. Uji 1"), ("zone", "Asia/Jakarta")];
    let (_, entry) = walk.step(Some(&admin), "create_office", &office, "office.created").await;
    assert_eq!(entry.after["slug"], "kantor-uji");

    // Tickets: booked at the desk, taken at the kiosk, cancelled with a reason.
    let mut codes = Vec::new();
    for serial in 1..=4 {
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", &nik(serial)),
            ("name", "Warga Uji"),
            ("phone", "081234567890"),
            ("email", "warga@contoh.id"),
        ];
        let (booked, entry) = walk.step(Some(&admin), "staff_book", &form, "ticket.booked").await;
        let booked: Booked = booked.json().await.unwrap();
        assert_eq!(entry.object, booked.display_number);
        codes.push(booked.code);
    }
    let (_, entry) =
        walk.step(Some(&kiosk), "walk_in", &[("office", "kantah-denpasar"), ("service", "B")], "ticket.walk_in").await;
    assert_eq!(entry.account, "kios-lobi");
    let cancel = [("code", codes[3].as_str()), ("reason", "identity_mismatch")];
    let (_, entry) = walk.step(Some(&admin), "staff_cancel", &cancel, "ticket.cancelled").await;
    assert_eq!(entry.after["reason"], "identity_mismatch");

    // Every counter action.
    let loket = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let act = |action: &'static str| [("counter", loket.clone()), ("action", action.to_string())];
    for (action, named) in [
        ("open", "counter.open"),
        ("call_next", "counter.call_next"),
        ("recall", "counter.recall"),
        ("serve", "counter.serve"),
        ("finish", "counter.finish"),
        ("call_next", "counter.call_next"),
        ("recall", "counter.recall"),
        ("no_show", "counter.no_show"),
        ("call_next", "counter.call_next"),
    ] {
        let form = act(action);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, entry) = walk.step(Some(&admin), "counter_action", &form, named).await;
        assert_eq!(entry.object, "Loket 1");
    }
    let transfer = [("counter", loket.as_str()), ("action", "transfer"), ("to", "B")];
    let (_, entry) = walk.step(Some(&admin), "counter_action", &transfer, "counter.transfer").await;
    assert_eq!(entry.after["to_service"], "B");
    let requeue = [("counter", loket.as_str()), ("action", "requeue"), ("ticket", codes[1].as_str())];
    let (_, entry) = walk.step(Some(&admin), "counter_action", &requeue, "counter.requeue").await;
    assert_eq!(entry.after["code"], codes[1]);
    for (action, named) in [("pause", "counter.pause"), ("close", "counter.close")] {
        walk.step(Some(&admin), "counter_action", &[("counter", loket.as_str()), ("action", action)], named).await;
    }

    // A failed notice sent again.
    let tamper = app.tamper().await;
    let notice: i64 = sqlx::query_scalar("SELECT MIN(id) FROM notifications").fetch_one(&tamper).await.unwrap();
    sqlx::query("UPDATE notifications SET failed_at = 1, sent_at = NULL WHERE id = $1")
        .bind(notice)
        .execute(&tamper)
        .await
        .unwrap();
    let notice = notice.to_string();
    walk.step(Some(&admin), "retry_notice", &[("office", "kantah-denpasar"), ("notice", &notice)], "notice.retried")
        .await;
    // A webhook added, given a new secret and removed; never its secret in the log.
    let hook =
        [("office", "kantah-denpasar"), ("url", "https://hooks.example.id/antrean"), ("events[0]", "ticket.called")];
    let (added, entry) = walk.step(Some(&admin), "add_webhook", &hook, "webhook.added").await;
    let added: serde_json::Value = added.json().await.unwrap();
    let (webhook, secret) = (added["webhook"].to_string(), added["secret"].as_str().unwrap().to_string());
    assert_eq!(
        (entry.object.as_str(), entry.after["events"].as_str()),
        ("https://hooks.example.id/antrean", Some(",ticket.called,"))
    );
    let which = [("office", "kantah-denpasar"), ("webhook", webhook.as_str())];
    let (rotated, entry) = walk.step(Some(&admin), "rotate_webhook_secret", &which, "webhook.secret_rotated").await;
    let rotated: serde_json::Value = rotated.json().await.unwrap();
    let (_, removed) = walk.step(Some(&admin), "remove_webhook", &which, "webhook.removed").await;
    assert_eq!(removed.before["url"], "https://hooks.example.id/antrean");
    for entry in [&entry, &removed] {
        let logged = format!("{} {}", entry.before, entry.after);
        assert!(!logged.contains(&secret) && !logged.contains(rotated["secret"].as_str().unwrap()), "{logged}");
    }
    let (_, entry) = walk.step(Some(&admin), "audit_retention", &[("days", "365")], "audit.retention").await;
    assert_eq!(
        (entry.before["retention_days"].as_str(), entry.after["retention_days"].as_str()),
        (Some("730"), Some("365"))
    );

    // An API key made (never the key in the entry) and revoked.
    let label = [("office", "kantah-denpasar"), ("label", "Dasbor Pemprov")];
    let (made, entry) = walk.step(Some(&admin), "create_api_key", &label, "api_key.created").await;
    let made: serde_json::Value = made.json().await.unwrap();
    let key = made["key"].as_str().expect("the key");
    assert_eq!((entry.object.as_str(), entry.after["label"].as_str()), ("Dasbor Pemprov", Some("Dasbor Pemprov")));
    assert!(!entry.after.to_string().contains(&key[12..]), "never the key: {}", entry.after);
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys").fetch_one(&app.inspect().await).await.unwrap();
    let id = id.to_string();
    let (_, entry) = walk
        .step(Some(&admin), "revoke_api_key", &[("office", "kantah-denpasar"), ("key", &id)], "api_key.revoked")
        .await;
    assert_eq!(entry.before["shown"].as_str(), Some(&key[..12]));

    // A refused change writes nothing.
    let count = entries(&app).await.len();
    let refused = app.call("audit_retention", Some(&admin), &[("days", "7")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let taken = [("office", "kantah-denpasar"), ("name", "Loket 1"), ("services[0]", service.as_str())];
    assert!(app.call("save_counter", Some(&admin), &taken).await.status().is_client_error());
    assert_eq!(entries(&app).await.len(), count, "refusals change nothing and write nothing");

    // And nothing that changes is left out of the walk.
    for (path, permission) in PERMISSIONS {
        let by_accounts = matches!(
            permission,
            Permission::OfficeStaff | Permission::OfficeDevice | Permission::Admin | Permission::AnyStaff
        );
        if by_accounts && !READS.contains(path) {
            assert!(walk.walked.iter().any(|walked| walked == path), "{path} changes something: walk it here");
        }
    }
}

#[tokio::test]
async fn admins_read_their_own_offices_log_filtered_paged_and_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let password = "kata-sandi-admin-bogor";
    let form = [
        ("username", "admin-bogor"),
        ("full_name", "Admin Bogor"),
        ("role", "admin"),
        ("office", "disdukcapil-bogor"),
        ("password", password),
    ];
    assert!(app.call("create_account", Some(&admin), &form).await.status().is_success());
    let bogor =
        session_from(&app.call("staff_sign_in", None, &[("username", "admin-bogor"), ("password", password)]).await)
            .expect("signed in");
    app.waiting_tickets(3).await;

    // Denpasar's entries are not Bogor's to read, and all offices are a global admin's only.
    let peek = app.call("audit_log", Some(&bogor), &[("office", "kantah-denpasar")]).await;
    assert_eq!(peek.status(), StatusCode::FORBIDDEN);
    let all = app.call("audit_log", Some(&bogor), &[]).await;
    assert_eq!(all.status(), StatusCode::FORBIDDEN);
    let own: serde_json::Value =
        app.call("audit_log", Some(&bogor), &[("office", "disdukcapil-bogor")]).await.json().await.unwrap();
    let actions: Vec<&str> = own["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["account.sign_in", "account.created"], "Bogor's own: {own}");
    assert_eq!(own["may_set_retention"], false);
    let retention = app.call("audit_retention", Some(&bogor), &[("days", "365")]).await;
    assert_eq!(retention.status(), StatusCode::FORBIDDEN);

    // Filtered by action and account, paged by 50.
    let booked: serde_json::Value = app
        .call(
            "audit_log",
            Some(&admin),
            &[("office", "kantah-denpasar"), ("action", "ticket.booked"), ("account", "ADMIN")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(booked["entries"].as_array().unwrap().len(), 3, "{booked}");
    assert_eq!(booked["more"], false);
    let tamper = app.tamper().await;
    for n in 0..60 {
        sqlx::query(
            "INSERT INTO audit_log (at, office_id, account_id, account_name, address, action, object)
             VALUES ($1, NULL, NULL, '', '', 'audit.removed', $2)",
        )
        .bind(1_000_000_i64 + n)
        .bind(format!("percobaan_{n}%"))
        .execute(&tamper)
        .await
        .unwrap();
    }
    let first: serde_json::Value =
        app.call("audit_log", Some(&admin), &[("action", "audit.removed")]).await.json().await.unwrap();
    assert_eq!((first["entries"].as_array().unwrap().len(), &first["more"]), (50, &serde_json::json!(true)));
    let second: serde_json::Value =
        app.call("audit_log", Some(&admin), &[("action", "audit.removed"), ("page", "1")]).await.json().await.unwrap();
    assert_eq!((second["entries"].as_array().unwrap().len(), &second["more"]), (10, &serde_json::json!(false)));
    // Dates at the ends of the calendar select nothing, or everything: no 500.
    for (from, until) in [("-262143-01-01", "-262143-01-01"), ("+262142-12-31", "+262142-12-31"), ("-262143-01-01", "")]
    {
        let ends = app.call("audit_log", Some(&admin), &[("from", from), ("until", until)]).await;
        assert_eq!(ends.status(), StatusCode::OK, "{from} .. {until}");
    }
    // The object's words match literally: `_` and `%` are no wildcards.
    let literal: serde_json::Value =
        app.call("audit_log", Some(&admin), &[("object", "PERCOBAAN_5%")]).await.json().await.unwrap();
    assert_eq!(literal["entries"].as_array().unwrap().len(), 1, "{literal}");

    // The CSV holds what the filter selects, and no cell reads as a formula.
    let csv = app
        .client
        .get(format!("{}/api/audit_log.csv?office=kantah-denpasar&action=ticket.booked", app.base))
        .header("Cookie", format!("{}={admin}", app.session_cookie()))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("jejak-audit-kantah-denpasar.csv"));
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.lines().nth(1).unwrap().contains("Mendaftarkan warga"), "{csv}");

    // The page shows the same list to the admin.
    let page = app.page(&admin, "/admin/jejak-audit?office=kantah-denpasar&action=ticket.booked").await;
    assert!(page.contains("data-testid=\"audit-log\""), "{page}");
    assert_eq!(page.matches("data-action=\"ticket.booked\"").count(), 3);
}

#[tokio::test]
async fn entries_past_their_retention_are_removed_and_the_removal_is_recorded() {
    let app = spawn_app().await;
    let tamper = app.tamper().await;
    let now = chrono::Utc::now();
    for (days_ago, object) in [(800, "lama"), (10, "baru")] {
        sqlx::query(
            "INSERT INTO audit_log (at, office_id, account_id, account_name, address, action, object)
             VALUES ($1, NULL, NULL, 'admin', '127.0.0.1', 'office.changed', $2)",
        )
        .bind((now - chrono::Duration::days(days_ago)).timestamp_millis())
        .bind(object)
        .execute(&tamper)
        .await
        .unwrap();
    }
    // The server's own hourly job may have got there first: either way, once.
    app::store::audit::remove_expired(&app.running.db, now).await.unwrap();
    let left: Vec<(String, String)> = sqlx::query_as("SELECT action, object FROM audit_log ORDER BY id")
        .fetch_all(&app.inspect().await)
        .await
        .unwrap();
    let objects: Vec<&str> = left.iter().map(|(_, object)| object.as_str()).collect();
    assert!(!objects.contains(&"lama") && objects.contains(&"baru"), "{left:?}");
    let removals: Vec<Entry> = entries(&app).await.into_iter().filter(|e| e.action == "audit.removed").collect();
    assert_eq!(removals.len(), 1, "one removal, recorded once");
    assert_eq!((removals[0].account.as_str(), &removals[0].after["removed"]), ("", &serde_json::json!("1")));
    // Nothing more to remove writes nothing.
    let count = left.len();
    assert_eq!(app::store::audit::remove_expired(&app.running.db, now).await.unwrap(), 0);
    assert_eq!(entries(&app).await.len(), count);
}
