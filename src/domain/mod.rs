//! The rules of Colloquy, free of I/O, actix and diesel: checked input types,
//! rendering, moderation states and spam signals.

/// Declares an id newtype over a row's INTEGER id: copied freely,
/// serialised as the bare number, stored through diesel (`db::types`
/// holds the conversion), printed as the number.
macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pub struct $name(pub i32);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub mod atom;
pub mod comment;
pub mod fold;
pub mod hex;
pub mod moderation;
pub mod notice;
pub mod outbox;
pub mod page;
pub mod password;
pub mod post;
pub mod privacy;
pub mod render;
pub mod spam;
pub mod staff;
pub mod terms;
pub mod text;
pub mod time;
pub mod token;
pub mod whole;

/// A problem with one input field, reported to the client in a 422.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The name of the field as the client sent it (`author_name`, `body`, …).
    pub field: String,
    /// A sentence a reader can act on.
    pub message: String,
}

impl FieldError {
    /// Builds a field error from a field name and a message.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Collects the field errors of a whole input so that the client hears of
/// every problem at once rather than one per round trip.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Keeps the value of a successful parse, remembers the error of a failed one.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Adds one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Ends the collection: `Err` with every error if there was any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
