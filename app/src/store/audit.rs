//! The audit log's table. Entries are written only through `RECORD` (by
//! `record`, or by SQLite's booking writer on its own connection), inside
//! the transaction of the change they describe; nothing here updates one, and
//! only `remove_expired` deletes.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{millis, Columns, Db, StoreError, StoreResult};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields, Retention};
use crate::model::AuditRow;

fn json(fields: &Fields) -> StoreResult<String> {
    serde_json::to_string(fields).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// An audit entry: `$1` at, `$2` office, `$3` account, `$4` the typed name,
/// `$5` address, `$6` action, `$7` object, `$8` before, `$9` after
/// (`Recorded`, in this order); SQLite's booking writer runs it on its own
/// connection.
pub(crate) const RECORD: &str =
    "INSERT INTO audit_log (at, office_id, account_id, account_name, address, action, object, before, after)
     VALUES ($1, $2, $3, COALESCE((SELECT username FROM staff_accounts WHERE id = $3), $4, ''), $5, $6, $7, $8, $9)";

/// The values `RECORD` binds, in its order.
pub(crate) struct Recorded<'a> {
    pub at: i64,
    pub office_id: Option<i64>,
    pub account_id: Option<i64>,
    pub typed_name: Option<&'a str>,
    pub address: &'a str,
    pub action: &'static str,
    pub object: &'a str,
    pub before: String,
    pub after: String,
}

impl<'a> Recorded<'a> {
    pub(crate) fn of(entry: &'a AuditEntry) -> StoreResult<Self> {
        Ok(Self {
            at: millis(entry.at),
            office_id: entry.office_id,
            account_id: entry.account_id,
            typed_name: entry.typed_name.as_deref(),
            address: &entry.address,
            action: entry.action.as_str(),
            object: &entry.object,
            before: json(&entry.before)?,
            after: json(&entry.after)?,
        })
    }
}

/// Writes `entry` on `connection`, which is inside the change's transaction.
pub(crate) async fn record(connection: &mut AnyConnection, entry: &AuditEntry) -> StoreResult<()> {
    let values = Recorded::of(entry)?;
    sqlx::query(RECORD)
        .bind(values.at)
        .bind(values.office_id)
        .bind(values.account_id)
        .bind(values.typed_name)
        .bind(values.address)
        .bind(values.action)
        .bind(values.object)
        .bind(values.before)
        .bind(values.after)
        .execute(connection)
        .await?;
    Ok(())
}

/// Every column of the one row `sql` selects (with `$1` = `id`), as text:
/// what a setting was before a change, or is after it. No row gives no fields.
pub(crate) async fn row_fields(connection: &mut AnyConnection, sql: &str, id: i64) -> StoreResult<Fields> {
    let row = sqlx::query(sql).bind(id).fetch_optional(connection).await?;
    row.as_ref().map(fields_of).transpose().map(Option::unwrap_or_default)
}

/// Writes `entry` with the change of the row `sql` selects from `before` to
/// now: call it after the change, in its transaction.
pub(crate) async fn record_change(
    connection: &mut AnyConnection,
    sql: &str,
    id: i64,
    before: &Fields,
    entry: AuditEntry,
) -> StoreResult<()> {
    let after = row_fields(connection, sql, id).await?;
    record(connection, &entry.with_change(before, &after)).await
}

/// A row's columns as text, whatever their type; NULL as an empty value.
pub(crate) fn fields_of(row: &AnyRow) -> StoreResult<Fields> {
    let mut fields = Fields::new();
    for (index, column) in row.columns().iter().enumerate() {
        let value = if let Ok(text) = row.try_get::<Option<String>, _>(index) {
            text.unwrap_or_default()
        } else if let Ok(number) = row.try_get::<Option<i64>, _>(index) {
            number.map(|n| n.to_string()).unwrap_or_default()
        } else {
            let real = row
                .try_get::<Option<f64>, _>(index)
                .map_err(|source| StoreError::Column { column: "an audited column", source })?;
            real.map(|r| r.to_string()).unwrap_or_default()
        };
        fields.insert(sqlx::Column::name(column).to_string(), value);
    }
    Ok(fields)
}

/// Which entries a list or a download reads: one office (or all, for a
/// global admin), narrowed by account, action, object words and time.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub office_id: Option<i64>,
    pub account: Option<String>,
    pub action: Option<AuditAction>,
    pub object: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

