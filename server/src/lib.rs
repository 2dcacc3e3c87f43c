//! The Antrean server: builds the axum application (pages rendered by Leptos,
//! server functions, static assets) around one database, and runs it until a
//! shutdown signal. Integration tests and the benchmark start it through `start`.

pub mod config;
mod language;
pub mod limits;
mod live_socket;
mod outbox;
mod websocket;

use std::net::SocketAddr;

use std::sync::Arc;

use app::api::server::{Clock, ServerContext};
use app::domain::otp::OtpPolicy;
use app::sms::DevGateway;
use app::store::access::CodeKey;
use app::store::{seed, staff, Db, StoreError};
use app::{shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list_with_exclusions_and_ssg_and_context, LeptosRoutes};
use thiserror::Error;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

pub use config::Config;

#[derive(Debug, Error)]
pub enum StartError {
    #[error("could not create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("could not listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("email: {0}")]
    Mail(#[from] app::mail::MailError),
}

/// A started server: where it listens and how to reach its database.
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    pub serve: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens the database, seeds it if asked, binds the address and starts serving
/// in the background.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    if config.database_url.as_str().starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
    }
    let db = Db::open_url_with(config.database_url.as_str(), config.database_connections).await?;
    let clock = Clock { fixed: config.fixed_now };
    if config.seed_demo && seed::seed_demo_offices(&db, clock.now()).await? {
        tracing::info!("created the demo offices");
    }
    let admin_password = config.admin_password.as_ref().map(|secret| secret.0.as_str());
    if let Some(password) = staff::ensure_first_admin(&db, admin_password, clock.now()).await? {
        tracing::warn!("created the first admin account: username 'admin', one-time password '{password}'");
    }
    let sms = sms_gateway(config, &db);
    let mail = match &config.mail {
        Some(settings) => {
            let mailer = app::mail::SmtpMailer::new(&settings.smtp_url.0, &settings.from)?;
            Some(Arc::new(mailer) as Arc<dyn app::mail::MailSender>)
        }
        None => {
            tracing::info!("no email notices: ANTREAN_SMTP_URL is not set");
            None
        }
    };
    let push = Arc::new(app::push::PushSender::load_or_create(&db, config.push_contact.clone()).await?);
    let context = ServerContext {
        db: db.clone(),
        clock,
        code_key: CodeKey::load_or_create(&db).await?,
        otp_policy: OtpPolicy::default(),
        sms: sms.clone(),
        hub: app::live::Hub::start(db.clone(), clock).await,
        notifier: app::notify::Notifier::start(
            db.clone(),
            clock,
            app::notify::Channels { sms, mail, push: push.clone() },
        ),
        push,
    };
    let listener = TcpListener::bind(config.addr).await.map_err(|e| StartError::Listen(config.addr, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Listen(config.addr, e))?;
    let service = router(config, context, addr).into_make_service_with_connect_info::<SocketAddr>();
    let serve =
        tokio::spawn(async move { axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await });
    Ok(Running { addr, db, serve })
}

/// The SMS gateway the configuration names.
pub fn sms_gateway(config: &Config, db: &Db) -> Arc<dyn app::sms::SmsGateway> {
    match &config.sms {
        crate::config::SmsSettings::Dev => {
            // Outside development mode nobody reads the outbox page, so a server
            // left on the default would send no codes without anyone noticing.
            if !config.dev_mode {
                tracing::warn!(
                    "SMS are kept in the sms_outbox table, not sent; set ANTREAN_SMS_GATEWAY=http to send them"
                );
            }
            Arc::new(DevGateway::new(db.clone()))
        }
        crate::config::SmsSettings::Http(settings) => Arc::new(app::sms::HttpGateway::new(settings.as_ref().clone())),
    }
}

fn router(config: &Config, context: ServerContext, addr: SocketAddr) -> Router {
    let options = LeptosOptions::builder()
        .output_name("antrean")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    // Listing the routes renders the shell once, as an anonymous visitor would
    // see it, and that needs the server context like any request.
    let routes = generate_route_list_with_exclusions_and_ssg_and_context(App, None, {
        let context = context.clone();
        move || provide_context(context.clone())
    })
    .0;
    let pkg = ServeDir::new(config.site_root.join("pkg")).precompressed_gzip();
    let style = ServeDir::new(config.site_root.join("style")).precompressed_gzip();
    // Every route here has its entry in `app::api::PERMISSIONS`.
    let dev_routes = match config.dev_mode {
        true => Router::new().route("/dev/outbox", axum::routing::get(outbox::page)).with_state(context.db.clone()),
        false => Router::new(),
    };
    Router::new()
        .merge(dev_routes)
        .route("/bahasa/{code}", axum::routing::get(language::switch))
        .route("/ws/kantor/{slug}", {
            let (context, screens) = (context.clone(), Arc::new(live_socket::Screens::default()));
            axum::routing::get(move |path, request| {
                live_socket::upgrade(path, context.clone(), screens.clone(), request)
            })
        })
        .leptos_routes_with_context(&options, routes, move || provide_context(context.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", pkg)
        .nest_service("/style", style)
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::from_fn(same_origin_writes))
        // A bug that panics while answering costs that request a 500, not the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(options)
}

/// CSRF defence next to the SameSite cookie: a state-changing request that says
/// where it comes from (browsers always do) must come from this site.
async fn same_origin_writes(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{header, Method, StatusCode};
    use axum::response::IntoResponse;

    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    let source = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if writes {
        if let (Some(source), Some(host)) = (source, host) {
            let source_host = source.split("://").nth(1).unwrap_or_default().split('/').next().unwrap_or_default();
            if source_host != host {
                tracing::warn!(source, host, "refused a cross-site write");
                return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
            }
        }
    }
    next.run(request).await
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
