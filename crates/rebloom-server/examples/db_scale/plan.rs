//! The synthetic population, shaped like production and reproducible (one
//! seed): how active people are (log-normal: most write little, a few a
//! lot), their sessions spread over their months with us, the turns of each
//! session (user and companion, with lengths, risk levels and emotions as the
//! pipeline stores them), daily check-ins at each person's own rate, and one
//! weekly insight per finished week, written by the real report.
//!
//! Only plans are kept in memory; rows are generated again from their seed
//! when they are written (and when a measurement needs an id).

use jiff::civil::Date;
use rebloom_core::insights::{WeekData, last_complete_week, weekly};
use rebloom_core::wellbeing::calendar::{Calendar, to_time_date};
use rebloom_store::{CrisisEvent, Insight, Memory, MemorySource, Message, MoodEntry, Sender};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::words::{EMOTIONS, MEMORIES, REPLY_SENTENCES, TRIGGERS, USER_SENTENCES};

/// The local embedding model's name and size (all-MiniLM-L6-v2).
pub const MODEL: &str = "all-MiniLM-L6-v2";
const DIMENSIONS: usize = 384;
/// People with at least this many messages have one long-running session.
const LONG_FROM: u32 = 300;
/// Weekly insights kept per person at most (half a year).
const INSIGHT_WEEKS: i64 = 26;

const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
    "UTC",
];

/// SplitMix64: small, fast, and good enough to shape test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// In [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A UUIDv7 stamped `t`: time-ordered like the server's `now_v7` ids
    /// (cursors walk ids), and reproducible.
    pub fn id_at(&mut self, t: OffsetDateTime) -> Uuid {
        let ms = (t.unix_timestamp_nanos() / 1_000_000) as u64;
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
    }
}

fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a.rotate_left(17) ^ b.wrapping_mul(0x2545_F491_4F6C_DD1D)).next()
}

