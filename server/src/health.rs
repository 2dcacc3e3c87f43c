//! Health for load balancers and orchestrators. `/healthz`: the process
//! answers. `/readyz`: this instance can serve: the database answers with the
//! schema this build expects, the notice sender is running, and on PostgreSQL
//! the instance hears the other instances' live changes (a screen on it would
//! otherwise miss their calls). A failing check is named in the answer.

use axum::extract::State;
use axum::http::StatusCode;

use app::api::server::ServerContext;

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(context): State<ServerContext>) -> (StatusCode, String) {
    let mut failing = Vec::new();
    match context.db.schema_current().await {
        Ok(true) => {}
        Ok(false) => failing.push("database schema: not the one this build expects"),
        Err(error) => {
            tracing::error!(%error, "readiness: the database does not answer");
            failing.push("database: does not answer");
        }
    }
    if !context.notifier.is_running() {
        failing.push("notice sender: not running");
    }
    if !context.hub.hears_others() {
        failing.push("live changes: not hearing the other instances (LISTEN)");
    }
    match failing.is_empty() {
        true => (StatusCode::OK, "ready\n".into()),
        false => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready\n{}\n", failing.join("\n"))),
    }
}
