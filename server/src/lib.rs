//! The Antrean server: builds the axum application (pages rendered by Leptos,
//! server functions, static assets) around one database, and runs it until a
//! shutdown signal. Integration tests and the benchmark start it through `start`.

mod acceptor;
mod assets;
pub mod config;
mod health;
mod language;
pub mod limits;
mod live_socket;
mod metrics;
mod outbox;
mod websocket;

use std::net::SocketAddr;

use std::sync::Arc;

use app::api::server::ServerContext;
use app::clock::Clock;
use app::domain::otp::OtpPolicy;
use app::sms::DevGateway;
use app::store::access::CodeKey;
use app::store::{seed, staff, Db, StoreError};
use app::{shell, App};
use axum::Router;
pub use config::Config;
use leptos::prelude::*;
use leptos_axum::{generate_route_list_with_exclusions_and_ssg_and_context, LeptosRoutes};
use thiserror::Error;

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
    metrics::install();
    let db = Db::open_url_with(config.database_url.as_str(), config.postgres).await?;
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
    let push =
        Arc::new(app::push::PushSender::load_or_create(&db, config.push_contact.clone(), config.push_rules).await?);
    let open_files = limits::raise_open_files().unwrap_or(u64::MAX);
    let listener = listen(config.addr, open_files).map_err(|e| StartError::Listen(config.addr, e))?;
    let addr = axum::serve::Listener::local_addr(&listener).map_err(|e| StartError::Listen(config.addr, e))?;
    let public_url = config.public_url.clone().unwrap_or_else(|| app::domain::site::PublicUrl::of_listener(addr));
    tracing::info!(public_url = %public_url.origin(), "serving");
    let code_key = CodeKey::load_or_create(&db).await?;
    let reminders = app::notify::Reminders { origin: public_url.origin(), link_key: code_key.proof_key().to_vec() };
    let context = ServerContext {
        db: db.clone(),
        clock,
        code_key: code_key.clone(),
        otp_policy: OtpPolicy { budget: config.sms_budget, ..OtpPolicy::default() },
        sms: sms.clone(),
        hub: app::live::Hub::start(db.clone(), clock).await,
        notifier: app::notify::Notifier::start(
            db.clone(),
            clock,
            app::notify::Channels { sms, mail, push: push.clone(), message_domain: public_url.host().to_string() },
            config.notices_in_flight,
            reminders,
        ),
        push,
        public_url,
        trusted_proxies: config.trusted_proxies.clone(),
        password_checks: Arc::new(app::store::staff::PasswordChecks::new(config.password_checks)),
    };
    tidy_hourly(db.clone(), clock);
    // Webhooks go out under the same outbound rules as web push.
    app::webhook::WebhookSender::new(db.clone(), clock, config.push_rules)?.start();
    let screens = Arc::new(live_socket::Screens::new(live_socket::ScreenLimits::within_open_files(
        open_files,
        config.screens_per_address,
    )));
    let service = router(config, context, addr, screens.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // On SIGTERM: no new connections, live screens told to go elsewhere, and
    // the requests in flight answered before the server stops.
    let stopping = async move {
        shutdown_signal().await;
        screens.going_away().await;
    };
    let listener = axum::serve::ListenerExt::tap_io(listener, send_at_once);
    let serve = tokio::spawn(async move { axum::serve(listener, service).with_graceful_shutdown(stopping).await });
    Ok(Running { addr, db, serve })
}

/// Removes audit entries older than their retention, webhook deliveries
/// finished long ago, old sign-in attempts and access codes, and sessions
/// ended a while ago, at start and then hourly.
/// Several instances may all run it: a second removal finds nothing and
/// writes nothing.
fn tidy_hourly(db: Db, clock: Clock) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let now = clock.now();
            let days = chrono::Duration::days;
            reported("audit entries past their retention", app::store::audit::remove_expired(&db, now).await);
            let finished_before = now - days(app::domain::webhook::FINISHED_DELIVERIES_KEPT_DAYS);
            reported(
                "webhook deliveries finished long ago",
                app::store::webhooks::remove_finished(&db, finished_before).await,
            );
            let attempted_before = now - days(app::domain::access::SIGN_IN_ATTEMPTS_KEPT_DAYS);
            reported("old sign-in attempts", app::store::staff::remove_sign_in_attempts(&db, attempted_before).await);
            let sent_before = now - app::domain::otp::CODES_KEPT;
            reported("old access codes", app::store::access::remove_old_codes(&db, sent_before).await);
            // A day on, so that a session's end can still be read the day it ended.
            reported("ended sessions", app::store::sessions::remove_ended(&db, now - days(1)).await);
        }
    });
}

