//! Staff, admin and kiosk accounts: argon2id password hashes, sign-in with a
//! lockout after repeated failures, and the first admin on an empty database.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rand::RngCore;

use super::locks::{self, Lock};
use super::{millis, Columns, Db, StoreError, StoreResult};
use crate::domain::access::{
    sign_in_gate, sign_in_proof, username_puzzle, AccountProblem, Role, SignInGate, SignInProof, LOCKOUT_MINUTES,
};
use crate::domain::audit::{Actor, AuditAction, AuditEntry};
use crate::domain::proof_of_work::NORMAL_MAX_NUMBER;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub office_id: Option<i64>,
    /// The password was made by the server: it is changed before anything else.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown user or wrong password: the two are never told apart.
    Wrong,
    /// Too many wrong passwords for this username from this address, or from
    /// this address in all.
    Locked { until: DateTime<Utc> },
    /// Every password check is busy: a flood waits its turn no longer than this.
    Busy,
    /// A sign-in from an unknown device must first solve a puzzle this hard
    /// (it carried none, one too easy, or one used before): the checks are
    /// under pressure, or the username has had many wrong passwords.
    ProofNeeded { max_number: u64 },
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

/// A password the system makes for an account (see `access::one_time_password`).
pub fn made_password() -> String {
    let mut rng = rand::thread_rng();
    crate::domain::access::one_time_password(|| (rng.next_u32() & 0xff) as u8)
}

/// Creates an account as the system (the first admin, a test's fixture);
/// the username must be free (disabled accounts keep theirs).
pub async fn create(
    db: &Db,
    username: &str,
    full_name: &str,
    password: &str,
    role: Role,
    office_id: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<Result<i64, AccountProblem>> {
    let account = NewAccount { username, full_name, password, role, office_id };
    insert_account(db, &account, now, None, false).await
}

/// Creates an account as an admin: see `create`; `must_change_password` as
/// `insert_account`'s.
pub async fn create_by(
    db: &Db,
    account: &NewAccount<'_>,
    by: &Actor,
    must_change_password: bool,
) -> StoreResult<Result<i64, AccountProblem>> {
    insert_account(db, account, by.at, Some(by), must_change_password).await
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub office_id: Option<i64>,
}

/// `must_change_password`: the password was made by the system and shown
/// once, so the account's first sign-in must replace it.
async fn insert_account(
    db: &Db,
    new: &NewAccount<'_>,
    now: DateTime<Utc>,
    by: Option<&Actor>,
    must_change_password: bool,
) -> StoreResult<Result<i64, AccountProblem>> {
    let NewAccount { username, full_name, password, role, office_id } = *new;
    let hash = hash_off_thread(password).await?;
    let mut tx = db.writer().begin().await?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO staff_accounts (username, full_name, password_hash, role, office_id, created_at, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(username.trim().to_lowercase())
    .bind(full_name.trim())
    .bind(hash)
    .bind(role.as_str())
    .bind(office_id)
    .bind(millis(now))
    .bind(i64::from(must_change_password))
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Err(AccountProblem::UsernameTaken)),
        Err(e) => return Err(e.into()),
    };
    let after = super::audit::row_fields(&mut tx, ACCOUNT_AUDITED, id).await?;
    let name = username.trim().to_lowercase();
    let entry = match by {
        Some(by) => AuditEntry::new(by, office_id, AuditAction::AccountCreated, name),
        None => AuditEntry::by_system(now, office_id, AuditAction::AccountCreated, name),
    };
    super::audit::record(&mut tx, &entry.with_after(after)).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// What the audit log shows of an account: never its password.
const ACCOUNT_AUDITED: &str = "SELECT username, full_name, role, office_id, must_change_password,
    CASE WHEN disabled_at IS NULL THEN 1 ELSE 0 END AS active
    FROM staff_accounts WHERE id = $1";

/// Changes an account inside a transaction that also writes the change's
/// audit entry: `action` names it, the account's office is the entry's office.
async fn change_account<'q>(
    db: &Db,
    id: i64,
    by: &Actor,
    action: AuditAction,
    change: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    let before = super::audit::row_fields(&mut tx, ACCOUNT_AUDITED, id).await?;
    change.execute(&mut *tx).await?;
    let office_id = before.get("office_id").and_then(|office| office.parse().ok());
    let username = before.get("username").cloned().unwrap_or_default();
    let entry = AuditEntry::new(by, office_id, action, username);
    super::audit::record_change(&mut tx, ACCOUNT_AUDITED, id, &before, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Argon2 takes tens of milliseconds of CPU: it runs off the async workers.
async fn hash_off_thread(password: &str) -> StoreResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
}

/// Sets a new password; `must_change` when someone other than the account's
/// owner chose it. The audit log calls it a change by the owner, a reset by anyone else.
pub async fn set_password(db: &Db, id: i64, password: &str, must_change: bool, by: &Actor) -> StoreResult<()> {
    let hash = hash_off_thread(password).await?;
    let change = sqlx::query("UPDATE staff_accounts SET password_hash = $2, must_change_password = $3 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(i64::from(must_change));
    let action = if by.account_id == id { AuditAction::PasswordChanged } else { AuditAction::PasswordReset };
    change_account(db, id, by, action, change).await
}

pub async fn set_active(db: &Db, id: i64, active: bool, by: &Actor) -> StoreResult<()> {
    let change = sqlx::query(
        "UPDATE staff_accounts SET disabled_at = CASE WHEN $2 THEN NULL ELSE COALESCE(disabled_at, $3) END WHERE id = $1",
    )
    .bind(id)
    .bind(active)
    .bind(millis(by.at));
    let action = if active { AuditAction::AccountEnabled } else { AuditAction::AccountDisabled };
    change_account(db, id, by, action, change).await
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
    let rows = sqlx::query(&format!(
        "SELECT id, username, full_name, role, office_id, must_change_password, disabled_at, {FAILED_RECENTLY}
             FROM staff_accounts
             WHERE $1 IS NULL OR office_id = $1 ORDER BY office_id IS NOT NULL, office_id, role, username"
    ))
    .bind(office_id)
    .bind(millis(lockout_window_start(now)))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(listing).collect()
}

/// Any account by id, disabled or not.
pub async fn listing_of(db: &Db, id: i64, now: DateTime<Utc>) -> StoreResult<Option<AccountListing>> {
    let row = sqlx::query(&format!(
        "SELECT id, username, full_name, role, office_id, must_change_password, disabled_at, {FAILED_RECENTLY}
             FROM staff_accounts WHERE id = $1"
    ))
    .bind(id)
    .bind(millis(lockout_window_start(now)))
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(listing).transpose()
}

/// Wrong passwords for the account's username within the lockout window
/// (whose start is bound as `$2`), from any address.
const FAILED_RECENTLY: &str = "(SELECT COUNT(*) FROM sign_in_attempts a
      WHERE a.username = staff_accounts.username AND a.succeeded = 0 AND a.at > $2) AS failed_recently";

fn lockout_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::minutes(LOCKOUT_MINUTES)
}

