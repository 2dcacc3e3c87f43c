//! The two migration sets must describe one schema: every table, column,
//! column type class, nullability, index and trigger the SQLite migrations
//! make, the PostgreSQL migrations make too, and nothing else. The store runs the same
//! SQL on both, so a column that exists on one engine only is a bug waiting
//! for the other engine's users.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Connection, Row};

/// table → column → (type class, nullable); the index names per table; and
/// the (table, event) pairs a trigger fires on.
#[derive(Debug, Default, PartialEq)]
struct Schema {
    columns: BTreeMap<String, BTreeMap<String, (&'static str, bool)>>,
    indexes: BTreeMap<String, Vec<String>>,
    triggers: BTreeSet<(String, String)>,
}

/// The engines' type names, reduced to what the store reads back.
fn type_class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int8" => "integer",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        "real" | "double precision" => "real",
        other => panic!("a column type neither engine's twin knows: {other}"),
    }
}

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    app::store::Db::open_sqlite(&path).await.unwrap().close().await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for table in tables {
        let rows = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let columns = rows
            .iter()
            .map(|row| {
                let nullable = row.get::<i64, _>("notnull") == 0 && row.get::<i64, _>("pk") == 0;
                (row.get::<String, _>("name"), (type_class(&row.get::<String, _>("type")), nullable))
            })
            .collect();
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        )
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        schema.indexes.insert(table.clone(), indexes);
        schema.columns.insert(table, columns);
    }
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT tbl_name, upper(sql) FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for (table, sql) in triggers {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            // `UPDATE OF column, … ON` fires on some columns only.
            if sql.contains(&format!(" {event} ON ")) || sql.contains(&format!(" {event} OF ")) {
                schema.triggers.insert((table.clone(), event.to_string()));
            }
        }
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    app::store::Db::open_postgres(url).await.unwrap().close().await;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut schema = Schema::default();
    let rows = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type,
                is_nullable::text AS is_nullable
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY table_name, column_name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in rows {
        let table: String = row.get("table_name");
        let nullable = row.get::<String, _>("is_nullable") == "YES";
        schema
            .columns
            .entry(table.clone())
            .or_default()
            .insert(row.get("column_name"), (type_class(&row.get::<String, _>("data_type")), nullable));
        schema.indexes.entry(table).or_default();
    }
    // Indexes the migrations name; the ones PostgreSQL makes for primary keys
    // and UNIQUE constraints are SQLite's automatic indexes, which are left out
    // on that side too.
    let rows = sqlx::query(
        "SELECT i.tablename::text AS table_name, i.indexname::text AS index_name FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
         ORDER BY i.tablename, i.indexname",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in rows {
        schema.indexes.entry(row.get("table_name")).or_default().push(row.get("index_name"));
    }
    schema.triggers = sqlx::query_as(
        "SELECT event_object_table::text, event_manipulation::text FROM information_schema.triggers
         WHERE trigger_schema = 'public'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .collect();
    schema
}

#[tokio::test]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn both_migration_sets_make_the_same_tables_columns_types_and_indexes() {
    let sqlite = sqlite_schema().await;
    let postgres = postgres_schema(&support::fresh_postgres_database("store").await).await;
    assert!(sqlite.columns.len() > 10, "the SQLite schema was read: {:?}", sqlite.columns.keys());
    let tables = |schema: &Schema| schema.columns.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (table, columns) in &sqlite.columns {
        assert_eq!(Some(columns), postgres.columns.get(table), "the columns of {table}: name → (type, nullable)");
    }
    assert_eq!(sqlite.indexes, postgres.indexes, "the same named indexes on the same tables");
    assert!(!sqlite.triggers.is_empty(), "the SQLite triggers were read");
    assert_eq!(sqlite.triggers, postgres.triggers, "triggers on the same tables and events");
}
