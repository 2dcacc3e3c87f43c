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
