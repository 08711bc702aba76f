//! How the domain's enums are stored: each as its name in a TEXT column,
//! read back through its own parser. A name the parser does not know is a
//! deserialisation error (the database holds only names we wrote; the
//! migrations' CHECK constraints say the same).

use super::log::LogAction;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{BanKind, Ground, Kind, Role, Status};
use crate::domain::post::PostId;
use crate::domain::terms::TermKind;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Integer, Text};

/// Stores `$ty` through `as_str` and reads it through `parse`, on every
/// backend that stores text.
macro_rules! stored_as_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(value)?;
                <$ty>::parse(&text).ok_or_else(|| {
                    format!("{text:?} is not a stored {}", stringify!($ty)).into()
                })
            }
        }
    )+};
}

stored_as_text!(Status, Kind, Role, BanKind, TermKind, LogAction, Ground);

/// Stores an id newtype as its INTEGER.
macro_rules! stored_as_integer {
    ($($ty:ident),+ $(,)?) => {$(
        impl<DB: Backend> ToSql<Integer, DB> for $ty
        where
            i32: ToSql<Integer, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Integer, DB> for $ty
        where
            i32: FromSql<Integer, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
                <i32 as FromSql<Integer, DB>>::from_sql(value).map($ty)
            }
        }
    )+};
}

stored_as_integer!(CommentId, PostId);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbConn;
    use diesel::prelude::*;

    #[derive(Debug, QueryableByName)]
    struct One {
        #[diesel(sql_type = Text)]
        value: Status,
    }

    #[test]
    fn a_status_round_trips_and_an_unknown_name_is_an_error() {
        let mut conn = DbConn::establish(":memory:").unwrap();
        let back: Status = diesel::select(Status::Rejected.into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(back, Status::Rejected);
        let unknown = diesel::sql_query("SELECT 'maybe' AS value").get_result::<One>(&mut conn);
        assert!(unknown.is_err(), "{unknown:?}");
        let known = diesel::sql_query("SELECT 'spam' AS value")
            .get_result::<One>(&mut conn)
            .unwrap();
        assert_eq!(known.value, Status::Spam);
    }
}
