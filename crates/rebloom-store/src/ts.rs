//! Timestamps as bound parameters. PostgreSQL gets `timestamptz`; SQLite gets a
//! fixed-width RFC 3339 UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so that text
//! order is time order even within one second. (sqlx's own SQLite encoding trims
//! trailing zeros of the fraction, which makes `'…:00Z' > '…:00.5Z'`.)

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo};
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// A point in time, normalised to UTC at microsecond precision (PostgreSQL's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ts(OffsetDateTime);

const SQLITE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Normalises `t` for binding: UTC, truncated to microseconds.
pub fn utc(t: OffsetDateTime) -> Ts {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.microsecond();
    Ts(t.replace_microsecond(micros).unwrap_or(t))
}

impl Ts {
    fn sqlite_text(&self) -> Result<String, BoxDynError> {
        Ok(self.0.format(SQLITE_FORMAT)?)
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.sqlite_text()?, buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn fixed_width_text_sorts_in_time_order() {
        let a = utc(datetime!(2026-11-25 10:00:00 UTC))
            .sqlite_text()
            .unwrap();
        let b = utc(datetime!(2026-11-25 10:00:00.5 UTC))
            .sqlite_text()
            .unwrap();
        let c = utc(datetime!(2026-11-25 12:00:00.25 +02:00))
            .sqlite_text()
            .unwrap();
        assert_eq!(a, "2026-11-25T10:00:00.000000Z");
        assert_eq!(c, "2026-11-25T10:00:00.250000Z");
        assert!(a < c && c < b);
    }
}
