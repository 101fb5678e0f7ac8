//! Mood trends: entries grouped by day, week (Monday first) or month of the
//! person's own calendar (their time zone), with averages, minimum and
//! maximum, counts, a trailing moving average, and the same figures as
//! chart-ready parallel arrays. Pure: the routes fetch, this computes.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How entries are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    #[default]
    Day,
    Week,
    Month,
}

impl Bucket {
    /// The first day of the bucket holding `d`.
    pub fn start(self, d: Date) -> Date {
        match self {
            Bucket::Day => d,
            Bucket::Week => d
                .checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
                .unwrap_or(d),
            Bucket::Month => d.first_of_month(),
        }
    }

    /// The first day of the next bucket.
    pub fn next(self, start: Date) -> Date {
        let span = match self {
            Bucket::Day => jiff::Span::new().days(1),
            Bucket::Week => jiff::Span::new().weeks(1),
            Bucket::Month => jiff::Span::new().months(1),
        };
        start.checked_add(span).unwrap_or(Date::MAX)
    }

    /// Buckets in the trailing moving average: a week of days, four weeks, three months.
    pub fn window(self) -> usize {
        match self {
            Bucket::Day => 7,
            Bucket::Week => 4,
            Bucket::Month => 3,
        }
    }
}

/// One mood entry's numbers, on the person's local date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub date: Date,
    pub mood: i32,
    pub anxiety: Option<i32>,
    pub stress: Option<i32>,
    pub energy: Option<i32>,
}

/// Average, lowest, highest and how many values.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stat {
    pub avg: f64,
    pub min: i32,
    pub max: i32,
    pub count: usize,
}

impl Stat {
    pub fn of(values: impl IntoIterator<Item = i32>) -> Option<Stat> {
        let values: Vec<i32> = values.into_iter().collect();
        let min = *values.iter().min()?;
        let max = *values.iter().max()?;
        let sum: i64 = values.iter().map(|v| i64::from(*v)).sum();
        Some(Stat {
            avg: round2(sum as f64 / values.len() as f64),
            min,
            max,
            count: values.len(),
        })
    }
}

pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketView {
    /// First local day of the bucket (YYYY-MM-DD).
    pub start: String,
    /// Last local day of the bucket, inclusive.
    pub end: String,
    pub count: usize,
    pub mood: Option<Stat>,
    pub anxiety: Option<Stat>,
    pub stress: Option<Stat>,
    pub energy: Option<Stat>,
    /// Mean mood of every entry in this bucket and the `window - 1` before it.
    pub moving_average: Option<f64>,
}

/// The buckets as parallel arrays, one value per label (null: no entries).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    pub labels: Vec<String>,
    pub mood: Vec<Option<f64>>,
    pub moving_average: Vec<Option<f64>>,
    pub anxiety: Vec<Option<f64>>,
    pub stress: Vec<Option<f64>>,
    pub energy: Vec<Option<f64>>,
    pub count: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trends {
    /// The IANA zone days are counted in.
    pub timezone: String,
    pub from: String,
    pub to: String,
    pub bucket: Bucket,
    /// Buckets in each moving average.
    pub window: usize,
    /// Entries in the range.
    pub count: usize,
    /// Over the whole range.
    pub mood: Option<Stat>,
    pub buckets: Vec<BucketView>,
    pub series: Series,
}

