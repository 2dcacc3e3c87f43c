//! Live screens held by a child of the load generator, one for each instance
//! measured (`antrean-bench screens ADDRESS PATH COUNT CALLS`, not for people).
//!
//! Each screen is a socket, and one process may hold only as many as the hard
//! limit on open files (20,000 on the development machine): 2 × 10,000 screens
//! plus the bench's own files are more than that.
//!
//! The screens stand for phones, which do not share the server's cores; here
//! they do, and what they cost counts in every figure. So once they have read
//! their snapshots one thread reads them all (`read_calls`): it waits on the
//! sockets with `epoll` and reads each frame in place, where a task a screen
//! cost a wake-up, a turn on the runtime and a copy of each frame.
//!
//! The child speaks on stdout, one line each:
//! `ready N` once N screens read their snapshot; `received N` whenever the
//! number of calls its screens have received changes; when its stdin closes
//! (the parent has made its calls, or is gone), `receipt ROUND NANOS` for each
//! call each screen received (wall-clock nanoseconds since the UNIX epoch:
//! parent and child share the machine, so its clock is the parent's), then
//! `done`.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{next_frame, Subscriber};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Far past a run's few minutes: it only ends a child whose parent hangs
/// without closing its stdin.
const CHILD_LIFETIME: Duration = Duration::from_secs(900);

/// `count` screens of `path` at `address` that have read their snapshot,
/// opened in waves of 250, each wave reading its snapshot before the next
/// opens: opening all at once is the reconnect storm, a figure of its own.
async fn open(address: &str, path: &str, count: usize) -> Vec<Subscriber> {
    let mut screens = Vec::with_capacity(count);
    for wave_start in (0..count).step_by(250) {
        let mut opening = Vec::new();
        for _ in wave_start..count.min(wave_start + 250) {
            let (address, path) = (address.to_string(), path.to_string());
            opening.push(tokio::spawn(async move {
                let snapshot = async {
                    let mut screen = Subscriber::connect(&address, &path).await.ok()?;
                    screen.next_text().await?;
                    Some(screen)
                };
                // A screen the server never answers is left out, not waited for.
                tokio::time::timeout(Duration::from_secs(30), snapshot).await.ok()?
            }));
        }
        for handle in opening {
            if let Ok(Some(screen)) = handle.await {
                screens.push(screen);
            }
        }
    }
    screens
}

/// A screen `read_calls` reads: its socket, the bytes that are not a whole
/// frame yet, and when each call reached it (the n-th is the n-th call's).
struct Reading {
    stream: std::net::TcpStream,
    received: Vec<u8>,
    receipts: Vec<SystemTime>,
}

/// Reads every screen on this thread until `stop`, noting when each call
/// reaches each screen and counting it in `received`; returns the receipts.
fn read_calls(mut screens: Vec<Reading>, received: &AtomicUsize, stop: &AtomicBool) -> std::io::Result<Vec<Reading>> {
    // SAFETY: creates a file descriptor, owned from here on.
    let epoll = match unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) } {
        -1 => return Err(std::io::Error::last_os_error()),
        fd => unsafe { OwnedFd::from_raw_fd(fd) },
    };
    let watch = |operation, index: usize, screen: &Reading| {
        let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: index as u64 };
        // SAFETY: both descriptors are open; the kernel copies `event`.
        match unsafe { libc::epoll_ctl(epoll.as_raw_fd(), operation, screen.stream.as_raw_fd(), &mut event) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    };
    for (index, screen) in screens.iter().enumerate() {
        watch(libc::EPOLL_CTL_ADD, index, screen)?;
    }
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut chunk = [0u8; 4096];
    while !stop.load(Ordering::Acquire) {
        // SAFETY: the kernel writes at most `events.len()` events into it.
        let ready = unsafe { libc::epoll_wait(epoll.as_raw_fd(), events.as_mut_ptr(), events.len() as i32, 10) };
        let Ok(ready) = usize::try_from(ready) else {
            match std::io::Error::last_os_error() {
                error if error.kind() == ErrorKind::Interrupted => continue,
                error => return Err(error),
            }
        };
        for event in &events[..ready] {
            let index = usize::try_from(event.u64).unwrap_or(usize::MAX);
            let Some(screen) = screens.get_mut(index) else { continue };
            // One read an event: the socket is watched level-triggered, so
            // bytes left in it are reported again.
            match (&screen.stream).read(&mut chunk) {
                Ok(0) => watch(libc::EPOLL_CTL_DEL, index, screen)?,
                Ok(read) => {
                    screen.received.extend_from_slice(&chunk[..read]);
                    let mut at = 0;
                    while let Some((opcode, payload, length)) = next_frame(&screen.received[at..]) {
                        if opcode == 0x1 && payload.starts_with(b"{\"Called\"") {
                            screen.receipts.push(SystemTime::now());
                            received.fetch_add(1, Ordering::Release);
                        }
                        at += length;
                    }
                    screen.received.drain(..at);
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                Err(_) => watch(libc::EPOLL_CTL_DEL, index, screen)?,
            }
        }
    }
    Ok(screens)
}

