//! Identifiers of what a database holds. Each is its own type, so that a pupil's id can never be
//! passed where a school's or a user's is meant.
//!
//! The features `rusqlite` and `postgres` let the backends bind and read them as the integers
//! their databases keep, without this crate knowing anything else of either database.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(
            feature = "postgres",
            derive(postgres_types::ToSql, postgres_types::FromSql),
            postgres(transparent)
        )]
        pub struct $name(pub i64);

        impl $name {
            /// The number the database keeps.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0))
            }
        }

        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id! {
    /// A school in the database.
    SchoolId
}

id! {
    /// A pupil on a school's admission register (a dual-registered pupil has one id per school).
    PupilId
}

id! {
    /// A user who signs in.
    UserId
}
