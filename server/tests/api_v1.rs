//! The read-only API against the real server: an admin makes a key (shown
//! once, stored hashed), the key reads its own office's figures and no other
//! office's, a revoked or made-up key reads nothing, and a key that asks too
//! often is refused until its minute ends. The answers' shape is checked
//! against the OpenAPI document by a real validator in the browser tests
//! (`end2end/tests/api.spec.ts`).

mod common;

use app::domain::api_key::{key_hash, REPORT_COST, REQUESTS_PER_MINUTE};
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn make_key(app: &TestApp, session: &str, office: &str, label: &str) -> reqwest::Response {
    app.call("create_api_key", Some(session), &[("office", office), ("label", label)]).await
}

async fn new_key(app: &TestApp, office: &str) -> String {
    let admin = app.admin_session().await;
    let made = make_key(app, &admin, office, "Dasbor Pemprov").await;
    assert_eq!(made.status(), StatusCode::OK);
    let made: Value = made.json().await.unwrap();
    made["key"].as_str().expect("the key, once").to_string()
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    request.send().await.expect("request reaches the server")
}

#[tokio::test]
async fn a_key_reads_its_offices_figures() {
    let app = spawn_app().await;
    let key = new_key(&app, "kantah-denpasar").await;
    let staff = app.admin_session().await;
    app.desk_book(&staff, 1, &[]).await;

    let office = get(&app, "/api/v1/offices/kantah-denpasar", Some(&key)).await;
    assert_eq!(office.status(), StatusCode::OK);
    assert_eq!(office.headers()["ratelimit-limit"], REQUESTS_PER_MINUTE.to_string().as_str());
    assert_eq!(office.headers()["cache-control"], "private, no-store");
    let office: Value = office.json().await.unwrap();
    assert_eq!(office["slug"], "kantah-denpasar");
    assert_eq!(office["time_zone"], "Asia/Makassar");
    assert_eq!(office["today"], "2026-11-23");
    assert_eq!(office["open_now"], true);
    assert_eq!(office["opening_hours"][0]["weekday"], 1);

    let services: Value = get(&app, "/api/v1/offices/kantah-denpasar/services", Some(&key)).await.json().await.unwrap();
    let a = services.as_array().unwrap().iter().find(|s| s["letter"] == "A").expect("service A");
    assert_eq!(a["issued_today"], 1);
    assert!(a["daily_quota"].as_u64().unwrap() > 0);

    let queue: Value = get(&app, "/api/v1/offices/kantah-denpasar/queue", Some(&key)).await.json().await.unwrap();
    let a = queue["services"].as_array().unwrap().iter().find(|s| s["letter"] == "A").expect("service A");
    assert_eq!(a["waiting"], 1);
    assert!(!queue["counters"].as_array().unwrap().is_empty());

    let report = get(&app, "/api/v1/offices/kantah-denpasar/report?from=2026-11-23&until=2026-11-23", Some(&key)).await;
    assert_eq!(report.status(), StatusCode::OK);
    let report: Value = report.json().await.unwrap();
    assert_eq!(report["total"]["issued"], 1);
    assert_eq!(report["total"]["staff_assisted"], 1);
    assert_eq!(report["services"][0]["of"], "A");
    let too_long =
        get(&app, "/api/v1/offices/kantah-denpasar/report?from=2026-01-01&until=2026-11-23", Some(&key)).await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal: Value = too_long.json().await.unwrap();
    assert_eq!(refusal["message"], "Date: Satu laporan paling lama 92 hari.", "{refusal}");
    let bad_date = get(&app, "/api/v1/offices/kantah-denpasar/report?from=kemarin", Some(&key)).await;
    assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The description is public and names every route.
    let document: Value = get(&app, "/api/v1/openapi.json", None).await.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/v1/offices/{office}/queue"].is_object());
}