fn wall_nanos(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// `antrean-bench screens ADDRESS PATH COUNT CALLS`: the child's side.
pub(crate) async fn child(args: &[String]) -> BenchResult<()> {
    let [address, path, count, calls] = args else {
        return Err("usage: antrean-bench screens ADDRESS PATH COUNT CALLS".into());
    };
    let (count, calls): (usize, usize) = (count.parse()?, calls.parse()?);
    let mut screens = Vec::with_capacity(count);
    for screen in open(address, path, count).await {
        let stream = screen.stream.into_std()?;
        screens.push(Reading { stream, received: screen.received, receipts: Vec::with_capacity(calls) });
    }
    println!("ready {}", screens.len());
    let (received, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let reader = std::thread::spawn({
        let (received, stop) = (received.clone(), stop.clone());
        move || read_calls(screens, &received, &stop)
    });

    let (closed, mut stdin_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = closed.send(());
    });
    let lifetime = tokio::time::sleep(CHILD_LIFETIME);
    tokio::pin!(lifetime);
    let mut told = 0;
    loop {
        tokio::select! {
            _ = &mut stdin_closed => break,
            _ = &mut lifetime => break,
            // Often enough that the parent sees a round end within a few ms.
            _ = tokio::time::sleep(Duration::from_millis(2)) => {
                let now = received.load(Ordering::Acquire);
                if now != told {
                    println!("received {now}");
                    told = now;
                }
            }
        }
    }

    stop.store(true, Ordering::Release);
    let screens = reader.join().map_err(|_| "the screens' reader panicked")??;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for screen in screens {
        for (round, at) in screen.receipts.into_iter().enumerate() {
            writeln!(out, "receipt {} {}", round + 1, wall_nanos(at))?;
        }
    }
    writeln!(out, "done")?;
    out.flush()?;
    Ok(())
}

/// The parent's side: a child holding `count` screens of one server.
pub(crate) struct Child {
    process: std::process::Child,
    stdin: Option<ChildStdin>,
    /// Screens that read their snapshot, once the child says so.
    ready: Arc<std::sync::OnceLock<usize>>,
    received: Arc<AtomicUsize>,
    /// (round, wall-clock nanos) of each receipt, sent once the child is done.
    receipts: mpsc::Receiver<Vec<(usize, u128)>>,
}

impl Child {
    pub(crate) fn start(address: &str, path: &str, count: usize, calls: usize) -> BenchResult<Self> {
        let mut process = Command::new(std::env::current_exe()?)
            .args(["screens", address, path, &count.to_string(), &calls.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (stdin, stdout) = (process.stdin.take(), process.stdout.take().ok_or("no stdout from the child")?);
        let (ready, received) = (Arc::new(std::sync::OnceLock::new()), Arc::new(AtomicUsize::new(0)));
        let (send, receipts) = mpsc::channel();
        let (ready_line, received_line) = (ready.clone(), received.clone());
        std::thread::spawn(move || {
            let mut all = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let mut words = line.split(' ');
                let (word, first, second) = (words.next(), words.next(), words.next());
                match (word, first.and_then(|n| n.parse().ok()), second.and_then(|n| n.parse().ok())) {
                    (Some("ready"), Some(n), _) => {
                        let _ = ready_line.set(n);
                    }
                    (Some("received"), Some(n), _) => received_line.store(n, Ordering::Release),
                    (Some("receipt"), Some(round), Some(at)) => all.push((round, at)),
                    (Some("done"), ..) => {
                        let _ = send.send(all);
                        return;
                    }
                    _ => eprintln!("antrean-bench screens said: {line}"),
                }
            }
        });
        Ok(Self { process, stdin, ready, received, receipts })
    }

    pub(crate) fn id(&self) -> u32 {
        self.process.id()
    }

    pub(crate) fn received(&self) -> usize {
        self.received.load(Ordering::Acquire)
    }

    /// The screens the child opened, once it has opened them all.
    pub(crate) async fn ready(&mut self, within: Duration) -> BenchResult<usize> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(&screens) = self.ready.get() {
                return Ok(screens);
            }
            if let Some(status) = self.process.try_wait()? {
                return Err(format!("the screens process ended before its screens were open ({status})").into());
            }
            if Instant::now() > deadline {
                return Err(
                    format!("the screens process had not opened its screens after {} s", within.as_secs()).into()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Tells the child the calls are made; its receipts as (round from 1, wall-clock nanos).
    pub(crate) async fn finish(mut self, within: Duration) -> BenchResult<Vec<(usize, u128)>> {
        drop(self.stdin.take());
        let deadline = Instant::now() + within;
        loop {
            match self.receipts.try_recv() {
                Ok(receipts) => return Ok(receipts),
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err("the screens process ended without its receipts".into())
                }
                Err(mpsc::TryRecvError::Empty) if Instant::now() > deadline => {
                    return Err(format!("the screens process gave no receipts within {} s", within.as_secs()).into())
                }
                Err(mpsc::TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Wall-clock nanoseconds since the UNIX epoch, as the child reports receipts.
pub(crate) fn now_nanos() -> u128 {
    wall_nanos(SystemTime::now())
}
