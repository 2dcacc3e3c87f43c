//! One-time access codes: issuing them under the sending limits and checking
//! what the citizen types. Only a keyed hash (HMAC-SHA256 with a server secret)
//! of a code is stored, and hashes are compared in constant time.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::locks::{self, Lock};
use super::{millis, stored_phone, Columns, Db, StoreError, StoreResult};
use crate::domain::identity::PhoneNumber;
use crate::domain::otp::{self, BudgetState, IssuedCode, OtpPolicy, SendDecision, VerifyOutcome};

type HmacSha256 = Hmac<Sha256>;

/// The key codes are hashed with; made on first start and kept in the database,
/// so codes sent before a restart still work after it.
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(***)")
    }
}

/// A server secret, created with `fresh` on first use. Every server instance on
/// the same database reads the one that was stored first.
pub async fn secret_or_create(db: &Db, name: &str, fresh: &[u8]) -> StoreResult<Vec<u8>> {
    sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(fresh)
        .execute(db.writer())
        .await?;
    Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1").bind(name).fetch_one(db.writer()).await?)
}

impl CodeKey {
    pub async fn load_or_create(db: &Db) -> StoreResult<Self> {
        let mut fresh = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut fresh);
        let stored = secret_or_create(db, "access_code_key", &fresh).await?;
        let key = stored.try_into().map_err(|_| StoreError::Corrupt("access_code_key length".into()))?;
        Ok(Self(key))
    }

    /// The key proof-of-work puzzles are signed with (the same secret; the
    /// puzzle's MAC is domain-separated, see `domain::proof_of_work`).
    pub fn proof_key(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self, code: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(code.as_bytes());
        mac
    }

    fn hash(&self, code: &str) -> Vec<u8> {
        self.mac(code).finalize().into_bytes().to_vec()
    }

    fn matches(&self, typed: &str, stored: &[u8]) -> bool {
        self.mac(typed).verify_slice(stored).is_ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Booking,
    SignIn,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Booking => "booking",
            Self::SignIn => "sign_in",
        }
    }
}

/// A code that may be sent: the id the browser keeps, and the code for the SMS.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub public_id: String,
    pub code: String,
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who asks for a code, from where, and what it will confirm.
#[derive(Debug, Clone, Copy)]
pub struct CodeRequest<'a> {
    pub phone: &'a PhoneNumber,
    pub client: &'a str,
    pub purpose: Purpose,
    pub payload: Option<&'a str>,
    /// A solved proof-of-work puzzle, if the request carried one.
    pub proof: Option<&'a crate::domain::proof_of_work::Proven>,
    /// The request comes from a browser where a code sent to the phone was
    /// typed back before: its owner's (`otp::may_send`).
    pub known_phone: bool,
}

