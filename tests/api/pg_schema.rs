//! One `schema.rs` serves both backends (issue 14): it is generated from
//! `migrations/sqlite/`, so the PostgreSQL migrations must build the same
//! tables with the same columns, the same nullability and the same diesel
//! types. This test migrates a fresh SQLite file and a fresh PostgreSQL
//! database and compares what each database says it holds.

use crate::pg_cluster::Cluster;
use colloquy::db::{Location, connect};
use diesel::RunQueryDsl;
use diesel::sql_types::{Bool, Text};
use std::collections::BTreeMap;

/// Tables one backend has for reasons of its own: PostgreSQL's shared
/// rate limits (on SQLite they live in each process's memory) and
/// diesel's bookkeeping.
const OWN_TABLES: &[&str] = &["rate_buckets", "__diesel_schema_migrations"];

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

/// The diesel type a declared column type maps to, in one spelling for
/// both: what `diesel print-schema` would write.
fn diesel_type(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let t = t.split('(').next().unwrap_or("").trim().to_owned();
    match t.as_str() {
        "integer" | "int" | "int4" | "serial" => "Integer",
        "bigint" | "int8" | "bigserial" => "BigInt",
        "smallint" | "int2" => "SmallInt",
        "text" | "varchar" | "character varying" => "Text",
        "boolean" | "bool" => "Bool",
        "real" | "float4" => "Float",
        "double precision" | "double" | "float8" => "Double",
        "blob" | "bytea" => "Binary",
        other => return format!("unknown({other})"),
    }
    .to_owned()
}

type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn shape(columns: Vec<Column>) -> Shape {
    let mut shape = Shape::new();
    for c in columns {
        if OWN_TABLES.contains(&c.table_name.as_str()) {
            continue;
        }
        shape
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (diesel_type(&c.data_type), c.nullable));
    }
    shape
}

#[test]
fn both_migration_folders_build_the_same_tables_columns_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Location::Sqlite(dir.path().join("colloquy.db"));
    let mut conn = connect(&sqlite, 1).unwrap().get().unwrap();
    colloquy::db::migrate(&mut conn).unwrap();
    // A column is nullable unless declared NOT NULL; an INTEGER PRIMARY
    // KEY is the rowid, never NULL, as diesel reads it.
    let on_sqlite = shape(
        diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                    (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load::<Column>(&mut conn)
        .unwrap(),
    );

    let cluster = Cluster::start();
    let mut conn = cluster.db();
    colloquy::db::migrate(&mut conn).unwrap();
    let on_postgres = shape(
        diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    data_type::text AS data_type, (is_nullable = 'YES') AS nullable \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load::<Column>(&mut conn)
        .unwrap(),
    );

    assert!(on_sqlite.contains_key("comments"), "{on_sqlite:?}");
    assert!(on_sqlite.len() > 10, "{} tables", on_sqlite.len());
    let tables = |s: &Shape| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&on_sqlite), tables(&on_postgres), "the same tables");
    for (table, columns) in &on_sqlite {
        assert_eq!(
            columns, &on_postgres[table],
            "table {table}: (diesel type, nullable) per column, SQLite left, PostgreSQL right"
        );
    }
}