impl Selection {
    /// The WHERE clause and its values, numbered from `$1`.
    fn clause(&self) -> (String, Vec<Value>) {
        let mut sql = String::from("WHERE 1 = 1");
        let mut values = Vec::new();
        let mut add = |condition: &str, value: Value| {
            values.push(value);
            sql.push_str(&condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(office) = self.office_id {
            add(" AND a.office_id = ?", Value::Number(office));
        }
        if let Some(account) = &self.account {
            add(" AND a.account_name = ?", Value::Text(account.trim().to_lowercase()));
        }
        if let Some(action) = self.action {
            add(" AND a.action = ?", Value::Text(action.as_str().to_string()));
        }
        if let Some(object) = &self.object {
            // The admin's words match literally: % and _ are not wildcards here.
            let escaped = object.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            add(" AND LOWER(a.object) LIKE ? ESCAPE '\\'", Value::Text(format!("%{escaped}%")));
        }
        if let Some(since) = self.since {
            add(" AND a.at >= ?", Value::Number(millis(since)));
        }
        if let Some(before) = self.before {
            add(" AND a.at < ?", Value::Number(millis(before)));
        }
        (sql, values)
    }
}

enum Value {
    Number(i64),
    Text(String),
}

/// Entries newest first, `limit` of them after skipping `offset`.
pub async fn entries(db: &Db, selection: &Selection, offset: u32, limit: u32) -> StoreResult<Vec<AuditRow>> {
    let (clause, values) = selection.clause();
    let sql = format!(
        "SELECT a.at, COALESCE(o.name, '') AS office_name, a.account_name, a.address, a.action, a.object,
                a.before, a.after
         FROM audit_log a LEFT JOIN offices o ON o.id = a.office_id
         {clause} ORDER BY a.at DESC, a.id DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut query = sqlx::query(&sql);
    for value in values {
        query = match value {
            Value::Number(number) => query.bind(number),
            Value::Text(text) => query.bind(text),
        };
    }
    let rows = query.fetch_all(db.reader()).await?;
    let fields = |row: &AnyRow, column: &'static str| -> StoreResult<Fields> {
        let text: String = row.col(column)?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    };
    rows.iter()
        .map(|row| {
            Ok(AuditRow {
                at: DateTime::from_timestamp_millis(row.col("at")?).unwrap_or_default(),
                office_name: row.col("office_name")?,
                account: row.col("account_name")?,
                address: row.col("address")?,
                action: row.col("action")?,
                object: row.col("object")?,
                before: fields(row, "before")?,
                after: fields(row, "after")?,
            })
        })
        .collect()
}

pub async fn retention(db: &Db) -> StoreResult<Retention> {
    let days: Option<i64> = sqlx::query_scalar("SELECT retention_days FROM audit_settings WHERE id = 1")
        .fetch_optional(db.reader())
        .await?;
    Ok(days.and_then(|d| u32::try_from(d).ok()).and_then(Retention::new).unwrap_or(Retention::DEFAULT))
}

pub async fn set_retention(db: &Db, retention: Retention, by: &Actor) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    const SETTINGS: &str = "SELECT retention_days FROM audit_settings WHERE id = $1";
    let before = row_fields(&mut tx, SETTINGS, 1).await?;
    sqlx::query("UPDATE audit_settings SET retention_days = $1 WHERE id = 1")
        .bind(i64::from(retention.days()))
        .execute(&mut *tx)
        .await?;
    let entry = AuditEntry::new(by, None, AuditAction::RetentionChanged, "audit");
    record_change(&mut tx, SETTINGS, 1, &before, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the entries older than the retention period, and writes down
/// (as the system) how many went and up to when. Nothing to remove writes nothing.
pub async fn remove_expired(db: &Db, now: DateTime<Utc>) -> StoreResult<u64> {
    let cutoff = retention(db).await?.cutoff(now);
    let mut tx = db.writer().begin().await?;
    let removed = sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(millis(cutoff))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        let after = Fields::from([
            ("removed".to_string(), removed.to_string()),
            ("older_than".to_string(), cutoff.to_rfc3339()),
        ]);
        record(&mut tx, &AuditEntry::by_system(now, None, AuditAction::EntriesRemoved, "audit").with_after(after))
            .await?;
    }
    tx.commit().await?;
    Ok(removed)
}
