//! Server-side sessions. The browser's cookie holds a random token; the table
//! holds its SHA-256, so a stolen database does not yield live sessions, and a
//! row can be revoked at any time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{millis, stored_phone, Columns, Db, StoreError, StoreResult};
use crate::domain::identity::PhoneNumber;

pub const SESSION_DAYS: i64 = 30;

/// Who a live session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOwner {
    Citizen { phone: PhoneNumber },
    Staff { staff_id: i64 },
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A session as the table names it (its token's hash), for a booking's
/// transaction to check that the session is still live (`tickets::book_online`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey(Vec<u8>);

impl SessionKey {
    pub fn of(token: &str) -> Self {
        Self(token_hash(token))
    }

    pub(crate) fn hash(&self) -> &[u8] {
        &self.0
    }
}

/// Starts a session and returns the token for the cookie.
pub async fn create(db: &Db, owner: &SessionOwner, now: DateTime<Utc>) -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let (phone, staff_id) = match owner {
        SessionOwner::Citizen { phone } => (Some(phone.as_str()), None),
        SessionOwner::Staff { staff_id } => (None, Some(*staff_id)),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, citizen_phone, staff_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(phone)
    .bind(staff_id)
    .bind(millis(now))
    .bind(millis(now + Duration::days(SESSION_DAYS)))
    .execute(db.writer())
    .await?;
    Ok(token)
}

/// A live session: whose it is, and until when it lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub owner: SessionOwner,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// Whether a copy of the session may stand for it at `now`: not expired,
    /// and not due for renewal (which needs the read).
    fn serves_as_copy(&self, now: DateTime<Utc>) -> bool {
        self.expires_at > now && !self.due_for_renewal(now)
    }

    /// Sessions in use slide: once less than half their life is left, they are
    /// renewed for another `SESSION_DAYS`, so a kiosk or display board that runs
    /// for months never finds itself signed out. Renewing at half-life keeps
    /// it to one write per session every few weeks.
    pub fn due_for_renewal(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - now < Duration::days(SESSION_DAYS) / 2
    }
}

/// A live session's owner and end: `$1` the token's hash, `$2` now.
const FIND: &str = "SELECT citizen_phone, staff_id, expires_at FROM sessions
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2";

pub async fn find(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
    let key = SessionKey::of(token);
    let session = find_by_key(db, &key, now).await?;
    if let (Some(remembered), Some(session @ Session { owner: SessionOwner::Citizen { .. }, .. })) =
        (&db.remembered_sessions, &session)
    {
        remembered.keep(key, session.clone(), now);
    }
    Ok(session)
}

/// The session as this instance last found it live, without reading it again
/// (on PostgreSQL; on SQLite it is `find`). It may have been revoked since:
/// it is for a citizen's booking, whose transaction checks it
/// (`tickets::book_online`). A session due for renewal is read, so that the
/// caller renews it.
pub async fn find_remembered(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
    let remembered = db.remembered_sessions.as_ref().and_then(|sessions| sessions.get(&SessionKey::of(token), now));
    match remembered {
        Some(session) => Ok(Some(session)),
        None => find(db, token, now).await,
    }
}

/// The most sessions `Remembered` holds; past it, it drops those it would no
/// longer serve, and starts again empty if that is not enough (each entry is
/// about 150 bytes, so at most some 15 MB).
const REMEMBERED_SESSIONS: usize = 100_000;

/// The citizens' sessions found live, by key (`find_remembered`). Only
/// sessions that exist are kept, so made-up tokens cannot fill it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Remembered(Arc<Mutex<HashMap<SessionKey, Session>>>);

impl Remembered {
    fn get(&self, key: &SessionKey, now: DateTime<Utc>) -> Option<Session> {
        let sessions = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.get(key).filter(|session| session.serves_as_copy(now)).cloned()
    }

    fn keep(&self, key: SessionKey, session: Session, now: DateTime<Utc>) {
        let mut sessions = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if sessions.len() >= REMEMBERED_SESSIONS && !sessions.contains_key(&key) {
            sessions.retain(|_, kept| kept.serves_as_copy(now));
            if sessions.len() >= REMEMBERED_SESSIONS {
                sessions.clear();
            }
        }
        sessions.insert(key, session);
    }

    fn forget(&self, key: &SessionKey) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}

