//! A person's calendar: their time zone (the profile's, else UTC), their
//! local date of an instant, and ranges of their days as instants.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::{CoreError, CoreResult};

/// Longest range of days one request may cover.
pub const MAX_DAYS: i64 = 731;

#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    name: String,
}

/// A range of the person's days: `range` back from today, or `from`/`to`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// Days back from `to`, counting `to`: `7d`, `30d` (default), `12w`, `6m`,
    /// `1y`; at most 731 days. Not together with `from`.
    #[param(
        pattern = r"^\+?0*([1-9]|[1-9][0-9]|[1-6][0-9]{2}|7[0-2][0-9]|73[01])d$|^\+?0*([1-9]|[1-9][0-9]|10[0-4])w$|^\+?0*([1-9]|1[0-9]|2[0-4])m$|^\+?0*[12]y$"
    )]
    pub range: Option<String>,
    /// First local day, instead of `range`; at most 731 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last local day, default today; not before `from`.
    #[param(format = Date)]
    pub to: Option<String>,
}

pub fn to_timestamp(t: OffsetDateTime) -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(t.unix_timestamp_nanos())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

pub fn from_timestamp(t: jiff::Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A jiff date as a `time` date (the store's).
pub fn to_time_date(d: Date) -> CoreResult<time::Date> {
    time::Date::from_calendar_date(
        i32::from(d.year()),
        time::Month::try_from(d.month().unsigned_abs())
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("month: {e}")))?,
        d.day().unsigned_abs(),
    )
    .map_err(|e| CoreError::Internal(anyhow::anyhow!("date: {e}")))
}

/// A `time` date (the store's) as a jiff date.
pub fn from_time_date(d: time::Date) -> Option<Date> {
    Date::new(
        i16::try_from(d.year()).ok()?,
        i8::try_from(u8::from(d.month())).ok()?,
        i8::try_from(d.day()).ok()?,
    )
    .ok()
}

impl Calendar {
    /// The zone named (an IANA name), or UTC when there is none or it is unknown.
    pub fn named(name: Option<&str>) -> Calendar {
        match name.and_then(|n| jiff::tz::db().get(n).ok().map(|tz| (n, tz))) {
            Some((n, tz)) => Calendar {
                tz,
                name: n.to_owned(),
            },
            None => Calendar {
                tz: TimeZone::UTC,
                name: "UTC".to_owned(),
            },
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// Their local date at `t`.
    pub fn date_of(&self, t: OffsetDateTime) -> Date {
        to_timestamp(t).to_zoned(self.tz.clone()).date()
    }

    /// The instant their day `d` begins (the first moment that exists, on a
    /// day whose midnight a clock change skips).
    pub fn start_of(&self, d: Date) -> CoreResult<OffsetDateTime> {
        let z = d
            .to_zoned(self.tz.clone())
            .map_err(|_| CoreError::field("from", "out_of_range", "That day cannot be used."))?;
        Ok(from_timestamp(z.timestamp()))
    }

    /// `[start of from, start of the day after to)`.
    pub fn bounds(&self, from: Date, to: Date) -> CoreResult<(OffsetDateTime, OffsetDateTime)> {
        let after = to
            .tomorrow()
            .map_err(|_| CoreError::field("to", "out_of_range", "Too late."))?;
        Ok((self.start_of(from)?, self.start_of(after)?))
    }

    /// The days a request asks for, checked: at most [`MAX_DAYS`], `from` not after `to`.
    pub fn range(&self, q: &RangeParams, now: OffsetDateTime) -> CoreResult<(Date, Date)> {
        let today = self.date_of(now);
        let parse = |field: &str, v: &str| -> CoreResult<Date> {
            v.parse::<Date>().map_err(|_| {
                CoreError::field(field, "invalid_date", "Use a date such as 2026-11-25.")
            })
        };
        let to = match &q.to {
            Some(v) => parse("to", v)?,
            None => today,
        };
        let from = match (&q.from, &q.range) {
            (Some(_), Some(_)) => {
                return Err(CoreError::field(
                    "range",
                    "conflicting_range",
                    "Give either range or from, not both.",
                ));
            }
            (Some(v), None) => parse("from", v)?,
            (None, range) => {
                let span = parse_range(range.as_deref().unwrap_or("30d")).ok_or_else(|| {
                    CoreError::field(
                        "range",
                        "invalid_range",
                        "A number and a unit: 7d, 12w, 6m or 1y.",
                    )
                })?;
                to.checked_sub(span)
                    .and_then(|d| d.tomorrow())
                    .map_err(|_| CoreError::field("range", "invalid_range", "Too long."))?
            }
        };
        if from > to {
            return Err(CoreError::field(
                "from",
                "out_of_range",
                "from is after to.",
            ));
        }
        let days = i64::from((to - from).get_days()) + 1;
        if days > MAX_DAYS {
            return Err(CoreError::field(
                "range",
                "range_too_long",
                format!("At most {MAX_DAYS} days."),
            ));
        }
        Ok((from, to))
    }
}

/// `7d`, `12w`, `6m`, `1y` as a span.
fn parse_range(v: &str) -> Option<jiff::Span> {
    let unit = v.chars().last()?;
    let n: i64 = v[..v.len() - unit.len_utf8()].parse().ok()?;
    if !(1..=1000).contains(&n) {
        return None;
    }
    let span = jiff::Span::new();
    match unit {
        'd' => span.try_days(n).ok(),
        'w' => span.try_weeks(n).ok(),
        'm' => span.try_months(n).ok(),
        'y' => span.try_years(n).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn local_dates_follow_the_zone() {
        let berlin = Calendar::named(Some("Europe/Berlin"));
        // 23:30 UTC on 25 November is 00:30 on the 26th in Berlin.
        assert_eq!(
            berlin.date_of(at("2026-11-25T23:30:00Z")),
            date(2026, 11, 26)
        );
        assert_eq!(Calendar::named(None).name(), "UTC");
        assert_eq!(Calendar::named(Some("Mars/Olympus")).name(), "UTC");
        // A day of 23 hours (clocks forward on 29 March 2026).
        let (start, end) = berlin.bounds(date(2026, 3, 29), date(2026, 3, 29)).unwrap();
        assert_eq!((end - start).whole_hours(), 23);
    }

    #[test]
    fn ranges_count_today() {
        let c = Calendar::named(Some("UTC"));
        let now = at("2026-11-25T12:00:00Z");
        let q = |range: Option<&str>, from: Option<&str>, to: Option<&str>| RangeParams {
            range: range.map(str::to_owned),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        assert_eq!(
            c.range(&q(None, None, None), now).unwrap(),
            (date(2026, 10, 27), date(2026, 11, 25))
        );
        assert_eq!(
            c.range(&q(Some("7d"), None, None), now).unwrap(),
            (date(2026, 11, 19), date(2026, 11, 25))
        );
        assert_eq!(
            c.range(&q(None, Some("2026-11-01"), Some("2026-11-03")), now)
                .unwrap(),
            (date(2026, 11, 1), date(2026, 11, 3))
        );
        for bad in [
            q(Some("7x"), None, None),
            q(Some("d"), None, None),
            q(Some("0d"), None, None),
            q(Some("3y"), None, None),
            q(None, Some("2026-11-04"), Some("2026-11-03")),
            q(None, Some("yesterday"), None),
            q(Some("7d"), Some("2026-11-01"), None),
        ] {
            assert!(c.range(&bad, now).is_err(), "{bad:?}");
        }
    }
}