/// Creates a code if the sending limits allow it: the phone's and the client's,
/// then the site's SMS budget (past it, the request's proof of work must be
/// hard enough and not used before). The counts and the insert share the
/// writer's transaction, under locks, so parallel requests cannot all pass.
pub async fn issue(
    db: &Db,
    key: &CodeKey,
    policy: &OtpPolicy,
    request: CodeRequest<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Result<NewCode, SendDecision>> {
    let CodeRequest { phone, client, purpose, payload, proof, known_phone } = request;
    // Past the budget, a request without a hard enough answer is told so from
    // a read connection: a flood of them (SMS pumping) never queues for the
    // writer, where bookings and sign-ins wait. The locked count decides the rest.
    if let Some(refusal) = refused_by_budget(budget_state(db.reader(), policy, phone, now).await?, proof) {
        return Ok(Err(refusal));
    }
    let mut tx = db.writer().begin().await?;
    // Counted under the phone's and the client's locks: parallel requests on
    // PostgreSQL would otherwise all see the same count and all send.
    locks::hold(&mut tx, Lock::Phone(phone.as_str()), now).await?;
    locks::hold(&mut tx, Lock::Client(client), now).await?;
    let times = |rows: Vec<i64>| -> Vec<DateTime<Utc>> {
        rows.into_iter().filter_map(DateTime::from_timestamp_millis).collect()
    };
    let to_phone: Vec<i64> = sqlx::query_scalar("SELECT sent_at FROM access_codes WHERE phone = $1 AND sent_at > $2")
        .bind(phone.as_str())
        .bind(millis(now - otp::PHONE_LOOKBACK))
        .fetch_all(&mut *tx)
        .await?;
    let from_client: Vec<i64> =
        sqlx::query_scalar("SELECT sent_at FROM access_codes WHERE client = $1 AND sent_at > $2")
            .bind(client)
            .bind(millis(now - otp::CLIENT_LOOKBACK))
            .fetch_all(&mut *tx)
            .await?;
    match otp::may_send(policy, now, &times(to_phone), &times(from_client), known_phone) {
        SendDecision::Send => {}
        refusal => return Ok(Err(refusal)),
    }
    if let Some(refusal) = budget_exceeded(&mut tx, policy, phone, proof, now).await? {
        return Ok(Err(refusal));
    }
    let code = {
        let mut rng = rand::thread_rng();
        otp::code_from_random(|| (rng.next_u32() & 0xff) as u8)
    };
    let public_id = random_id();
    sqlx::query(
        "INSERT INTO access_codes (public_id, phone, client, code_hash, purpose, payload, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&public_id)
    .bind(phone.as_str())
    .bind(client)
    .bind(key.hash(&code))
    .bind(purpose.as_str())
    .bind(payload)
    .bind(millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(NewCode { public_id, code }))
}

/// Past the site's SMS budget for the hour (in all, or to the phone's range
/// of numbers), why the request is refused: it carried no proof, one too
/// easy, or one used before, or the budget is spent. Counted under the
/// budget's lock, so parallel requests on several instances cannot all slip
/// under it.
async fn budget_exceeded(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    policy: &OtpPolicy,
    phone: &PhoneNumber,
    proof: Option<&crate::domain::proof_of_work::Proven>,
    now: DateTime<Utc>,
) -> StoreResult<Option<SendDecision>> {
    locks::hold(tx, Lock::SmsBudget, now).await?;
    let state = budget_state(&mut **tx, policy, phone, now).await?;
    if let Some(refusal) = refused_by_budget(state, proof) {
        return Ok(Some(refusal));
    }
    match (state, proof) {
        (BudgetState::ProofNeeded(max_number), Some(proof)) if !spend_proof(tx, proof, now).await? => {
            Ok(Some(SendDecision::ProofNeeded { max_number }))
        }
        _ => Ok(None),
    }
}

/// The refusal the budget's state means for a request carrying `proof`
/// (not yet checked for reuse), if any.
fn refused_by_budget(state: BudgetState, proof: Option<&crate::domain::proof_of_work::Proven>) -> Option<SendDecision> {
    match state {
        BudgetState::Under => None,
        // Within the hour the oldest codes counted age out.
        BudgetState::Spent => Some(SendDecision::TooMany { retry_in_minutes: 60 }),
        BudgetState::ProofNeeded(required) => proof
            .is_none_or(|proof| proof.max_number < required)
            .then_some(SendDecision::ProofNeeded { max_number: required }),
    }
}

/// Where the site stands now against its hourly SMS budget (in all, and to
/// the phone's range of numbers).
async fn budget_state<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    policy: &OtpPolicy,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
) -> StoreResult<BudgetState> {
    let range = otp::number_range(phone);
    // A range's numbers sort between the prefix and the prefix followed by a
    // character after every digit.
    let (sent, to_range): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN phone >= $2 AND phone < $3 THEN 1 ELSE 0 END), 0)
         FROM access_codes WHERE sent_at > $1",
    )
    .bind(millis(now - Duration::hours(1)))
    .bind(range)
    .bind(format!("{range}~"))
    .fetch_one(executor)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(policy.budget.state(count(sent), count(to_range)))
}

/// Removes the access codes sent before `until`; returns how many went. A
/// code lives minutes, and the caps look back a day (`otp::PHONE_LOOKBACK`).
pub async fn remove_old_codes(db: &Db, until: DateTime<Utc>) -> StoreResult<u64> {
    let removed =
        sqlx::query("DELETE FROM access_codes WHERE sent_at < $1").bind(millis(until)).execute(db.writer()).await?;
    Ok(removed.rows_affected())
}