fn listing(row: &sqlx::any::AnyRow) -> StoreResult<AccountListing> {
    Ok(AccountListing {
        account: account(row)?,
        active: row.col::<Option<i64>>("disabled_at")?.is_none(),
        locked: usize::try_from(row.col::<i64>("failed_recently")?)
            .is_ok_and(|failed| failed >= crate::domain::access::MAX_FAILED_SIGN_INS),
    })
}

/// On a database without accounts, creates `admin` for all offices with the given
/// password, or a generated one that is returned so the operator sees it once.
pub async fn ensure_first_admin(db: &Db, password: Option<&str>, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_accounts").fetch_one(db.reader()).await?;
    if accounts > 0 {
        return Ok(None);
    }
    let generated = password.is_none().then(made_password);
    let password = password.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
    let admin = NewAccount {
        username: "admin",
        full_name: "Administrator",
        password: &password,
        role: Role::Admin,
        office_id: None,
    };
    // A password printed in a log is known to whoever reads the log.
    match insert_account(db, &admin, now, None, generated.is_some()).await? {
        Ok(_) => Ok(generated),
        // Another instance, started at the same moment, made it.
        Err(AccountProblem::UsernameTaken) => Ok(None),
        Err(problem) => Err(StoreError::Corrupt(format!("first admin: {problem:?}"))),
    }
}