/// Logs what one removal of `tidy_hourly` did; a failure is tried again in an hour.
fn reported(what: &str, removed: Result<u64, app::store::StoreError>) {
    match removed {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, what, "removed"),
        Err(error) => tracing::warn!(%error, what, "removing failed; trying again in an hour"),
    }
}

/// Connections waiting to be accepted before the kernel drops new ones (it
/// caps this at `net.core.somaxconn`): the burst that arrives while the
/// acceptor's thread waits for a core (`acceptor`).
const PENDING_CONNECTIONS: u32 = 16_384;

/// Small writes leave at once. Otherwise (Nagle's algorithm) a write waits
/// while an earlier one is unacknowledged, and the other side may hold its
/// acknowledgement for 40 ms: the second part of a streamed page, or a call
/// written to a screen just after a heartbeat, would wait that long.
fn send_at_once(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "could not turn Nagle's algorithm off for a connection");
    }
}

fn listen(addr: SocketAddr, open_files: u64) -> std::io::Result<acceptor::Acceptor> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    acceptor::Acceptor::start(socket.listen(PENDING_CONNECTIONS)?.into_std()?, acceptor::waiting_within(open_files))
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

fn router(config: &Config, context: ServerContext, addr: SocketAddr, screens: Arc<live_socket::Screens>) -> Router {
    let public_url = context.public_url.clone();
    let (assets, hashed) = assets::names(&config.site_root);
    let options = LeptosOptions::builder()
        .output_name(assets.bundle(app::Audience::Citizen))
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    // Listing the routes renders the shell once, as an anonymous visitor would
    // see it, and that needs the server context like any request.
    // What every page's rendering reaches: the server context and the file names.
    let page_context = {
        let (context, assets) = (context.clone(), assets.clone());
        move || {
            provide_context(context.clone());
            provide_context(assets.clone());
        }
    };
    let routes = generate_route_list_with_exclusions_and_ssg_and_context(App, None, page_context.clone()).0;
    let worker: Arc<str> = assets::service_worker(&assets).into();
    let manifest: Arc<str> = assets::manifest(&assets).into();
    // Every route here has its entry in `app::api::PERMISSIONS`.
    let dev_routes = match config.dev_mode {
        true => Router::new().route("/dev/outbox", axum::routing::get(outbox::page)).with_state(context.db.clone()),
        false => Router::new(),
    };
    let metrics: Router<LeptosOptions> = match &config.metrics_token {
        Some(token) => {
            let scrape =
                metrics::Scrape { context: context.clone(), screens: screens.clone(), token: token.0.as_str().into() };
            Router::new().route("/metrics", axum::routing::get(metrics::scrape)).with_state(scrape)
        }
        None => Router::new(),
    };
    // Headers every answer carries, unless it set its own: no other site may
    // show a page in a frame (where a click meant for its page lands on a
    // staff member's "cancel" or an admin's "delete"), no file is read as
    // another type than the one it is sent as, a page's address (a ticket's,
    // a cancel link's) is not told to the sites it links to, and a site
    // served over HTTPS tells browsers to come back over HTTPS only.
    use axum::http::{header, HeaderValue};
    let protective = |name, value| {
        tower_http::set_header::SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let https_only = public_url.is_https().then(|| protective(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    let health: Router<LeptosOptions> = Router::new()
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .with_state(context.clone());
    Router::new()
        .merge(dev_routes)
        .merge(health)
        .merge(app::api::v1::routes().with_state(context.clone()))
        .merge(metrics)
        .merge(
            Router::new().route("/bahasa/{code}", axum::routing::get(language::switch)).with_state(public_url.clone()),
        )
        .route("/ws/kantor/{slug}", {
            let context = context.clone();
            axum::routing::get(move |path, request| {
                live_socket::upgrade(path, context.clone(), screens.clone(), request)
            })
        })
        .route(
            "/sw.js",
            axum::routing::get(move || assets::serve_rendered("text/javascript; charset=utf-8", worker.clone())),
        )
        .route(
            "/manifest.webmanifest",
            axum::routing::get(move || assets::serve_rendered("application/manifest+json", manifest.clone())),
        )
        .leptos_routes_with_context(&options, routes, page_context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest("/pkg", assets::files(&config.site_root.join("pkg"), hashed))
        .nest("/style", assets::files(&config.site_root.join("style"), hashed))
        .fallback(leptos_axum::file_and_error_handler_with_context(page_context, shell))
        // Counted with the status the caller gets, so inside the status fix-up.
        .route_layer(axum::middleware::from_fn(error_statuses))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn_with_state(public_url, same_origin_writes))
        .layer(axum::middleware::from_fn(body_within_limit))
        // Pages and server functions compressed as the browser accepts (files
        // already compressed, and the live socket's upgrade, are left as they are).
        .layer(tower_http::compression::CompressionLayer::new())
        // A bug that panics while answering costs that request a 500, not the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(protective(
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .layer(protective(header::X_FRAME_OPTIONS, "DENY"))
        .layer(protective(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(protective(header::REFERRER_POLICY, "same-origin"))
        .layer(tower::util::option_layer(https_only))
        .with_state(options)
}

/// CSRF defence next to the SameSite cookie: a state-changing request must say
/// where it comes from (`Origin`, or `Referer` where a browser sends no
/// `Origin`), and that must be this site's public address. A request that says
/// nothing is refused too: browsers always say, and scripts that don't are not
/// our pages. The JSON API (`/api/v1/`) is left to its own answers: it reads
/// a key from a header, which no other site can make a browser send.
async fn same_origin_writes(
    axum::extract::State(public_url): axum::extract::State<app::domain::site::PublicUrl>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, Method, StatusCode};
    use axum::response::IntoResponse;

    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes && !request.uri().path().starts_with("/api/v1/") {
        let headers = request.headers();
        let source = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|v| v.to_str().ok());
        if !source.is_some_and(|source| public_url.is_same_origin(source)) {
            tracing::warn!(source, "refused a write from another site or from nowhere");
            let lang = app::i18n::Lang::of_request(headers);
            return (StatusCode::FORBIDDEN, app::i18n::t(lang, app::i18n::Key::CrossSiteRefused)).into_response();
        }
    }
    next.run(request).await
}

/// The largest request body taken: the longest form of the site is a few
/// kilobytes, so this only stops what no form sends.
pub const LARGEST_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// Refuses a body over `LARGEST_REQUEST_BODY` as 413, with the site's typed
/// error: an announced length before a byte of the body is read, a body in
/// chunks once it passes the limit.
async fn body_within_limit(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::body::HttpBody;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;

    let too_large = || {
        let body = serde_json::to_string(&app::error::AppError::TooLarge).unwrap_or_default();
        (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let limit = LARGEST_REQUEST_BODY as u64;
    let size = request.body().size_hint();
    if size.lower() > limit {
        return too_large();
    }
    if size.upper().is_some_and(|upper| upper <= limit) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, LARGEST_REQUEST_BODY).await {
        Ok(bytes) => next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(_) => too_large(),
    }
}

/// Server functions answer every error with a 500; here, in one place, the typed
/// error in the body gets its own status (422, 401, 403, 404, 409, 429 with
/// `Retry-After`), so monitoring sees 5xx only for faults. The body is unchanged:
/// pages read the same typed error as before.
async fn error_statuses(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::IntoResponse;

    /// An error body is a small JSON value; anything larger is not one of ours.
    const LARGEST_ERROR: usize = 64 * 1024;
    let is_server_function = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_function || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LARGEST_ERROR).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        metrics::refused(error.kind());
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(seconds) = error.retry_after_seconds() {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
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

#[cfg(test)]
mod tests {
    use axum::serve::{Listener, ListenerExt};

    #[tokio::test]
    async fn accepted_connections_send_small_writes_at_once() {
        let mut listener = super::listen("127.0.0.1:0".parse().unwrap(), 1024).unwrap().tap_io(super::send_at_once);
        let address = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap());
    }
}
