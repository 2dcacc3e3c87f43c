//! Live screens held by the load generator, in this process or in a child of
//! it (`antrean-bench screens ADDRESS PATH COUNT CALLS`, not for people).
//!
//! Each screen is a socket, and one process may hold only as many as the hard
//! limit on open files (20,000 on the development machine): 2 × 10,000 screens
//! plus the bench's own files are more than that. So `live-postgres` holds the
//! screens of each instance beyond the first in a child process.
//!
//! The child speaks on stdout, one line each:
//! `ready N` once N screens read their snapshot; `received N` whenever the
//! number of calls its screens have received changes; when its stdin closes
//! (the parent has made its calls, or is gone), `receipt ROUND NANOS` for each
//! call each screen received (wall-clock nanoseconds since the UNIX epoch:
//! parent and child share the machine, so its clock is the parent's), then
//! `done`.

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

use super::Subscriber;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A screen still reading, or done: when each call reached it (the n-th is the
/// n-th call's), and its socket, held open until every screen is done.
pub(crate) type Screen<T> = JoinHandle<(Vec<T>, Subscriber)>;

/// Far past a run's few minutes: it only ends a child whose parent hangs
/// without closing its stdin.
const CHILD_LIFETIME: Duration = Duration::from_secs(900);

/// `count` screens of `path` at `address`, opened in waves of 250, each wave
/// reading its snapshot before the next opens: opening all at once is the
/// reconnect storm, a figure of its own. Each notes the time (`now`) each of
/// `calls` calls reaches it and counts it in `received`.
pub(crate) async fn open<T: Send + 'static>(
    address: &str,
    path: &str,
    count: usize,
    calls: usize,
    received: &Arc<AtomicUsize>,
    now: fn() -> T,
) -> Vec<Screen<T>> {
    let mut screens = Vec::with_capacity(count);
    for wave_start in (0..count).step_by(250) {
        let mut opening = Vec::new();
        for _ in wave_start..count.min(wave_start + 250) {
            let (address, path, received) = (address.to_string(), path.to_string(), received.clone());
            opening.push(tokio::spawn(async move {
                let snapshot = async {
                    let mut screen = Subscriber::connect(&address, &path).await.ok()?;
                    screen.next_text().await?;
                    Some(screen)
                };
                // A screen the server never answers is left out, not waited for.
                let mut screen = tokio::time::timeout(Duration::from_secs(30), snapshot).await.ok()??;
                Some(tokio::spawn(async move {
                    let mut receipts = Vec::with_capacity(calls);
                    while let Some(text) = screen.next_text().await {
                        if text.starts_with(b"{\"Called\"") {
                            receipts.push(now());
                            received.fetch_add(1, Ordering::Release);
                            if receipts.len() == calls {
                                break;
                            }
                        }
                    }
                    (receipts, screen)
                }))
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

/// The receipts of the screens that got every call; the others are dropped.
pub(crate) async fn receipts<T>(screens: Vec<Screen<T>>) -> Vec<Vec<T>> {
    let mut all = Vec::with_capacity(screens.len());
    for screen in screens {
        screen.abort();
        if let Ok((receipts, _socket)) = screen.await {
            all.push(receipts);
        }
    }
    all
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
    let received = Arc::new(AtomicUsize::new(0));
    let screens = open(address, path, count, calls, &received, SystemTime::now).await;
    println!("ready {}", screens.len());

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

    let screens = receipts(screens).await;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for screen in screens {
        for (round, at) in screen.into_iter().enumerate() {
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