/// Marks a solved puzzle as used; false if it was used before (one answer,
/// one request). Used answers are remembered until their puzzle expires.
pub(crate) async fn spend_proof(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    proof: &crate::domain::proof_of_work::Proven,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    sqlx::query("DELETE FROM proofs_used WHERE expires_at < $1").bind(millis(now)).execute(&mut **tx).await?;
    let first_use =
        sqlx::query("INSERT INTO proofs_used (challenge, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&proof.challenge)
            .bind(millis(proof.expires_at))
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1;
    Ok(first_use)
}

/// A pending request as the code page shows it.
#[derive(Debug, Clone)]
pub struct PendingCode {
    pub phone: PhoneNumber,
    pub purpose: Purpose,
    pub payload: Option<String>,
    pub sent_at: DateTime<Utc>,
}

pub async fn pending(db: &Db, public_id: &str) -> StoreResult<Option<PendingCode>> {
    let row = sqlx::query("SELECT phone, purpose, payload, sent_at FROM access_codes WHERE public_id = $1")
        .bind(public_id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|row| {
        let purpose: String = row.col("purpose")?;
        Ok(PendingCode {
            phone: stored_phone(row.col("phone")?)?,
            purpose: if purpose == "sign_in" { Purpose::SignIn } else { Purpose::Booking },
            payload: row.col("payload")?,
            sent_at: DateTime::from_timestamp_millis(row.col("sent_at")?).unwrap_or_default(),
        })
    })
    .transpose()
}

/// Judges what the citizen typed for the request `public_id`. An accepted code is
/// used up at once, so it cannot confirm a second time.
pub async fn verify(
    db: &Db,
    key: &CodeKey,
    policy: &OtpPolicy,
    public_id: &str,
    typed: &str,
    now: DateTime<Utc>,
) -> StoreResult<(VerifyOutcome, Option<PendingCode>)> {
    let mut tx = db.writer().begin().await?;
    // Lock the code's row before reading it (a write that changes nothing), so
    // parallel guesses are judged one after another: on PostgreSQL they would
    // otherwise all read the same tries left, and one code could confirm twice.
    sqlx::query("UPDATE access_codes SET wrong_tries = wrong_tries WHERE public_id = $1")
        .bind(public_id)
        .execute(&mut *tx)
        .await?;
    let Some(row) = sqlx::query(
        "SELECT id, phone, purpose, payload, code_hash, sent_at, wrong_tries, used_at
         FROM access_codes WHERE public_id = $1",
    )
    .bind(public_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok((VerifyOutcome::Dead, None));
    };
    let id: i64 = row.col("id")?;
    let sent_at = DateTime::from_timestamp_millis(row.col("sent_at")?).unwrap_or_default();
    let issued = IssuedCode {
        sent_at,
        wrong_tries: u32::try_from(row.col::<i64>("wrong_tries")?).unwrap_or(u32::MAX),
        used: row.col::<Option<i64>>("used_at")?.is_some(),
    };
    let stored: Vec<u8> = row.col("code_hash")?;
    let matches = otp::normalize(typed).is_some_and(|code| key.matches(&code, &stored));
    let outcome = otp::judge_attempt(policy, &issued, now, matches);
    match outcome {
        VerifyOutcome::Accepted => {
            sqlx::query("UPDATE access_codes SET used_at = $1 WHERE id = $2")
                .bind(millis(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        VerifyOutcome::Wrong { .. } | VerifyOutcome::Dead if !issued.used => {
            sqlx::query("UPDATE access_codes SET wrong_tries = wrong_tries + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        _ => {}
    }
    tx.commit().await?;
    let purpose: String = row.col("purpose")?;
    let pending = PendingCode {
        phone: stored_phone(row.col("phone")?)?,
        purpose: if purpose == "sign_in" { Purpose::SignIn } else { Purpose::Booking },
        payload: row.col("payload")?,
        sent_at,
    };
    Ok((outcome, Some(pending)))
}