fn sentences(rng: &mut Rng, bank: &[&str], min: i64, max: i64) -> String {
    let n = rng.range(min, max);
    (0..n)
        .map(|_| *rng.pick(bank))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pseudo-random unit vector (the embedding of a message or memory).
pub fn vector(seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let mut v: Vec<f32> = (0..DIMENSIONS)
        .map(|_| (rng.unit() * 2.0 - 1.0) as f32)
        .collect();
    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
    v.iter_mut().for_each(|a| *a /= n);
    v
}

pub struct UserPlan {
    pub id: Uuid,
    pub email: String,
    pub timezone: &'static str,
    pub joined: OffsetDateTime,
    pub messages: u32,
    /// Chance of a check-in on a given day.
    mood_rate: f64,
    seed: u64,
    /// Their sessions (indexes into [`Population::sessions`]), oldest first.
    pub sessions: Vec<usize>,
}

pub struct SessionPlan {
    pub user: usize,
    pub id: Uuid,
    pub start: OffsetDateTime,
    pub messages: u32,
    pub seed: u64,
    /// The person's long-running session.
    pub long: bool,
    /// The person's latest session: left open.
    pub last: bool,
}

/// What one session writes besides its messages.
pub struct SessionExtras {
    pub crisis: Vec<CrisisEvent>,
    pub memories: Vec<Memory>,
    /// Seeds of the vectors of memories and of low-risk user messages.
    pub vectors: Vec<(rebloom_store::VectorOf, u64, OffsetDateTime)>,
}

pub struct Population {
    pub users: Vec<UserPlan>,
    /// Every session, by start time.
    pub sessions: Vec<SessionPlan>,
    pub now: OffsetDateTime,
}

impl Population {
    /// `users` people sharing `messages` messages (at least two each).
    pub fn new(users: usize, messages: u64, now: OffsetDateTime) -> Population {
        let mut rng = Rng::new(20_261_125);
        let weights: Vec<f64> = (0..users).map(|_| (1.2 * rng.normal()).exp()).collect();
        let total: f64 = weights.iter().sum();
        let spread = messages.saturating_sub(2 * users as u64);
        let mut counts: Vec<u32> = weights
            .iter()
            .map(|w| 2 + (spread as f64 * w / total).floor() as u32)
            .collect();
        let mut left = messages.saturating_sub(counts.iter().map(|c| u64::from(*c)).sum());
        while left > 0 {
            counts[rng.below(users)] += 1;
            left -= 1;
        }
        let mut plans = Vec::with_capacity(users);
        let mut sessions = Vec::new();
        for (i, count) in counts.into_iter().enumerate() {
            let joined =
                now - Duration::days(rng.range(30, 540)) - Duration::seconds(rng.range(0, 86_399));
            plans.push(UserPlan {
                id: rng.id_at(joined),
                email: format!("person{i}@db-scale.example.org"),
                timezone: ZONES[i % ZONES.len()],
                joined,
                messages: count,
                mood_rate: 0.05 + 0.45 * rng.unit().powi(2),
                seed: rng.next(),
                sessions: Vec::new(),
            });
            sessions.extend(Self::sessions_of(&mut rng, i, joined, count, now));
        }
        sessions.sort_by_key(|s| s.start);
        for (k, s) in sessions.iter().enumerate() {
            plans[s.user].sessions.push(k);
        }
        Population {
            users: plans,
            sessions,
            now,
        }
    }

    /// A person's sessions laid out over their time with us, without overlaps.
    fn sessions_of(
        rng: &mut Rng,
        user: usize,
        joined: OffsetDateTime,
        count: u32,
        now: OffsetDateTime,
    ) -> Vec<SessionPlan> {
        let mut lens: Vec<(u32, bool)> = Vec::new();
        let mut left = count;
        if count >= LONG_FROM {
            let long = (f64::from(count) * (0.3 + 0.2 * rng.unit())) as u32;
            lens.push((long, true));
            left -= long;
        }
        while left > 0 {
            let turns = 1 + (1.6 + 0.7 * rng.normal()).exp() as u32;
            let len = (2 * turns).min(left);
            lens.push((len, false));
            left -= len;
        }
        for i in (1..lens.len()).rev() {
            lens.swap(i, rng.below(i + 1));
        }
        // A turn takes at most 248 s (see `messages`).
        let busy: i64 = lens
            .iter()
            .map(|(n, _)| i64::from(n.div_ceil(2)) * 250 + 60)
            .sum();
        let span = (now - joined).whole_seconds() - 600;
        let free = (span - busy).max(0);
        let gaps: Vec<f64> = (0..lens.len()).map(|_| rng.unit() + 0.05).collect();
        let total: f64 = gaps.iter().sum::<f64>() * 1.05;
        let mut t = joined;
        let n = lens.len();
        lens.into_iter()
            .zip(gaps)
            .enumerate()
            .map(|(k, ((messages, long), gap))| {
                t += Duration::seconds((free as f64 * gap / total) as i64);
                let start = t;
                t += Duration::seconds(i64::from(messages.div_ceil(2)) * 250 + 60);
                SessionPlan {
                    user,
                    id: rng.id_at(start),
                    start,
                    messages,
                    seed: rng.next(),
                    long,
                    last: k + 1 == n,
                }
            })
            .collect()
    }

    /// A session's messages, oldest first: a user turn, then the companion's reply.
    pub fn messages(&self, s: &SessionPlan) -> Vec<Message> {
        let user = self.users[s.user].id;
        let mut rng = Rng::new(s.seed);
        let mut t = s.start + Duration::seconds(rng.range(5, 60));
        let mut level = "none";
        let mut out = Vec::with_capacity(s.messages as usize);
        for k in 0..s.messages {
            if k % 2 == 0 {
                let r = rng.unit();
                level = match r {
                    r if r < 0.82 => "none",
                    r if r < 0.95 => "low",
                    r if r < 0.99 => "moderate",
                    r if r < 0.998 => "high",
                    _ => "critical",
                };
                let emotions: Vec<&str> =
                    (0..rng.range(0, 2)).map(|_| *rng.pick(&EMOTIONS)).collect();
                let categories: Vec<&str> = match level {
                    "none" | "low" => vec![],
                    _ => vec!["hopelessness"],
                };
                out.push(Message {
                    id: rng.id_at(t),
                    session_id: s.id,
                    user_id: user,
                    sender: Sender::User,
                    content: sentences(&mut rng, &USER_SENTENCES, 1, 4),
                    message_type: if rng.chance(0.03) { "voice" } else { "text" }.to_owned(),
                    sentiment_score: Some(((rng.unit() * 2.0 - 1.0) * 100.0).round() / 100.0),
                    emotional_tags: json!(emotions),
                    risk_level: level.to_owned(),
                    ai_confidence_score: Some(((0.55 + 0.44 * rng.unit()) * 100.0).round() / 100.0),
                    metadata: json!({ "safety": { "categories": categories, "rules": categories } }),
                    created_at: t,
                });
                t += Duration::seconds(rng.range(2, 8));
            } else {
                out.push(Message {
                    id: rng.id_at(t),
                    session_id: s.id,
                    user_id: user,
                    sender: Sender::Ai,
                    content: sentences(&mut rng, &REPLY_SENTENCES, 2, 6),
                    message_type: "text".to_owned(),
                    sentiment_score: None,
                    emotional_tags: json!([]),
                    risk_level: level.to_owned(),
                    ai_confidence_score: None,
                    metadata: json!({
                        "provider": "openai",
                        "model": "gpt-4o-mini",
                        "resourcesListed": matches!(level, "high" | "critical"),
                        "contactOffer": false,
                        "exerciseCompleted": null,
                    }),
                    created_at: t,
                });
                t += Duration::seconds(rng.range(15, 240));
            }
        }
        out
    }

    /// Crisis events, memories learnt and vectors, as the pipeline and the
    /// memory job leave them for these messages.
    pub fn extras(&self, s: &SessionPlan, messages: &[Message]) -> SessionExtras {
        use rebloom_store::VectorOf;
        let mut rng = Rng::new(s.seed ^ 0xA5A5);
        let mut out = SessionExtras {
            crisis: Vec::new(),
            memories: Vec::new(),
            vectors: Vec::new(),
        };
        for m in messages.iter().filter(|m| m.sender == Sender::User) {
            match m.risk_level.as_str() {
                "high" | "critical" => out.crisis.push(CrisisEvent {
                    id: rng.id_at(m.created_at),
                    user_id: m.user_id,
                    session_id: Some(m.session_id),
                    message_id: Some(m.id),
                    risk_level: m.risk_level.clone(),
                    categories: json!(["hopelessness"]),
                    intervention_type: if m.risk_level == "critical" {
                        "emergency_services"
                    } else {
                        "crisis_resources"
                    }
                    .to_owned(),
                    created_at: m.created_at,
                }),
                _ => {
                    let of = VectorOf::Message {
                        message_id: m.id,
                        session_id: m.session_id,
                    };
                    out.vectors.push((of, rng.next(), m.created_at));
                }
            }
            if rng.chance(0.16) {
                let (kind, content) = *rng.pick(&MEMORIES);
                let memory = Memory {
                    id: rng.id_at(m.created_at),
                    user_id: m.user_id,
                    kind: kind.to_owned(),
                    content: content.to_owned(),
                    sources: vec![MemorySource {
                        message_id: m.id,
                        session_id: m.session_id,
                        at: m.created_at,
                    }],
                    mention_count: rng.range(1, 4) as i32,
                    origin: "conversation".to_owned(),
                    created_at: m.created_at,
                    updated_at: m.created_at,
                    last_seen_at: m.created_at,
                };
                out.vectors
                    .push((VectorOf::Memory(memory.id), rng.next(), m.created_at));
                out.memories.push(memory);
            }
        }
        out
    }

    /// The person's check-in on a (UTC) day, if they made one.
    pub fn mood_on(&self, user: usize, day: i64) -> Option<MoodEntry> {
        let u = &self.users[user];
        let mut rng = Rng::new(mix(u.seed, day as u64));
        if !rng.chance(u.mood_rate) {
            return None;
        }
        let at = OffsetDateTime::UNIX_EPOCH
            + Duration::seconds(day * 86_400 + rng.range(6 * 3600, 22 * 3600));
        if at < u.joined || at > self.now {
            return None;
        }
        let phase = (u.seed % 628) as f64 / 100.0;
        let level = 5.5 + 2.0 * (day as f64 / 9.0 + phase).sin() + rng.normal();
        let score = level.round().clamp(1.0, 10.0) as i32;
        let optional = |rng: &mut Rng, p: f64| rng.chance(p).then(|| rng.range(1, 10) as i32);
        Some(MoodEntry {
            id: rng.id_at(at),
            user_id: u.id,
            session_id: None,
            mood_score: score,
            anxiety_level: optional(&mut rng, 0.7),
            stress_level: optional(&mut rng, 0.6),
            energy_level: optional(&mut rng, 0.6),
            notes: rng
                .chance(0.35)
                .then(|| sentences(&mut rng, &USER_SENTENCES, 1, 2)),
            triggers: (0..rng.range(0, 3))
                .map(|_| (*rng.pick(&TRIGGERS)).to_owned())
                .collect(),
            recorded_at: at,
            updated_at: None,
        })
    }

    /// The days (UTC, since the epoch) of a person's time with us.
    fn days_of(&self, user: usize) -> std::ops::RangeInclusive<i64> {
        let day = |t: OffsetDateTime| t.unix_timestamp().div_euclid(86_400);
        day(self.users[user].joined)..=day(self.now)
    }

    /// Every check-in as (time, person, day), by time.
    pub fn moods(&self) -> Vec<(i64, u32, i64)> {
        let mut out = Vec::new();
        for u in 0..self.users.len() {
            for day in self.days_of(u) {
                if let Some(m) = self.mood_on(u, day) {
                    out.push((m.recorded_at.unix_timestamp(), u as u32, day));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The person's calendar.
    pub fn calendar(&self, user: usize) -> Calendar {
        Calendar::named(Some(self.users[user].timezone))
    }

    /// The Monday of the last finished week of the person's calendar.
    pub fn last_week(&self, user: usize) -> Date {
        last_complete_week(self.calendar(user).date_of(self.now))
    }

    /// Every weekly insight as (time written, person, weeks back), by time.
    pub fn insights(&self) -> Vec<(i64, u32, i64)> {
        let mut out = Vec::new();
        for u in 0..self.users.len() {
            let calendar = self.calendar(u);
            let last = self.last_week(u);
            for back in 0..INSIGHT_WEEKS {
                let Ok(start) = last.checked_sub(jiff::Span::new().days(7 * back)) else {
                    break;
                };
                let Ok(begins) = calendar.start_of(start) else {
                    break;
                };
                if begins < self.users[u].joined {
                    break;
                }
                let written = begins + Duration::days(7) + Duration::minutes(70);
                out.push((written.unix_timestamp(), u as u32, back));
            }
        }
        out.sort_unstable();
        out
    }

    /// The weekly insight of the week `back` weeks before the last, computed
    /// by the server's report from the person's check-ins.
    pub fn insight(&self, user: usize, back: i64, written: OffsetDateTime) -> Insight {
        let calendar = self.calendar(user);
        let start = self
            .last_week(user)
            .checked_sub(jiff::Span::new().days(7 * back))
            .unwrap_or_else(|_| self.last_week(user));
        let end_day = calendar
            .start_of(start)
            .map(|t| t.unix_timestamp().div_euclid(86_400) + 7)
            .unwrap_or(0);
        let moods: Vec<MoodEntry> = (end_day - 29..=end_day)
            .filter_map(|d| self.mood_on(user, d))
            .collect();
        let content = weekly(&WeekData {
            calendar: &calendar,
            start,
            moods: &moods,
            messages: &[],
            goals: &[],
        });
        let mut rng = Rng::new(mix(self.users[user].seed, back as u64 ^ 0xBEEF));
        Insight {
            id: rng.id_at(written),
            user_id: self.users[user].id,
            insight_type: "weekly".to_owned(),
            title: format!("Your week from {start}"),
            confidence_score: content["confidence"].as_f64(),
            content,
            period_start: to_time_date(start).ok(),
            generated_at: written,
            acknowledged_at: rng
                .chance(0.6)
                .then(|| written + Duration::hours(rng.range(1, 72))),
        }
    }

    /// A session's end, for all but the person's latest.
    pub fn end(&self, s: &SessionPlan, last_message: OffsetDateTime) -> rebloom_store::SessionEnd {
        let mut rng = Rng::new(s.seed ^ 0xE4D);
        let ended_at = last_message + Duration::seconds(rng.range(30, 300));
        rebloom_store::SessionEnd {
            ended_at,
            duration_minutes: (ended_at - s.start).whole_minutes() as i32,
            mood_after: rng.chance(0.4).then(|| rng.range(1, 10) as i32),
            summary: Some(sentences(&mut rng, &REPLY_SENTENCES, 1, 3)),
        }
    }

    /// Whether a session starts with a mood rating.
    pub fn mood_before(&self, s: &SessionPlan) -> Option<i32> {
        let mut rng = Rng::new(s.seed ^ 0xB4);
        rng.chance(0.4).then(|| rng.range(1, 10) as i32)
    }
}
