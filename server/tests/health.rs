//! `/healthz` and `/readyz`, as a load balancer reads them.

mod common;

use common::spawn_app;

#[tokio::test]
async fn a_running_server_is_healthy_and_ready() {
    let app = spawn_app().await;
    let health = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK, "{}", ready.text().await.unwrap());
}

#[tokio::test]
async fn a_server_behind_the_schema_of_its_database_is_not_ready() {
    let app = spawn_app().await;
    // A newer instance ran a migration this build does not know.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (99999999, 'from a newer build', CURRENT_TIMESTAMP, TRUE, $1, 0)",
    )
    .bind(vec![0u8])
    .execute(&app.tamper().await)
    .await
    .unwrap();
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.text().await.unwrap().contains("database schema"));
    // Alive all the same: a load balancer takes it out, nobody restarts it.
    let health = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_to_the_token_only_and_tell_requests_queues_and_notices() {
    let token = "token-metrik-uji-panjang";
    let app = common::spawn_app_with(&[("ANTREAN_METRICS_TOKEN", token.into())]).await;
    app.waiting_tickets(2).await;
    let refused = app.call("request_sign_in_code", None, &[("phone", "12")]).await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let metrics = |auth: Option<&str>| {
        let mut request = app.client.get(format!("{}/metrics", app.base));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        request.send()
    };
    assert_eq!(metrics(None).await.unwrap().status(), reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(metrics(Some("Bearer salah")).await.unwrap().status(), reqwest::StatusCode::UNAUTHORIZED);
    let text = metrics(Some(&format!("Bearer {token}"))).await.unwrap().text().await.unwrap();
    for expected in [
        r#"antrean_http_requests_total{route="/api/staff_book",status="200"}"#,
        r#"antrean_http_request_duration_seconds_bucket{route="/api/staff_book""#,
        r#"antrean_refusals_total{kind="invalid"}"#,
        r#"antrean_http_requests_total{route="/api/request_sign_in_code",status="422"}"#,
        r#"antrean_tickets_waiting{office="kantah-denpasar",service="A"} 2"#,
        r#"antrean_notices_unsent{channel="sms"}"#,
        r#"antrean_notices_sent_total{channel="sms"}"#,
        "antrean_live_screens 0",
        r#"antrean_db_connections{pool="write",state="open"}"#,
        r#"antrean_booking_batches_total{outcome="redone"} 0"#,
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    // A path nobody serves adds no series of its own.
    app.client.get(format!("{}/bukan/apa-apa-{}", app.base, "x".repeat(20))).send().await.unwrap();
    let text = metrics(Some(&format!("Bearer {token}"))).await.unwrap().text().await.unwrap();
    assert!(!text.contains("apa-apa"));
}

#[tokio::test]
async fn without_a_token_there_is_no_metrics_route() {
    let app = spawn_app().await;
    let metrics = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(metrics.status(), reqwest::StatusCode::NOT_FOUND);
}
