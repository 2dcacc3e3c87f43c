//! `/ws/kantor/{slug}`: the live connection of an office. A screen gets a
//! snapshot first and then every change.
//!
//! One office can have thousands of screens (every waiting citizen's phone), and
//! a call must reach all of them within a blink. So a change is framed once and
//! written straight into every screen's socket by one fan-out per office, without
//! waking a task per screen. A screen whose socket cannot take a frame at once
//! gets it queued and written by its own task; one that falls too far behind is
//! disconnected (it reconnects and gets a fresh snapshot) instead of slowing the
//! others. Pings keep idle connections alive through proxies, and a screen that
//! stops answering them is let go.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::api::server::{client_key, ServerContext};
use app::store::offices;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;

use crate::websocket::{self, ClientFrame, CloseCode};

const HEARTBEAT: Duration = Duration::from_secs(20);
/// A screen that sent nothing (not even a pong) for this long is gone.
const SILENCE: Duration = Duration::from_secs(65);
/// Bytes a screen may fall behind by before it is disconnected.
const BACKLOG_BYTES: usize = 256 * 1024;
/// Screens one fan-out thread writes to; more screens are written in parallel.
const SCREENS_PER_THREAD: usize = 4096;

/// Files kept for everything but screens (HTTP connections, the database, the
/// site's files) when the limit on screens in all is set from the open-file limit.
const FILES_FOR_THE_REST: u64 = 1024;

/// How many screens may be connected at once: in all (each holds an open
/// file, and a server out of them accepts no request at all), and from one
/// client address (a hall of citizens on the office's Wi-Fi shares one, but
/// one machine must not take every place).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenLimits {
    pub in_all: usize,
    pub per_address: usize,
}

impl ScreenLimits {
    /// Every file beyond `FILES_FOR_THE_REST` (at least half of them) for screens.
    pub fn within_open_files(open_files: u64, per_address: usize) -> Self {
        let in_all = open_files.saturating_sub(FILES_FOR_THE_REST).max(open_files / 2);
        Self { in_all: usize::try_from(in_all).unwrap_or(usize::MAX), per_address }
    }
}

/// Every office's screens.
pub struct Screens {
    offices: Mutex<HashMap<i64, Arc<OfficeScreens>>>,
    limits: ScreenLimits,
    /// Screens connected, in all and by client address.
    seats: Mutex<Seats>,
}

#[derive(Default)]
struct Seats {
    taken: usize,
    by_address: HashMap<String, usize>,
}

/// Why a screen was not let in.
#[derive(Debug, PartialEq, Eq)]
enum Full {
    Address,
    Server,
}

/// A connected screen's place under the limits, given back when dropped.
struct Seat {
    screens: Arc<Screens>,
    address: String,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut seats = lock(&self.screens.seats);
        seats.taken -= 1;
        if let Some(count) = seats.by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                seats.by_address.remove(&self.address);
            }
        }
    }
}

#[derive(Default)]
struct OfficeScreens {
    screens: Mutex<Vec<Arc<Screen>>>,
}

struct Screen {
    stream: TcpStream,
    outgoing: Mutex<Outgoing>,
    /// Wakes the screen's task when bytes wait for it or it was disconnected.
    wake: Notify,
}

enum Outgoing {
    /// The socket takes frames as they come.
    Direct,
    /// Bytes the socket could not take yet, in order; new frames queue behind them.
    Waiting(Vec<u8>),
    Closed,
}

enum Flushed {
    All,
    Partly,
    Closed,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Screen {
    /// Writes a frame now if the socket takes it whole, and queues it otherwise.
    /// Frames never interleave: every write happens under the `outgoing` lock.
    fn send(&self, frame: &[u8]) {
        let mut outgoing = lock(&self.outgoing);
        match &mut *outgoing {
            Outgoing::Direct => match self.stream.try_write(frame) {
                Ok(written) if written == frame.len() => return,
                Ok(written) => *outgoing = Outgoing::Waiting(frame[written..].to_vec()),
                Err(error) if error.kind() == ErrorKind::WouldBlock => *outgoing = Outgoing::Waiting(frame.to_vec()),
                Err(_) => *outgoing = Outgoing::Closed,
            },
            Outgoing::Waiting(waiting) if waiting.len() + frame.len() <= BACKLOG_BYTES => {
                // The screen's task was woken when the first bytes started waiting.
                waiting.extend_from_slice(frame);
                return;
            }
            Outgoing::Waiting(_) => *outgoing = Outgoing::Closed,
            Outgoing::Closed => return,
        }
        drop(outgoing);
        self.wake.notify_one();
    }

    /// Writes what waits, as far as the socket takes it.
    fn flush(&self) -> Flushed {
        let mut outgoing = lock(&self.outgoing);
        let Outgoing::Waiting(waiting) = &mut *outgoing else {
            return match *outgoing {
                Outgoing::Closed => Flushed::Closed,
                _ => Flushed::All,
            };
        };
        while !waiting.is_empty() {
            match self.stream.try_write(waiting) {
                Ok(written) => drop(waiting.drain(..written)),
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Flushed::Partly,
                Err(_) => {
                    *outgoing = Outgoing::Closed;
                    return Flushed::Closed;
                }
            }
        }
        *outgoing = Outgoing::Direct;
        Flushed::All
    }

    fn close(&self) {
        *lock(&self.outgoing) = Outgoing::Closed;
        self.wake.notify_one();
    }
}

impl Screens {
    pub fn new(limits: ScreenLimits) -> Self {
        Self { offices: Mutex::default(), limits, seats: Mutex::default() }
    }