fn account(row: &sqlx::any::AnyRow) -> StoreResult<StaffAccount> {
    let role: String = row.col("role")?;
    Ok(StaffAccount {
        id: row.col("id")?,
        username: row.col("username")?,
        full_name: row.col("full_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        office_id: row.col("office_id")?,
        must_change_password: row.col::<i64>("must_change_password")? != 0,
    })
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<StaffAccount>> {
    let row = sqlx::query(
        "SELECT id, username, full_name, role, office_id, must_change_password FROM staff_accounts
         WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(account).transpose()
}

/// Password checks running at once. Each holds ~19 MiB and a core for tens of
/// milliseconds, so a flood of sign-ins must queue, not multiply them; an
/// attempt that waits longer than `CHECK_WAIT` is told to try again.
///
/// A flood from many addresses passes every per-address limit, and each of its
/// guesses would cost a hash. So once every check is taken, and for
/// `PRESSURE_HOLD` after, a sign-in from an unknown device must carry a solved
/// proof-of-work puzzle: a guess then costs the guesser far more than the
/// server, and the cores stay free for the owners' known devices.
#[derive(Debug)]
pub struct PasswordChecks {
    anyone: tokio::sync::Semaphore,
    /// Kept for known devices (see `domain::device`), so a flood from
    /// elsewhere never queues an account's owner behind it.
    known_devices: tokio::sync::Semaphore,
    pressed_until: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How long an attempt waits for a password check before it is told to try again.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How long puzzles stay asked for after the checks were last all taken.
const PRESSURE_HOLD: std::time::Duration = std::time::Duration::from_secs(60);

impl PasswordChecks {
    pub fn new(at_once: usize) -> Self {
        Self {
            anyone: tokio::sync::Semaphore::new(at_once.max(1)),
            known_devices: tokio::sync::Semaphore::new(at_once.div_ceil(2).max(1)),
            pressed_until: std::sync::Mutex::new(None),
        }
    }

    /// Whether sign-ins from unknown devices must solve a puzzle now: every
    /// check is taken, or was a moment ago.
    pub fn under_pressure(&self) -> bool {
        let now = std::time::Instant::now();
        let mut pressed_until = self.pressed_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.anyone.available_permits() == 0 {
            *pressed_until = Some(now + PRESSURE_HOLD);
        }
        pressed_until.is_some_and(|until| until > now)
    }
}

/// What an attempt from a known device is counted against begins with this,
/// then the device's name (no network address does).
pub const KNOWN_DEVICE: &str = "device:";

/// One sign-in attempt as the store weighs it.
pub struct SignInAttempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// Whom the attempt is counted against: the client's network address, or
    /// `KNOWN_DEVICE` and its name for a known device.
    pub counted_as: &'a str,
    pub known_device: bool,
    /// A solved puzzle, if the form carried one (see `PasswordChecks`).
    pub proof: Option<&'a crate::domain::proof_of_work::Proven>,
    /// The address the audit log names for a checked sign-in; `None` for a
    /// password checked again before a change, which the change's own entry records.
    pub audited_from: Option<&'a str>,
}

/// Checks a username and password. The attempt is written down, as a wrong
/// one, before the password is checked, under the username's lock:
/// parallel guesses are all counted, and past the limit none is checked at
/// all. The password is checked even for an unknown user, so the answer takes
/// as long either way.
pub async fn sign_in(
    db: &Db,
    checks: &PasswordChecks,
    attempt: SignInAttempt<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Result<StaffAccount, SignInRefusal>> {
    let SignInAttempt { username, password, counted_as: client, known_device, proof, audited_from } = attempt;
    let proof = match sign_in_proof(known_device, proof.is_some(), || checks.under_pressure()) {
        SignInProof::NotNeeded => None,
        SignInProof::Spend => proof,
        SignInProof::Needed => return Ok(Err(SignInRefusal::ProofNeeded { max_number: NORMAL_MAX_NUMBER })),
    };
    let queue = if known_device { &checks.known_devices } else { &checks.anyone };
    let Ok(Ok(_permit)) = tokio::time::timeout(CHECK_WAIT, queue.acquire()).await else {
        return Ok(Err(SignInRefusal::Busy));
    };
    let typed_name = username.trim().to_lowercase();
    let username = crate::domain::access::Username::of_sign_in(&typed_name);
    let (row, attempt) = match record_attempt(db, &username, client, known_device, proof, now).await? {
        Ok(recorded) => recorded,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // A real argon2id hash of a random password, checked when the user is unknown.
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0NOgGzsmAJ4vo0Fqp4O2Ux3nXgbk7HdQbK5oV3Q9b3I";
    let stored =
        row.as_ref().map(|r| r.col::<String>("password_hash")).transpose()?.unwrap_or_else(|| DECOY.to_string());
    let typed = password.to_string();
    let matches = tokio::task::spawn_blocking(move || password_matches(&typed, &stored))
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let checked = match &row {
        Some(row) => Some((row.col::<i64>("id")?, row.col::<Option<i64>>("office_id")?)),
        None => None,
    };
    let mut tx = db.writer().begin().await?;
    if matches && row.is_some() {
        sqlx::query("UPDATE sign_in_attempts SET succeeded = 1 WHERE id = $1").bind(attempt).execute(&mut *tx).await?;
    }
    if let Some(address) = audited_from {
        let entry = AuditEntry::sign_in(now, address, &typed_name, checked, matches && row.is_some());
        super::audit::record(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    match row {
        Some(row) if matches => account(&row).map(Ok),
        // The attempt just counted may be the one that locks this address out.
        _ => Ok(Err(match gate(&mut *db.reader().acquire().await?, &username, client, now).await? {
            SignInGate::Open => SignInRefusal::Wrong,
            SignInGate::Locked { until } | SignInGate::Throttled { until } => SignInRefusal::Locked { until },
        })),
    }
}

/// Counts the wrong passwords so far and, if another attempt may be checked,
/// writes it down as wrong: the account's row (if any) and the attempt's id.
async fn record_attempt(
    db: &Db,
    username: &str,
    client: &str,
    known_device: bool,
    proof: Option<&crate::domain::proof_of_work::Proven>,
    now: DateTime<Utc>,
) -> StoreResult<Result<(Option<sqlx::any::AnyRow>, i64), SignInRefusal>> {
    let mut tx = db.writer().begin().await?;
    // The locks before the proof, in `locks::hold`'s order, as a code request
    // takes them: otherwise the two could wait on each other on PostgreSQL.
    locks::hold(&mut tx, Lock::SignIn(username), now).await?;
    locks::hold(&mut tx, Lock::Client(client), now).await?;
    let mut required = proof.map(|_| NORMAL_MAX_NUMBER);
    if !known_device {
        let failures: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_attempts
             WHERE username = $1 AND succeeded = 0 AND at > $2 AND client NOT LIKE $3",
        )
        .bind(username)
        .bind(millis(lockout_window_start(now)))
        .bind(format!("{KNOWN_DEVICE}%"))
        .fetch_one(&mut *tx)
        .await?;
        required = required.max(username_puzzle(usize::try_from(failures).unwrap_or(usize::MAX)));
    }
    if let Some(max_number) = required {
        let solved = match proof {
            Some(proof) if proof.max_number >= max_number => super::access::spend_proof(&mut tx, proof, now).await?,
            _ => false,
        };
        if !solved {
            return Ok(Err(SignInRefusal::ProofNeeded { max_number }));
        }
    }
    match gate(&mut tx, username, client, now).await? {
        SignInGate::Open => {}
        SignInGate::Locked { until } | SignInGate::Throttled { until } => {
            return Ok(Err(SignInRefusal::Locked { until }));
        }
    }
    let row = sqlx::query(
        "SELECT id, username, full_name, role, office_id, must_change_password, password_hash
         FROM staff_accounts WHERE username = $1 AND disabled_at IS NULL",
    )
    .bind(username)
    .fetch_optional(&mut *tx)
    .await?;
    let attempt: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_attempts (username, staff_id, client, at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(row.as_ref().map(|row| row.col::<i64>("id")).transpose()?)
    .bind(client)
    .bind(millis(now))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok((row, attempt)))
}

/// The lockout rule of `domain::access` over the attempts written so far.
async fn gate(
    connection: &mut sqlx::AnyConnection,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> StoreResult<SignInGate> {
    let since = millis(lockout_window_start(now));
    let for_username: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM sign_in_attempts
         WHERE username = $1 AND client = $2 AND succeeded = 0 AND at > $3
           AND id > COALESCE((SELECT MAX(id) FROM sign_in_attempts
                              WHERE username = $1 AND client = $2 AND succeeded = 1), 0)
         ORDER BY at DESC LIMIT 100",
    )
    .bind(username)
    .bind(client)
    .bind(since)
    .fetch_all(&mut *connection)
    .await?;
    let from_address: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM sign_in_attempts WHERE client = $1 AND succeeded = 0 AND at > $2 ORDER BY at DESC LIMIT 100",
    )
    .bind(client)
    .bind(since)
    .fetch_all(&mut *connection)
    .await?;
    let times = |rows: Vec<i64>| rows.into_iter().filter_map(DateTime::from_timestamp_millis).collect::<Vec<_>>();
    Ok(sign_in_gate(&times(for_username), &times(from_address), now))
}

/// Removes the sign-in attempts made before `until`; returns how many went.
pub async fn remove_sign_in_attempts(db: &Db, until: DateTime<Utc>) -> StoreResult<u64> {
    let removed =
        sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1").bind(millis(until)).execute(db.writer()).await?;
    Ok(removed.rows_affected())
}

/// The account's wrong passwords of the last `days`, newest first: when, and
/// from which address, for the account's own desk.
pub async fn failed_sign_ins(
    db: &Db,
    username: &str,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(DateTime<Utc>, String)>> {
    let rows = sqlx::query(
        "SELECT at, client FROM sign_in_attempts WHERE username = $1 AND succeeded = 0 AND at > $2
         ORDER BY at DESC LIMIT 10",
    )
    .bind(username)
    .bind(millis(since))
    .fetch_all(db.reader())
    .await?;
    let mut attempts = Vec::new();
    for row in &rows {
        if let Some(at) = DateTime::from_timestamp_millis(row.col("at")?) {
            attempts.push((at, row.col("client")?));
        }
    }
    Ok(attempts)
}