async fn find_by_key(db: &Db, key: &SessionKey, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
    let (hash, now) = (key.hash(), millis(now));
    // Every signed-in request asks, so on SQLite the request's own thread reads it.
    let columns = match db.point_reads() {
        Some(reads) => reads.run(|connection| {
            super::native::first_row(connection, FIND, &[&hash, &now], |row| {
                Ok((row.get("citizen_phone")?, row.get("staff_id")?, row.get("expires_at")?))
            })
        })?,
        None => {
            let row = sqlx::query(FIND).bind(hash).bind(now).fetch_optional(db.reader()).await?;
            row.map(|row| {
                Ok::<_, StoreError>((row.col("citizen_phone")?, row.col("staff_id")?, row.col("expires_at")?))
            })
            .transpose()?
        }
    };
    let Some((phone, staff_id, expires_at)): Option<(Option<String>, Option<i64>, i64)> = columns else {
        return Ok(None);
    };
    let owner = match (phone, staff_id) {
        (Some(phone), _) => SessionOwner::Citizen { phone: stored_phone(phone)? },
        (None, Some(staff_id)) => SessionOwner::Staff { staff_id },
        (None, None) => return Ok(None),
    };
    Ok(DateTime::from_timestamp_millis(expires_at).map(|expires_at| Session { owner, expires_at }))
}

/// Gives a live session another `SESSION_DAYS` from `now`.
pub async fn renew(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET expires_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash(token))
        .bind(millis(now + Duration::days(SESSION_DAYS)))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Drops this instance's copy of a session found ended (`find_remembered`).
pub(crate) fn forget(db: &Db, key: &SessionKey) {
    if let Some(remembered) = &db.remembered_sessions {
        remembered.forget(key);
    }
}

pub async fn revoke(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(millis(now))
        .bind(token_hash(token))
        .execute(db.writer())
        .await?;
    // After the update, so that a read racing it cannot keep the session again.
    forget(db, &SessionKey::of(token));
    Ok(())
}

/// Ends every session of a staff account (it was disabled or its password reset).
pub async fn revoke_staff(db: &Db, staff_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL")
        .bind(millis(now))
        .bind(staff_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Removes the sessions that ended (ran out or were revoked) before `until`;
/// returns how many went. A session is refused once ended, so its row only
/// grows the table.
pub async fn remove_ended(db: &Db, until: DateTime<Utc>) -> StoreResult<u64> {
    let removed = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
        .bind(millis(until))
        .execute(db.writer())
        .await?;
    Ok(removed.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_renewed_once_half_its_life_is_gone() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let session = |days_left: i64| Session {
            owner: SessionOwner::Staff { staff_id: 1 },
            expires_at: now + Duration::days(days_left),
        };
        assert!(!session(SESSION_DAYS).due_for_renewal(now));
        assert!(!session(SESSION_DAYS / 2 + 1).due_for_renewal(now));
        assert!(session(SESSION_DAYS / 2 - 1).due_for_renewal(now));
        assert!(session(0).due_for_renewal(now));
    }

    #[test]
    fn a_remembered_session_serves_only_while_it_needs_neither_a_renewal_nor_a_read() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let phone = PhoneNumber::parse("081234567890").unwrap();
        let remembered = Remembered::default();
        let (fresh, due) = (SessionKey::of("fresh"), SessionKey::of("due"));
        let session = |days_left| Session {
            owner: SessionOwner::Citizen { phone: phone.clone() },
            expires_at: now + Duration::days(days_left),
        };
        remembered.keep(fresh.clone(), session(SESSION_DAYS), now);
        remembered.keep(due.clone(), session(1), now);
        assert_eq!(remembered.get(&fresh, now), Some(session(SESSION_DAYS)));
        assert_eq!(remembered.get(&due, now), None, "read again, so that it is renewed");
        assert_eq!(remembered.get(&fresh, now + Duration::days(SESSION_DAYS)), None, "expired");
        assert_eq!(remembered.get(&SessionKey::of("made up"), now), None);
        remembered.forget(&fresh);
        assert_eq!(remembered.get(&fresh, now), None, "forgotten once found ended");
    }

    #[test]
    fn remembered_sessions_when_full_drop_those_they_would_not_serve_then_all() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let session = |days_left| Session {
            owner: SessionOwner::Staff { staff_id: 1 },
            expires_at: now + Duration::days(days_left),
        };
        let remembered = Remembered::default();
        let count = || remembered.0.lock().unwrap().len();
        for n in 0..REMEMBERED_SESSIONS {
            // Every other one is due for renewal, so it would be read again anyway.
            let days_left = if n % 2 == 0 { SESSION_DAYS } else { 1 };
            remembered.keep(SessionKey::of(&n.to_string()), session(days_left), now);
        }
        remembered.keep(SessionKey::of("0"), session(SESSION_DAYS), now);
        assert_eq!(count(), REMEMBERED_SESSIONS, "one already kept is replaced in place");
        remembered.keep(SessionKey::of("one more"), session(SESSION_DAYS), now);
        assert_eq!(count(), REMEMBERED_SESSIONS / 2 + 1, "those due for renewal made room");
        assert!(remembered.get(&SessionKey::of("0"), now).is_some());

        for n in 0..REMEMBERED_SESSIONS {
            remembered.keep(SessionKey::of(&format!("live {n}")), session(SESSION_DAYS), now);
        }
        assert!(count() <= REMEMBERED_SESSIONS);
        assert!(remembered.get(&SessionKey::of("0"), now).is_none(), "all live: it started again empty");
    }
}