    /// A place for one more screen of `address`, if the limits leave one.
    fn seat(self: &Arc<Self>, address: String) -> Result<Seat, Full> {
        let mut seats = lock(&self.seats);
        let of_address = seats.by_address.get(&address).copied().unwrap_or(0);
        if of_address >= self.limits.per_address {
            return Err(Full::Address);
        }
        if seats.taken >= self.limits.in_all {
            return Err(Full::Server);
        }
        seats.taken += 1;
        seats.by_address.insert(address.clone(), of_address + 1);
        Ok(Seat { screens: self.clone(), address })
    }

    /// Screens connected now, over every office.
    pub fn count(&self) -> usize {
        lock(&self.offices).values().map(|office| lock(&office.screens).len()).sum()
    }

    /// The server is shutting down: every screen is told "going away" (so it
    /// reconnects, to another instance behind the load balancer) and let go.
    /// Waits until their connections ended, at most `GRACE`.
    pub async fn going_away(&self) {
        const GRACE: Duration = Duration::from_secs(2);
        let offices: Vec<Arc<OfficeScreens>> = lock(&self.offices).values().cloned().collect();
        for office in &offices {
            for screen in lock(&office.screens).iter() {
                screen.send(&websocket::close_frame(CloseCode::GoingAway));
                screen.close();
            }
        }
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline && offices.iter().any(|office| !lock(&office.screens).is_empty()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The screens of an office, with the fan-out that writes every change to them.
    fn office(&self, context: &ServerContext, office_id: i64) -> Arc<OfficeScreens> {
        let mut offices = lock(&self.offices);
        offices
            .entry(office_id)
            .or_insert_with(|| {
                let screens = Arc::new(OfficeScreens::default());
                tokio::spawn(fan_out(screens.clone(), context.hub.subscribe(office_id)));
                screens
            })
            .clone()
    }
}

impl OfficeScreens {
    fn add(&self, screen: Arc<Screen>) {
        lock(&self.screens).push(screen);
    }

    fn remove(&self, screen: &Arc<Screen>) {
        let mut screens = lock(&self.screens);
        if let Some(at) = screens.iter().position(|other| Arc::ptr_eq(other, screen)) {
            screens.swap_remove(at);
        }
    }
}

/// Frames every change of one office once and writes it to all its screens.
async fn fan_out(office: Arc<OfficeScreens>, mut changes: tokio::sync::broadcast::Receiver<Bytes>) {
    loop {
        match changes.recv().await {
            Ok(json) => {
                let frame = websocket::text_frame(&json);
                let chunks: Vec<Vec<Arc<Screen>>> =
                    lock(&office.screens).chunks(SCREENS_PER_THREAD).map(<[_]>::to_vec).collect();
                // Socket writes are system calls; they run on blocking threads,
                // in parallel when there are many screens.
                let writers: Vec<_> = chunks
                    .into_iter()
                    .map(|chunk| {
                        let frame = frame.clone();
                        tokio::task::spawn_blocking(move || chunk.iter().for_each(|screen| screen.send(&frame)))
                    })
                    .collect();
                for writer in writers {
                    let _ = writer.await;
                }
            }
            Err(RecvError::Lagged(missed)) => {
                // The screens missed changes: they reconnect and get a snapshot.
                tracing::warn!(missed, "live fan-out fell behind; screens reconnect");
                lock(&office.screens).iter().for_each(|screen| screen.close());
            }
            Err(RecvError::Closed) => return,
        }
    }
}

pub async fn upgrade(
    Path(slug): Path<String>,
    context: ServerContext,
    screens: Arc<Screens>,
    mut request: Request,
) -> Response {
    let Some(accept) = websocket::accept_key(request.method(), request.headers()) else {
        return (StatusCode::UPGRADE_REQUIRED, [(header::UPGRADE, "websocket")], "WebSocket only").into_response();
    };
    // Counted before anything is read for it.
    let address = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => client_key(&context.trusted_proxies, *peer, request.headers()),
        None => "unknown".to_string(),
    };
    let seat = match screens.seat(address) {
        Ok(seat) => seat,
        Err(full) => return refused(full, request.headers()),
    };
    let office = match offices::find(&context.db, &slug).await {
        Ok(Some(office)) => office,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "live connection refused");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(on_upgrade) = request.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::UPGRADE_REQUIRED, "WebSocket needs HTTP/1.1").into_response();
    };
    tokio::spawn(async move {
        // The screen holds its place for as long as its connection lasts.
        let _seat = seat;
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => return tracing::debug!(%error, "live connection not upgraded"),
        };
        // The fan-out writes to the socket itself, so it needs the TCP stream.
        match hyper_util::server::conn::auto::upgrade::downcast::<TokioIo<TcpStream>>(upgraded) {
            Ok(hyper_util::server::conn::auto::upgrade::Parts { io, read_buf, .. }) => {
                // Bytes the client sent right after its handshake are copied, so the
                // HTTP read buffer they sit in is freed.
                let received = read_buf.to_vec();
                drop(read_buf);
                serve(io.into_inner(), received, context, screens, office).await
            }
            Err(_) => tracing::error!("live connection is not a TCP stream"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A screen not let in: 429 while its address holds its share (it retries
/// later, as after any failed connection), 503 while the server is full.
fn refused(full: Full, headers: &axum::http::HeaderMap) -> Response {
    use app::i18n::{t, Key, Lang};
    let lang = Lang::of_request(headers);
    let (status, text, retry_after) = match full {
        Full::Address => (StatusCode::TOO_MANY_REQUESTS, Key::ScreensFromAddressFull, "60"),
        Full::Server => (StatusCode::SERVICE_UNAVAILABLE, Key::ScreensFull, "30"),
    };
    (status, [(header::RETRY_AFTER, retry_after)], t(lang, text)).into_response()
}

async fn serve(
    stream: TcpStream,
    received: Vec<u8>,
    context: ServerContext,
    screens: Arc<Screens>,
    office: app::domain::office::Office,
) {
    let office_screens = screens.office(&context, office.id);
    // The screen joins before the snapshot is taken, so no change falls between
    // the two; changes queue behind the snapshot until it is written.
    let screen = Arc::new(Screen { stream, outgoing: Mutex::new(Outgoing::Waiting(Vec::new())), wake: Notify::new() });
    office_screens.add(screen.clone());
    match context.hub.snapshot(&office).await {
        Ok(snapshot) => {
            if let Outgoing::Waiting(waiting) = &mut *lock(&screen.outgoing) {
                waiting.splice(0..0, websocket::text_frame(snapshot.as_bytes()));
            }
            listen(&screen, received).await;
        }
        Err(error) => tracing::error!(%error, "live snapshot failed"),
    }
    office_screens.remove(&screen);
}

/// Runs one screen's connection: writes what waits for it, answers pings and
/// closes, sends heartbeats, and ends when either side is done.
async fn listen(screen: &Screen, mut received: Vec<u8>) {
    let mut last_heard = Instant::now();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        let waiting = match screen.flush() {
            Flushed::All => false,
            Flushed::Partly => true,
            Flushed::Closed => break,
        };
        match read_frames(screen, &mut received) {
            Ok(true) => {}
            Ok(false) => break,
            Err(code) => {
                screen.send(&websocket::close_frame(code));
                let _ = screen.flush();
                break;
            }
        }
        tokio::select! {
            () = screen.wake.notified() => {}
            writable = screen.stream.writable(), if waiting => if writable.is_err() { break },
            readable = screen.stream.readable() => {
                if readable.is_err() {
                    break;
                }
                match receive(screen, &mut received) {
                    Some(0) => {}
                    Some(_) => last_heard = Instant::now(),
                    None => break,
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > SILENCE {
                    break;
                }
                screen.send(websocket::PING);
            }
        }
    }
    screen.close();
}

/// Reads what the socket has: how many bytes came, or `None` once it is closed.
fn receive(screen: &Screen, received: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 1024];
    match screen.stream.try_read(&mut chunk) {
        Ok(0) => None,
        Ok(read) => {
            received.extend_from_slice(&chunk[..read]);
            Some(read)
        }
        Err(error) if error.kind() == ErrorKind::WouldBlock => Some(0),
        Err(_) => None,
    }
}

/// Handles the complete frames received so far; false once the client closed.
fn read_frames(screen: &Screen, received: &mut Vec<u8>) -> Result<bool, CloseCode> {
    let mut used = 0;
    while let Some((frame, length)) = websocket::read_frame(&received[used..])? {
        used += length;
        match frame {
            ClientFrame::Ping(payload) => screen.send(&websocket::pong_frame(&payload)),
            ClientFrame::Close => {
                screen.send(&websocket::close_frame(CloseCode::Normal));
                let _ = screen.flush();
                return Ok(false);
            }
            ClientFrame::Pong | ClientFrame::Data => {}
        }
    }
    received.drain(..used);
    if received.is_empty() {
        // An idle screen holds no buffer.
        *received = Vec::new();
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A screen on one end of a real loopback connection whose other end never reads.
    async fn screen_nobody_reads() -> (Arc<Screen>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let screen = Screen { stream: server, outgoing: Mutex::new(Outgoing::Direct), wake: Notify::new() };
        (Arc::new(screen), client)
    }

    #[test]
    fn screens_take_every_open_file_but_those_kept_for_the_rest_or_half() {
        assert_eq!(ScreenLimits::within_open_files(20_000, 7), ScreenLimits { in_all: 18_976, per_address: 7 });
        assert_eq!(ScreenLimits::within_open_files(1_024, 7).in_all, 512);
    }

    #[test]
    fn a_full_server_lets_a_screen_in_once_another_leaves() {
        let screens = Arc::new(Screens::new(ScreenLimits { in_all: 3, per_address: 2 }));
        let first = screens.seat("a".into()).unwrap();
        let _second = screens.seat("a".into()).unwrap();
        assert_eq!(screens.seat("a".into()).err(), Some(Full::Address));
        let _third = screens.seat("b".into()).unwrap();
        assert_eq!(screens.seat("c".into()).err(), Some(Full::Server));
        drop(first);
        assert!(screens.seat("c".into()).is_ok());
        // The places taken are given back as the seats go, and an address
        // with none left is forgotten.
        assert_eq!(lock(&screens.seats).taken, 2);
        assert_eq!(lock(&screens.seats).by_address.get("c"), None);
    }

    #[tokio::test]
    async fn a_screen_that_stops_reading_is_disconnected_once_its_backlog_is_full() {
        let (screen, _client) = screen_nobody_reads().await;
        let frame = websocket::text_frame(&[b'x'; 1000]);
        let mut queued_from = None;
        for sent in 0..100_000 {
            screen.send(&frame);
            let waiting = match &*lock(&screen.outgoing) {
                Outgoing::Direct => continue,
                Outgoing::Waiting(waiting) => Some(waiting.len()),
                Outgoing::Closed => None,
            };
            match waiting {
                Some(bytes) => {
                    queued_from.get_or_insert(sent);
                    assert!(bytes <= BACKLOG_BYTES);
                }
                None => {
                    // The kernel's buffers filled first, then the backlog.
                    assert!(queued_from.is_some_and(|first| sent - first >= BACKLOG_BYTES / frame.len() - 1));
                    assert!(matches!(screen.flush(), Flushed::Closed));
                    return;
                }
            }
        }
        panic!("the screen was never disconnected");
    }

    #[tokio::test]
    async fn queued_frames_are_written_in_order_once_the_screen_reads_again() {
        use tokio::io::AsyncReadExt;
        let (screen, mut client) = screen_nobody_reads().await;
        // Fill the kernel's buffers, then queue a hundred frames more.
        let mut frames = Vec::new();
        let mut queued = 0;
        while queued < 100 {
            let frame = websocket::text_frame(format!("{:0>1000}", frames.len()).as_bytes());
            screen.send(&frame);
            frames.push(frame);
            if matches!(&*lock(&screen.outgoing), Outgoing::Waiting(_)) {
                queued += 1;
            }
        }
        let expected: Vec<u8> = frames.concat();
        let mut read = vec![0u8; expected.len()];
        let reading = tokio::spawn(async move {
            client.read_exact(&mut read).await.unwrap();
            read
        });
        while !matches!(screen.flush(), Flushed::All) {
            screen.stream.writable().await.unwrap();
        }
        assert_eq!(reading.await.unwrap(), expected);
    }
}
