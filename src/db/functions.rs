//! SQL functions both engines have, for queries diesel's DSL cannot say
//! otherwise.

use diesel::sql_types::{Nullable, Text};

#[diesel::declare_sql_function]
extern "SQL" {
    /// `lower()`: SQLite folds ASCII letters only; PostgreSQL folds by the
    /// database's locale. Put on both sides of a comparison, it makes one
    /// that ignores case on either engine.
    fn lower(text: Nullable<Text>) -> Nullable<Text>;
}
