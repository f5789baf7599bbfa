#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("row not found")]
    NotFound,
    #[error("unique constraint violated")]
    Conflict,
    #[error("foreign key violated")]
    ForeignKey,
    #[error("{0}")]
    Config(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The database refused a value (PostgreSQL: a NUL byte or an invalid character in text).
    #[error("a value contains characters that cannot be stored")]
    BadValue,
    /// A SQLite write whose shared commit failed (see `sqlite_writer`): nothing of it was kept.
    #[error("the change was not saved: {0}")]
    NotSaved(String),
    #[error("database error")]
    Db(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind as K;
        match e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(ref d) if d.kind() == K::UniqueViolation => Self::Conflict,
            sqlx::Error::Database(ref d) if d.kind() == K::ForeignKeyViolation => Self::ForeignKey,
            // 22021 character_not_in_repertoire (a NUL byte in text), 22P05 untranslatable_character.
            sqlx::Error::Database(ref d)
                if matches!(d.code().as_deref(), Some("22021" | "22P05")) =>
            {
                Self::BadValue
            }
            e => Self::Db(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(e)
    }
}
