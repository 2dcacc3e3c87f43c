//! `antrean`: starts the server with settings from the environment.

use antrean_server::{config, start, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        print!("{}", config::help());
        return std::process::ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("antrean: {error}\n\n{}", config::help());
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!(?config, open_files = antrean_server::limits::raise_open_files(), "starting");
    let running = match start(&config).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(%error, "could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{}", running.addr);
    match running.serve.await {
        Ok(Ok(())) => {
            running.db.close().await;
            std::process::ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "server stopped");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            tracing::error!(%error, "server task failed");
            std::process::ExitCode::FAILURE
        }
    }
}