/// Trends of `points` from `from` to `to` (local dates, inclusive).
pub fn compute(points: &[Point], from: Date, to: Date, bucket: Bucket, timezone: &str) -> Trends {
    let mut starts = Vec::new();
    let mut s = bucket.start(from);
    while s <= to {
        starts.push(s);
        s = bucket.next(s);
    }
    let in_range: Vec<&Point> = points
        .iter()
        .filter(|p| p.date >= from && p.date <= to)
        .collect();
    let groups: Vec<Vec<&Point>> = starts
        .iter()
        .map(|start| {
            let end = bucket.next(*start);
            in_range
                .iter()
                .copied()
                .filter(|p| p.date >= *start && p.date < end)
                .collect()
        })
        .collect();
    let window = bucket.window();
    let buckets: Vec<BucketView> = starts
        .iter()
        .zip(&groups)
        .enumerate()
        .map(|(i, (start, group))| {
            let trailing = &groups[(i + 1).saturating_sub(window)..=i];
            let (sum, n) = trailing
                .iter()
                .flatten()
                .fold((0i64, 0usize), |(s, n), p| (s + i64::from(p.mood), n + 1));
            let last = bucket.next(*start).yesterday().unwrap_or(*start);
            BucketView {
                start: start.to_string(),
                end: last.to_string(),
                count: group.len(),
                mood: Stat::of(group.iter().map(|p| p.mood)),
                anxiety: Stat::of(group.iter().filter_map(|p| p.anxiety)),
                stress: Stat::of(group.iter().filter_map(|p| p.stress)),
                energy: Stat::of(group.iter().filter_map(|p| p.energy)),
                moving_average: (n > 0).then(|| round2(sum as f64 / n as f64)),
            }
        })
        .collect();
    let avg = |s: &Option<Stat>| s.as_ref().map(|s| s.avg);
    let series = Series {
        labels: buckets.iter().map(|b| b.start.clone()).collect(),
        mood: buckets.iter().map(|b| avg(&b.mood)).collect(),
        moving_average: buckets.iter().map(|b| b.moving_average).collect(),
        anxiety: buckets.iter().map(|b| avg(&b.anxiety)).collect(),
        stress: buckets.iter().map(|b| avg(&b.stress)).collect(),
        energy: buckets.iter().map(|b| avg(&b.energy)).collect(),
        count: buckets.iter().map(|b| b.count).collect(),
    };
    Trends {
        timezone: timezone.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
        bucket,
        window,
        count: in_range.len(),
        mood: Stat::of(in_range.iter().map(|p| p.mood)),
        buckets,
        series,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn p(d: Date, mood: i32) -> Point {
        Point {
            date: d,
            mood,
            anxiety: None,
            stress: None,
            energy: None,
        }
    }

    #[test]
    fn days_with_gaps_and_a_moving_average() {
        let points = [
            p(date(2026, 11, 1), 4),
            p(date(2026, 11, 1), 6),
            p(date(2026, 11, 3), 8),
            Point {
                anxiety: Some(7),
                ..p(date(2026, 11, 9), 2)
            },
            p(date(2026, 10, 31), 10), // before the range
        ];
        let t = compute(
            &points,
            date(2026, 11, 1),
            date(2026, 11, 9),
            Bucket::Day,
            "UTC",
        );
        assert_eq!(t.count, 4);
        assert_eq!(t.series.labels.len(), 9);
        assert_eq!(t.series.mood[0], Some(5.0));
        assert_eq!(t.series.mood[1], None);
        assert_eq!(t.buckets[0].mood.as_ref().unwrap().min, 4);
        assert_eq!(t.buckets[0].mood.as_ref().unwrap().max, 6);
        // Day 3: entries of days 1-3 (4, 6, 8).
        assert_eq!(t.series.moving_average[2], Some(6.0));
        // Day 9: days 3-9 hold 8 and 2.
        assert_eq!(t.series.moving_average[8], Some(5.0));
        assert_eq!(t.buckets[8].anxiety.as_ref().unwrap().avg, 7.0);
        assert_eq!(t.mood.as_ref().unwrap().avg, 5.0);
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-11-25 is a Wednesday.
        assert_eq!(Bucket::Week.start(date(2026, 11, 25)), date(2026, 11, 23));
        assert_eq!(Bucket::Week.start(date(2026, 11, 23)), date(2026, 11, 23));
        assert_eq!(Bucket::Month.start(date(2026, 11, 25)), date(2026, 11, 1));
        let t = compute(
            &[
                p(date(2026, 11, 25), 3),
                p(date(2026, 11, 29), 5),
                p(date(2026, 11, 30), 9),
            ],
            date(2026, 11, 25),
            date(2026, 11, 30),
            Bucket::Week,
            "Europe/Berlin",
        );
        assert_eq!(t.series.labels, ["2026-11-23", "2026-11-30"]);
        assert_eq!(t.buckets[0].end, "2026-11-29");
        assert_eq!(t.series.mood, [Some(4.0), Some(9.0)]);
        assert_eq!(t.series.moving_average, [Some(4.0), Some(5.67)]);
        let m = compute(
            &[],
            date(2026, 1, 15),
            date(2026, 3, 2),
            Bucket::Month,
            "UTC",
        );
        assert_eq!(m.series.labels, ["2026-01-01", "2026-02-01", "2026-03-01"]);
        assert_eq!(m.buckets[1].end, "2026-02-28");
        assert!(m.mood.is_none() && m.series.mood.iter().all(Option::is_none));
    }
}