#[tokio::test]
async fn keys_are_stored_hashed_shown_once_and_scoped_to_their_office() {
    let app = spawn_app().await;
    let key = new_key(&app, "kantah-denpasar").await;
    assert!(key.starts_with("antrean_") && key.len() == 72, "{key}");

    // Only the hash is kept; the page lists the key's beginning, never the key.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT key_hash, shown FROM api_keys").fetch_all(&app.inspect().await).await.unwrap();
    assert_eq!(stored, vec![(key_hash(&key), key[..12].to_string())]);
    let listed = app.call("api_keys", Some(&app.admin_session().await), &[("office", "kantah-denpasar")]).await;
    let listed = listed.text().await.unwrap();
    assert!(!listed.contains(&key) && listed.contains(&key[..12]), "{listed}");

    // Another office's figures: refused, with words in the asked language.
    let other = app
        .client
        .get(format!("{}/api/v1/offices/disdukcapil-bogor/queue", app.base))
        .header("Authorization", format!("Bearer {key}"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let other: Value = other.json().await.unwrap();
    assert_eq!(other["error"], "forbidden");
    assert_eq!(other["message"], "You are not allowed to do this.");
    assert_eq!(get(&app, "/api/v1/offices/tidak-ada/queue", Some(&key)).await.status(), StatusCode::NOT_FOUND);

    // An admin of another office cannot make, list or revoke this office's keys.
    let bogor_admin = [
        ("username", "admin-bogor"),
        ("full_name", "Admin Bogor"),
        ("role", "admin"),
        ("office", "disdukcapil-bogor"),
        ("password", "kata-sandi-admin-bogor"),
    ];
    assert!(app.call("create_account", Some(&app.admin_session().await), &bogor_admin).await.status().is_success());
    let signed_in =
        app.call("staff_sign_in", None, &[("username", "admin-bogor"), ("password", "kata-sandi-admin-bogor")]).await;
    let bogor = session_from(&signed_in).expect("a session");
    assert_eq!(make_key(&app, &bogor, "kantah-denpasar", "Curian").await.status(), StatusCode::FORBIDDEN);
    let listed = app.call("api_keys", Some(&bogor), &[("office", "kantah-denpasar")]).await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN);
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys").fetch_one(&app.inspect().await).await.unwrap();
    let revoked =
        app.call("revoke_api_key", Some(&bogor), &[("office", "disdukcapil-bogor"), ("key", &id.to_string())]).await;
    assert_eq!(revoked.status(), StatusCode::NOT_FOUND, "not a key of Bogor");
    assert_eq!(get(&app, "/api/v1/offices/kantah-denpasar", Some(&key)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_made_up_and_revoked_keys_read_nothing() {
    let app = spawn_app().await;
    let key = new_key(&app, "kantah-denpasar").await;
    let path = "/api/v1/offices/kantah-denpasar/queue";

    let missing = get(&app, path, None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert!(missing.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["error"], "api-key");
    assert!(missing["message"].as_str().unwrap().contains("Kunci API"), "Indonesian by default: {missing}");
    let made_up = format!("antrean_{}", "0".repeat(64));
    assert_eq!(get(&app, path, Some(&made_up)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get(&app, path, Some("bukan-kunci")).await.status(), StatusCode::UNAUTHORIZED);
    // A session cookie is not a key.
    let cookie = app
        .client
        .get(format!("{}{path}", app.base))
        .header("Cookie", format!("{}={}", app.session_cookie(), app.admin_session().await))
        .send()
        .await
        .unwrap();
    assert_eq!(cookie.status(), StatusCode::UNAUTHORIZED);

    let admin = app.admin_session().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys").fetch_one(&app.inspect().await).await.unwrap();
    let revoked =
        app.call("revoke_api_key", Some(&admin), &[("office", "kantah-denpasar"), ("key", &id.to_string())]).await;
    assert!(revoked.status().is_success() || revoked.status().is_redirection(), "{}", revoked.status());
    assert_eq!(get(&app, path, Some(&key)).await.status(), StatusCode::UNAUTHORIZED, "revoked at once");
    let again =
        app.call("revoke_api_key", Some(&admin), &[("office", "kantah-denpasar"), ("key", &id.to_string())]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // The API only reads: a program that writes to it, as programs do without
    // an `Origin`, is told the method is wrong, not that it is another site.
    let posted = reqwest::Client::new().post(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_key_asking_too_often_is_refused_until_its_minute_ends() {
    let app = spawn_app().await;
    let key = new_key(&app, "kantah-denpasar").await;
    let other = new_key(&app, "kantah-denpasar").await;
    let path = "/api/v1/offices/kantah-denpasar";
    for nth in 1..=REQUESTS_PER_MINUTE {
        let answer = get(&app, path, Some(&key)).await;
        assert_eq!(answer.status(), StatusCode::OK, "request {nth}");
        assert_eq!(answer.headers()["ratelimit-remaining"], (REQUESTS_PER_MINUTE - nth).to_string().as_str());
    }
    let refused = get(&app, path, Some(&key)).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "rate-limited");
    // Refused without a write: the count stays where the limit stopped it.
    let counted: i64 = sqlx::query_scalar("SELECT window_count FROM api_keys WHERE key_hash = $1")
        .bind(key_hash(&key))
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(counted, REQUESTS_PER_MINUTE);
    // Each key has its own count, and a report counts as several requests.
    assert_eq!(get(&app, path, Some(&other)).await.status(), StatusCode::OK);
    let report = "/api/v1/offices/kantah-denpasar/report";
    let reports = (REQUESTS_PER_MINUTE - 1) / REPORT_COST;
    for nth in 1..=reports {
        assert_eq!(get(&app, report, Some(&other)).await.status(), StatusCode::OK, "report {nth}");
    }
    assert_eq!(get(&app, report, Some(&other)).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // The next minute starts a new count (the server's clock is pinned, so the
    // key's minute is moved back instead).
    sqlx::query("UPDATE api_keys SET window_start = window_start - 60 WHERE key_hash = $1")
        .bind(key_hash(&key))
        .execute(&app.tamper().await)
        .await
        .unwrap();
    let next = get(&app, path, Some(&key)).await;
    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(next.headers()["ratelimit-remaining"], (REQUESTS_PER_MINUTE - 1).to_string().as_str());

    // Another instance whose clock runs ahead started the next minute with a
    // full count: this instance's requests count into it, never reset it.
    sqlx::query("UPDATE api_keys SET window_start = window_start + 60, window_count = $2 WHERE key_hash = $1")
        .bind(key_hash(&key))
        .bind(REQUESTS_PER_MINUTE)
        .execute(&app.tamper().await)
        .await
        .unwrap();
    assert_eq!(get(&app, path, Some(&key)).await.status(), StatusCode::TOO_MANY_REQUESTS);
    sqlx::query("UPDATE api_keys SET window_count = window_count - 1 WHERE key_hash = $1")
        .bind(key_hash(&key))
        .execute(&app.tamper().await)
        .await
        .unwrap();
    assert_eq!(get(&app, path, Some(&key)).await.status(), StatusCode::OK, "the last place of that minute");
    assert_eq!(get(&app, path, Some(&key)).await.status(), StatusCode::TOO_MANY_REQUESTS, "and none after it");
}

#[tokio::test]
async fn an_office_holds_at_most_its_cap_of_live_keys_and_labels_are_checked() {
    use app::domain::api_key::LIVE_KEYS_PER_OFFICE;

    let app = spawn_app().await;
    let admin = app.admin_session().await;
    assert_eq!(make_key(&app, &admin, "kantah-denpasar", "  ").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(65);
    assert_eq!(make_key(&app, &admin, "kantah-denpasar", &long).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..LIVE_KEYS_PER_OFFICE {
        assert_eq!(make_key(&app, &admin, "kantah-denpasar", "Dasbor").await.status(), StatusCode::OK);
    }
    let over = make_key(&app, &admin, "kantah-denpasar", "Dasbor").await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Revoking one makes room again.
    let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM api_keys").fetch_one(&app.inspect().await).await.unwrap();
    app.call("revoke_api_key", Some(&admin), &[("office", "kantah-denpasar"), ("key", &id.to_string())]).await;
    assert_eq!(make_key(&app, &admin, "kantah-denpasar", "Dasbor").await.status(), StatusCode::OK);
}
