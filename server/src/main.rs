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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, file] = &args[..] {
        if command == "backup" {
            return back_up(std::path::Path::new(file)).await;
        }
    }
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

/// `antrean backup FILE`: a consistent copy of the SQLite database (the one the
/// server's settings name) while the server runs. To restore, stop the server
/// and put the copy in place of `antrean.db` in the data directory (or name it
/// with `ANTREAN_DATABASE_URL`).
async fn back_up(file: &std::path::Path) -> std::process::ExitCode {
    let (_, url) = config::database_location(&|name| std::env::var(name).ok());
    if !url.as_str().starts_with("sqlite:") {
        eprintln!("antrean: backups of PostgreSQL are made with pg_dump (see the README)");
        return std::process::ExitCode::from(2);
    }
    if file.exists() {
        eprintln!("antrean: {} exists; a backup never overwrites a file", file.display());
        return std::process::ExitCode::from(2);
    }
    let backed_up = async {
        let db = app::store::Db::open_url(url.as_str()).await?;
        db.back_up_into(file).await?;
        db.close().await;
        Ok::<_, app::store::StoreError>(())
    };
    match backed_up.await {
        Ok(()) => {
            println!("backed up {:?} to {}", url, file.display());
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("antrean: the backup failed: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
