//! Live queue updates. One broadcast channel per office fans every change out to
//! the screens that show it (office pages, tickets, counter consoles, display
//! boards). Calls go out at once; queue counts are recomputed at most a few times
//! a second per office and sent as one message, however many tickets changed.
//! Each message is serialised once; subscribers share its bytes.
//!
//! On PostgreSQL several server instances share the database, and a screen is
//! connected to one of them. Every instance therefore `NOTIFY`s the others of
//! its changes (calls at once, count changes at most once a tick per office) and
//! `LISTEN`s for theirs, feeding them to its own channels as if they were local.
//! See `relay`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::model::{CallView, CounterNow, LiveMessage, ServiceQueue};
use crate::store::{counters, offices, Db, StoreResult};

/// Messages a subscriber may fall behind by before it is dropped (it reconnects
/// and gets a fresh snapshot, so a slow screen never slows the others).
const BACKLOG: usize = 256;
/// How often changed queue counts are sent.
pub const COUNTS_EVERY: Duration = Duration::from_millis(150);

struct OfficeChannel {
    sender: broadcast::Sender<Bytes>,
    counts_changed: AtomicBool,
    /// Counts changed here, which the other instances have not been told of yet.
    counts_to_publish: AtomicBool,
    /// The service summaries last sent, so only the ones that changed go out.
    last_sent: Mutex<Vec<ServiceQueue>>,
    /// The counters last sent (or in the snapshot), so a board hears when one
    /// opens or closes.
    last_counters: Mutex<Vec<CounterNow>>,
    /// Counts every change at the office (a call, issued or moved tickets),
    /// here or at another instance, before it goes out.
    version: AtomicU64,
    /// The last snapshot and the version it was taken at: screens connecting
    /// at once (a restart, a network blip) share one set of database reads.
    snapshot: tokio::sync::Mutex<Option<(SnapshotKey, String)>>,
}

/// What a snapshot depends on: the office's changes, and its day (the queue
/// starts again at midnight).
type SnapshotKey = (u64, chrono::NaiveDate);

