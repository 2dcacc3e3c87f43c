//! Staff, admin and kiosk accounts: argon2id password hashes, sign-in with a
//! lockout after repeated failures, and the first admin on an empty database.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::Row;

use super::{millis, Db, StoreError, StoreResult};
use crate::domain::access::{lock_after_failure, AccountProblem, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub office_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown user or wrong password: the two are never told apart.
    Wrong,
    Locked {
        until: DateTime<Utc>,
    },
}

fn hash_password(password: &str) -> StoreResult<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A password for an account made by the server itself, shown once in the log.
pub fn one_time_password() -> String {
    let mut rng = rand::thread_rng();
    crate::domain::otp::code_from_random(|| (rng.next_u32() & 0xff) as u8)
        + &crate::domain::otp::code_from_random(|| (rng.next_u32() & 0xff) as u8)
}

/// Creates an account; the username must be free (disabled accounts keep theirs).
pub async fn create(
    db: &Db,
    username: &str,
    full_name: &str,
    password: &str,
    role: Role,
    office_id: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<Result<i64, AccountProblem>> {
    let hash = hash_off_thread(password).await?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO staff_accounts (username, full_name, password_hash, role, office_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(username.trim().to_lowercase())
    .bind(full_name.trim())
    .bind(hash)
    .bind(role.as_str())
    .bind(office_id)
    .bind(millis(now))
    .fetch_one(db.writer())
    .await;
    match inserted {
        Ok(id) => Ok(Ok(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Err(AccountProblem::UsernameTaken)),
        Err(e) => Err(e.into()),
    }
}

/// Argon2 takes tens of milliseconds of CPU: it runs off the async workers.
async fn hash_off_thread(password: &str) -> StoreResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
}

/// Sets a new password and lifts any lockout.
pub async fn set_password(db: &Db, id: i64, password: &str) -> StoreResult<()> {
    let hash = hash_off_thread(password).await?;
    sqlx::query("UPDATE staff_accounts SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn set_active(db: &Db, id: i64, active: bool, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE staff_accounts SET disabled_at = CASE WHEN $2 THEN NULL ELSE COALESCE(disabled_at, $3) END WHERE id = $1")
        .bind(id)
        .bind(active)
        .bind(millis(now))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// An account as the admin's list shows it, disabled ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub account: StaffAccount,
    pub active: bool,
    pub locked: bool,
}

/// The accounts of one office, or of every office (and the admins of all) for `None`.
pub async fn list(db: &Db, office_id: Option<i64>, now: DateTime<Utc>) -> StoreResult<Vec<AccountListing>> {
    let rows = sqlx::query(
        "SELECT id, username, full_name, role, office_id, disabled_at, locked_until FROM staff_accounts
         WHERE $1 IS NULL OR office_id = $1 ORDER BY office_id IS NOT NULL, office_id, role, username",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|row| listing(row, now)).collect()
}

/// Any account by id, disabled or not.
pub async fn listing_of(db: &Db, id: i64, now: DateTime<Utc>) -> StoreResult<Option<AccountListing>> {
    let row = sqlx::query(
        "SELECT id, username, full_name, role, office_id, disabled_at, locked_until FROM staff_accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(|row| listing(row, now)).transpose()
}

fn listing(row: &sqlx::any::AnyRow, now: DateTime<Utc>) -> StoreResult<AccountListing> {
    Ok(AccountListing {
        account: account(row)?,
        active: row.get::<Option<i64>, _>("disabled_at").is_none(),
        locked: row.get::<Option<i64>, _>("locked_until").is_some_and(|until| until > millis(now)),
    })
}

/// On a database without accounts, creates `admin` for all offices with the given
/// password, or a generated one that is returned so the operator sees it once.
pub async fn ensure_first_admin(db: &Db, password: Option<&str>, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_accounts").fetch_one(db.reader()).await?;
    if accounts > 0 {
        return Ok(None);
    }
    let generated = password.is_none().then(one_time_password);
    let password = password.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
    create(db, "admin", "Administrator", &password, Role::Admin, None, now)
        .await?
        .map_err(|problem| StoreError::Corrupt(format!("first admin: {problem:?}")))?;
    Ok(generated)
}

fn account(row: &sqlx::any::AnyRow) -> StoreResult<StaffAccount> {
    let role: String = row.get("role");
    Ok(StaffAccount {
        id: row.get("id"),
        username: row.get("username"),
        full_name: row.get("full_name"),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        office_id: row.get("office_id"),
    })
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<StaffAccount>> {
    let row = sqlx::query(
        "SELECT id, username, full_name, role, office_id FROM staff_accounts WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(account).transpose()
}

/// Checks a username and password. The password is checked even for an unknown
/// user, so the answer takes as long either way.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> StoreResult<Result<StaffAccount, SignInRefusal>> {
    let row = sqlx::query(
        "SELECT id, username, full_name, role, office_id, password_hash, failed_logins, locked_until
         FROM staff_accounts WHERE username = $1 AND disabled_at IS NULL",
    )
    .bind(username.trim().to_lowercase())
    .fetch_optional(db.reader())
    .await?;
    // A real argon2id hash of a random password, checked when the user is unknown.
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0NOgGzsmAJ4vo0Fqp4O2Ux3nXgbk7HdQbK5oV3Q9b3I";
    let stored = row.as_ref().map(|r| r.get::<String, _>("password_hash")).unwrap_or_else(|| DECOY.to_string());
    let typed = password.to_string();
    let matches = tokio::task::spawn_blocking(move || password_matches(&typed, &stored))
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let Some(row) = row else { return Ok(Err(SignInRefusal::Wrong)) };

    let id: i64 = row.get("id");
    if let Some(until) = row.get::<Option<i64>, _>("locked_until").and_then(DateTime::from_timestamp_millis) {
        if until > now {
            return Ok(Err(SignInRefusal::Locked { until }));
        }
    }
    if matches {
        sqlx::query("UPDATE staff_accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
            .execute(db.writer())
            .await?;
        return account(&row).map(Ok);
    }
    let failed = u32::try_from(row.get::<i64, _>("failed_logins")).unwrap_or(0);
    let lock = lock_after_failure(failed, now);
    sqlx::query(
        "UPDATE staff_accounts SET failed_logins = CASE WHEN $2 IS NULL THEN failed_logins + 1 ELSE 0 END,
            locked_until = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(lock.map(millis))
    .execute(db.writer())
    .await?;
    Ok(Err(match lock {
        Some(until) => SignInRefusal::Locked { until },
        None => SignInRefusal::Wrong,
    }))
}