pub struct Hub {
    db: Db,
    clock: Clock,
    offices: Mutex<HashMap<i64, Arc<OfficeChannel>>>,
    /// Tells this instance's own notices from the others' (PostgreSQL only).
    instance: u64,
    /// Whether this instance hears the others (always on SQLite, where there
    /// are none): an instance that does not is not ready for screens.
    hears_others: AtomicBool,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

impl Hub {
    /// Creates the hub and its background task that sends changed counts. On
    /// PostgreSQL it listens for the other instances' changes before it returns,
    /// so a server that serves screens already hears them (if the first attempt
    /// fails, it logs and keeps trying in the background).
    pub async fn start(db: Db, clock: Clock) -> Arc<Self> {
        let on_postgres = db.postgres_url().is_some();
        let hub = Arc::new(Self {
            db,
            clock,
            offices: Mutex::new(HashMap::new()),
            instance: rand::random(),
            hears_others: AtomicBool::new(!on_postgres),
        });
        if let Some(url) = hub.db.postgres_url() {
            let listener = match relay::connect(url).await {
                Ok(listener) => {
                    hub.hears_others.store(true, Ordering::Relaxed);
                    Some(listener)
                }
                Err(error) => {
                    tracing::error!(%error, "could not listen for live changes; trying again");
                    None
                }
            };
            tokio::spawn(relay::listen(Arc::downgrade(&hub), url.to_string(), listener));
        }
        let worker = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(COUNTS_EVERY);
            loop {
                tick.tick().await;
                let Some(hub) = worker.upgrade() else { return };
                hub.send_changed_counts().await;
            }
        });
        hub
    }

    /// Whether live changes of the other instances reach this one (`/readyz`).
    pub fn hears_others(&self) -> bool {
        self.hears_others.load(Ordering::Relaxed)
    }

    fn channel(&self, office_id: i64) -> Arc<OfficeChannel> {
        let mut offices = self.offices.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        offices
            .entry(office_id)
            .or_insert_with(|| {
                Arc::new(OfficeChannel {
                    sender: broadcast::channel(BACKLOG).0,
                    counts_changed: AtomicBool::new(false),
                    counts_to_publish: AtomicBool::new(false),
                    last_sent: Mutex::new(Vec::new()),
                    last_counters: Mutex::new(Vec::new()),
                    version: AtomicU64::new(0),
                    snapshot: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    pub fn subscribe(&self, office_id: i64) -> broadcast::Receiver<Bytes> {
        self.channel(office_id).sender.subscribe()
    }

    fn send(&self, office_id: i64, message: &LiveMessage) {
        let channel = self.channel(office_id);
        if channel.sender.receiver_count() == 0 {
            return;
        }
        match serde_json::to_string(message) {
            Ok(json) => {
                let _ = channel.sender.send(Bytes::from(json));
            }
            Err(error) => tracing::error!(%error, "could not serialise a live message"),
        }
    }

    /// A number was called: every screen of the office hears it now, together
    /// with the counts it changed, in one message. On PostgreSQL the other
    /// instances are told the call with the counts read here, so each sends it
    /// at once instead of reading them again.
    pub async fn called(&self, office_id: i64, call: CallView) {
        let services = self.services(office_id).await;
        if self.db.postgres_url().is_none() {
            return self.send_call(office_id, call, services);
        }
        let told = services.as_ref().ok().cloned();
        self.send_call(office_id, call.clone(), services);
        relay::publish(self, office_id, Some(&call), told).await;
    }

    /// Sends `call` with those of the office's `services` whose summary changed.
    fn send_call(&self, office_id: i64, call: CallView, services: StoreResult<Vec<ServiceQueue>>) {
        let channel = self.channel(office_id);
        channel.version.fetch_add(1, Ordering::AcqRel);
        let services = match services {
            Ok(services) => self.changed_among(office_id, services),
            Err(error) => {
                tracing::error!(%error, office_id, "could not compute live counts");
                self.counts_changed(office_id);
                Vec::new()
            }
        };
        // Screens show the call at its counter (the board does), so the
        // counters' next update need not say so again.
        if let Some(counter) = channel
            .last_counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter_mut()
            .find(|counter| counter.counter == call.counter)
        {
            counter.now_calling = Some(call.display_number.clone());
        }
        self.send(office_id, &LiveMessage::Called { call, services });
    }

    /// Tickets were issued or moved: counts go out with the next batch.
    pub fn counts_changed(&self, office_id: i64) {
        let channel = self.channel(office_id);
        channel.version.fetch_add(1, Ordering::AcqRel);
        channel.counts_changed.store(true, Ordering::Release);
        channel.counts_to_publish.store(true, Ordering::Release);
    }

    async fn send_changed_counts(&self) {
        if self.db.postgres_url().is_some() {
            let to_publish: Vec<i64> = {
                let offices = self.offices.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                offices
                    .iter()
                    .filter(|(_, channel)| channel.counts_to_publish.swap(false, Ordering::AcqRel))
                    .map(|(id, _)| *id)
                    .collect()
            };
            for office_id in to_publish {
                relay::publish(self, office_id, None, None).await;
            }
        }
        let changed: Vec<i64> = {
            let offices = self.offices.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            offices
                .iter()
                .filter(|(_, channel)| channel.counts_changed.swap(false, Ordering::AcqRel))
                .map(|(id, _)| *id)
                .collect()
        };
        for office_id in changed {
            match self.changes(office_id).await {
                Ok(Some(message)) => self.send(office_id, &message),
                Ok(None) => {}
                Err(error) => tracing::error!(%error, office_id, "could not compute live counts"),
            }
        }
    }

    /// The update for an office, if anything changed since the last one: the
    /// services that did, and the counters if one did.
    async fn changes(&self, office_id: i64) -> StoreResult<Option<LiveMessage>> {
        let services = self.changed_among(office_id, self.services(office_id).await?);
        let now_calling = counters::now_calling(&self.db, office_id).await?;
        let channel = self.channel(office_id);
        let mut last = channel.last_counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let counters = (*last != now_calling).then(|| {
            last.clone_from(&now_calling);
            now_calling
        });
        Ok((!services.is_empty() || counters.is_some()).then_some(LiveMessage::Changed { services, counters }))
    }

    /// The summaries of the office's services now.
    async fn services(&self, office_id: i64) -> StoreResult<Vec<ServiceQueue>> {
        let Some(office) = offices::find_by_id(&self.db, office_id).await? else { return Ok(Vec::new()) };
        Ok(offices::queue_view(&self.db, &office, self.clock.now()).await?.services)
    }

    /// Those of `services` whose summary changed since the last message, which
    /// they become.
    fn changed_among(&self, office_id: i64, services: Vec<ServiceQueue>) -> Vec<ServiceQueue> {
        let channel = self.channel(office_id);
        let mut last = channel.last_sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let changed = services.iter().filter(|s| !last.contains(s)).cloned().collect();
        *last = services;
        changed
    }

    /// What a screen needs when it (re)connects: the office's last snapshot
    /// while nothing changed since it was taken, else a fresh one, read once
    /// for all the screens asking at that moment. The screen subscribes before
    /// asking, so a change made after the snapshot was read reaches it as a
    /// message; a change already made reaches it in a fresh snapshot, since
    /// every change counts its version before it goes out.
    pub async fn snapshot(&self, office: &crate::domain::office::Office) -> StoreResult<String> {
        let channel = self.channel(office.id);
        let mut cached = channel.snapshot.lock().await;
        let key = (channel.version.load(Ordering::Acquire), office.zone.local(self.clock.now()).date());
        if let Some((taken_at, snapshot)) = cached.as_ref() {
            if *taken_at == key {
                return Ok(snapshot.clone());
            }
        }
        let view = offices::queue_view(&self.db, office, self.clock.now()).await?;
        let recent_calls = counters::recent_calls(&self.db, office.id).await?;
        let counters = counters::now_calling(&self.db, office.id).await?;
        // Screens connected earlier may hold older counts than this snapshot.
        channel.counts_changed.store(true, Ordering::Release);
        let message = LiveMessage::Snapshot { services: view.services, counters, recent_calls };
        let snapshot = serde_json::to_string(&message).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        *cached = Some((key, snapshot.clone()));
        Ok(snapshot)
    }
}

/// Live changes between server instances through PostgreSQL's `LISTEN`/`NOTIFY`.
/// A notice names the office and carries the call, if it is one, with the
/// office's services as the calling instance read them; a count change carries
/// nothing, as every instance reads the counts from the database itself.
mod relay {
    use std::sync::{Arc, Weak};
    use std::time::Duration;

    use serde::{Deserialize, Serialize};
    use sqlx::postgres::PgListener;
    use std::sync::atomic::Ordering;

    use super::Hub;
    use crate::model::{CallView, ServiceQueue};

    const CHANNEL: &str = "antrean_live";

    /// PostgreSQL refuses a notice of 8,000 bytes or more; one whose services
    /// would make it that long goes without them.
    const LONGEST_NOTICE: usize = 7_900;

    #[derive(Serialize, Deserialize)]
    struct Notice {
        from: u64,
        office: i64,
        call: Option<CallView>,
        /// Absent from an instance of an earlier version, or when they did not
        /// fit: the hearing instance reads them.
        #[serde(default)]
        services: Option<Vec<ServiceQueue>>,
    }

    /// Tells the other instances of a change at an office. A notice that cannot be
    /// sent is logged: the other instances' screens catch up at their next snapshot.
    pub(super) async fn publish(hub: &Hub, office: i64, call: Option<&CallView>, services: Option<Vec<ServiceQueue>>) {
        let mut notice = Notice { from: hub.instance, office, call: call.cloned(), services };
        let Ok(mut payload) = serde_json::to_string(&notice) else { return };
        if payload.len() > LONGEST_NOTICE {
            notice.services = None;
            let Ok(shorter) = serde_json::to_string(&notice) else { return };
            payload = shorter;
        }
        // `pg_notify` returns `void`, which the `Any` driver cannot read: the
        // outer SELECT gives it a column it can.
        let sent = sqlx::query("SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS notified")
            .bind(CHANNEL)
            .bind(payload)
            .execute(hub.db.writer())
            .await;
        if let Err(error) = sent {
            tracing::error!(%error, office, "could not tell the other instances of a live change");
        }
    }

    /// Listens for the other instances' notices for as long as the hub lives.
    /// `PgListener` reconnects by itself; notices sent while it was away are
    /// lost, so after a reconnection every office's counts are recomputed.
    pub(super) async fn listen(hub: Weak<Hub>, url: String, listener: Option<PgListener>) {
        let mut listener = match listener {
            Some(listener) => listener,
            None => match reconnect(&hub, &url).await {
                Some(listener) => listener,
                None => return,
            },
        };
        loop {
            let received = listener.try_recv().await;
            let Some(hub) = hub.upgrade() else { return };
            hub.hears_others.store(received.is_ok(), Ordering::Relaxed);
            match received {
                Ok(Some(notification)) => receive(&hub, notification.payload()).await,
                Ok(None) => {
                    tracing::warn!("live changes: connection lost and restored; refreshing every office");
                    everything_changed(&hub);
                }
                Err(error) => {
                    tracing::error!(%error, "live changes: listening failed; trying again");
                    drop(hub);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Connects until it works, or until the hub is gone (`None`).
    async fn reconnect(hub: &Weak<Hub>, url: &str) -> Option<PgListener> {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match connect(url).await {
                Ok(listener) => {
                    // Changes made while nobody listened are not known here.
                    if let Some(hub) = hub.upgrade() {
                        hub.hears_others.store(true, Ordering::Relaxed);
                        everything_changed(&hub);
                    }
                    return Some(listener);
                }
                Err(error) => {
                    tracing::error!(%error, "could not listen for live changes; trying again");
                    if hub.strong_count() == 0 {
                        return None;
                    }
                }
            }
        }
    }

    pub(super) async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    async fn receive(hub: &Arc<Hub>, payload: &str) {
        let notice: Notice = match serde_json::from_str(payload) {
            Ok(notice) => notice,
            Err(error) => return tracing::error!(%error, payload, "unreadable live change"),
        };
        if notice.from == hub.instance {
            return;
        }
        match notice.call {
            Some(call) => {
                let services = match notice.services {
                    Some(services) => Ok(services),
                    None => hub.services(notice.office).await,
                };
                hub.send_call(notice.office, call, services);
            }
            None => {
                let channel = hub.channel(notice.office);
                channel.version.fetch_add(1, Ordering::AcqRel);
                channel.counts_changed.store(true, Ordering::Release);
            }
        }
    }

    fn everything_changed(hub: &Hub) {
        let offices = hub.offices.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for channel in offices.values() {
            channel.version.fetch_add(1, Ordering::AcqRel);
            channel.counts_changed.store(true, Ordering::Release);
        }
    }
}
