//! The hot queries, as the routes and the reply pipeline run them: the same
//! store calls (through the encryption layer, so rows are opened as in
//! production), with the same page sizes and ranges.

use rebloom_ai::embed::cosine;
use rebloom_core::memory::cache::{Known, KnownVector};
use rebloom_core::wellbeing::calendar::{RangeParams, to_time_date};
use rebloom_core::wellbeing::moods::{MAX_ENTRIES, trends_for};
use rebloom_core::wellbeing::trends::Bucket;
use rebloom_store::{Memory, Sender, Store, VectorOf};
use time::OffsetDateTime;
use uuid::Uuid;

use super::plan::{MODEL, Population, Rng, vector};

/// The routes' default page size.
const PAGE: u32 = 50;
/// Insights listed (`/api/me/insights`).
const INSIGHTS: i64 = 52;
/// Memories and similar past messages given to a reply.
const CONTEXT_MEMORIES: usize = 8;
const SIMILAR_MESSAGES: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hot {
    HistoryLatest,
    HistoryDeep,
    Sessions,
    AllMessages,
    SimilarMiss,
    SimilarHit,
    Trends30d,
    Trends1y,
    InsightsList,
    InsightsLatest,
}

pub const ALL: [Hot; 10] = [
    Hot::HistoryLatest,
    Hot::HistoryDeep,
    Hot::Sessions,
    Hot::AllMessages,
    Hot::SimilarMiss,
    Hot::SimilarHit,
    Hot::Trends30d,
    Hot::Trends1y,
    Hot::InsightsList,
    Hot::InsightsLatest,
];

/// One person's arguments for the hot queries.
pub struct Case {
    pub user: usize,
    pub user_id: Uuid,
    /// One of their sessions (the history page's).
    pub session: Uuid,
    /// Their long session and a cursor 80 % of the way back into it.
    pub long: Option<(Uuid, Uuid)>,
    /// Messages of theirs with vectors (what recall found similar).
    pub similar: Vec<Uuid>,
    /// The embedding of the message being replied to.
    pub query_seed: u64,
}

impl Case {
    pub fn new(pop: &Population, user: usize, rng: &mut Rng) -> Case {
        let plan = &pop.users[user];
        let session = pop.sessions[*rng.pick(&plan.sessions)].id;
        let long = plan
            .sessions
            .iter()
            .map(|k| &pop.sessions[*k])
            .find(|s| s.long)
            .map(|s| {
                let messages = pop.messages(s);
                let depth = messages.len() * 4 / 5;
                (s.id, messages[messages.len() - 1 - depth].id)
            });
        let mut similar = Vec::new();
        for _ in 0..8 {
            let s = &pop.sessions[*rng.pick(&plan.sessions)];
            if let Some(m) = pop.messages(s).into_iter().find(|m| {
                m.sender == Sender::User && matches!(m.risk_level.as_str(), "none" | "low")
            }) && !similar.contains(&m.id)
            {
                similar.push(m.id);
            }
            if similar.len() == SIMILAR_MESSAGES {
                break;
            }
        }
        Case {
            user,
            user_id: plan.id,
            session,
            long,
            similar,
            query_seed: rng.next(),
        }
    }
}

/// One store call of a hot query, with its arguments.
#[derive(Debug, Clone)]
pub enum Call {
    FindSession(Uuid, Uuid),
    ListMessages(Uuid, Option<Uuid>, Option<Uuid>),
    ListSessions(Uuid),
    ListMemories(Uuid),
    UserVectors(Uuid),
    MessagesById(Uuid, Vec<Uuid>),
    GetProfile(Uuid),
    ListMoods(Uuid, OffsetDateTime, OffsetDateTime),
    ListInsights(Uuid, Option<time::Date>, i64),
}

fn uuid_sql(id: Uuid) -> String {
    format!("'{id}'")
}

fn opt_sql(id: Option<Uuid>) -> String {
    id.map_or_else(|| "NULL".to_owned(), uuid_sql)
}

fn time_sql(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "'{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

impl Call {
    pub fn name(&self) -> &'static str {
        match self {
            Call::FindSession(..) => "find_session",
            Call::ListMessages(..) => "list_messages",
            Call::ListSessions(..) => "list_sessions",
            Call::ListMemories(..) => "list_memories",
            Call::UserVectors(..) => "user_vectors",
            Call::MessagesById(..) => "messages_by_id",
            Call::GetProfile(..) => "get_profile",
            Call::ListMoods(..) => "list_moods",
            Call::ListInsights(..) => "list_insights",
        }
    }

    /// Runs the call (on any store: the bare one for plans).
    pub async fn run(&self, store: &dyn Store) {
        match self {
            Call::FindSession(u, s) => drop(store.find_session(*u, *s).await.unwrap()),
            Call::ListMessages(u, s, before) => {
                drop(store.list_messages(*u, *s, *before, PAGE).await.unwrap());
            }
            Call::ListSessions(u) => drop(store.list_sessions(*u, None, PAGE).await.unwrap()),
            Call::ListMemories(u) => drop(store.list_memories(*u).await.unwrap()),
            Call::UserVectors(u) => drop(store.user_vectors(*u, MODEL).await.unwrap()),
            Call::MessagesById(u, ids) => drop(store.messages_by_id(*u, ids).await.unwrap()),
            Call::GetProfile(u) => drop(store.get_profile(*u).await.unwrap()),
            Call::ListMoods(u, from, to) => {
                drop(store.list_moods(*u, *from, *to, MAX_ENTRIES).await.unwrap());
            }
            Call::ListInsights(u, period, limit) => {
                drop(store.list_insights(*u, *period, *limit).await.unwrap());
            }
        }
    }

    /// The parameters the store binds, in its order, as SQL literals.
    pub fn params(&self) -> Vec<String> {
        match self {
            Call::FindSession(u, s) => vec![uuid_sql(*s), uuid_sql(*u)],
            Call::ListMessages(u, s, before) => {
                vec![
                    uuid_sql(*u),
                    opt_sql(*s),
                    opt_sql(*before),
                    PAGE.to_string(),
                ]
            }
            Call::ListSessions(u) => vec![uuid_sql(*u), "NULL".into(), PAGE.to_string()],
            Call::ListMemories(u) | Call::GetProfile(u) => vec![uuid_sql(*u)],
            Call::UserVectors(u) => vec![uuid_sql(*u), format!("'{MODEL}'")],
            Call::MessagesById(u, ids) => std::iter::once(uuid_sql(*u))
                .chain(ids.iter().map(|id| uuid_sql(*id)))
                .collect(),
            Call::ListMoods(u, from, to) => vec![
                uuid_sql(*u),
                time_sql(*from),
                time_sql(*to),
                MAX_ENTRIES.to_string(),
            ],
            Call::ListInsights(u, period, limit) => vec![
                uuid_sql(*u),
                period.map_or_else(|| "NULL".to_owned(), |d| format!("'{d}'")),
                limit.to_string(),
            ],
        }
    }
}

/// The instants a trend asks the store for: whole buckets over `range`.
/// A person's local days for a trends range, as the route reads `range`.
fn trend_range(
    pop: &Population,
    user: usize,
    range: &str,
) -> (jiff::civil::Date, jiff::civil::Date) {
    pop.calendar(user)
        .range(
            &RangeParams {
                range: Some(range.to_owned()),
                from: None,
                to: None,
            },
            pop.now,
        )
        .unwrap()
}

/// The instants `trends_for` reads check-ins between (whole buckets), for EXPLAIN.
fn trend_bounds(
    pop: &Population,
    user: usize,
    range: &str,
    bucket: Bucket,
) -> (OffsetDateTime, OffsetDateTime) {
    let (from, to) = trend_range(pop, user, range);
    pop.calendar(user).bounds(bucket.start(from), to).unwrap()
}

impl Hot {
    pub fn name(self) -> &'static str {
        match self {
            Hot::HistoryLatest => "history_latest_page",
            Hot::HistoryDeep => "history_deep_page",
            Hot::Sessions => "sessions_list",
            Hot::AllMessages => "messages_all_sessions",
            Hot::SimilarMiss => "similar_cache_miss",
            Hot::SimilarHit => "similar_cache_hit",
            Hot::Trends30d => "mood_trends_30d_by_day",
            Hot::Trends1y => "mood_trends_1y_by_month",
            Hot::InsightsList => "insights_list",
            Hot::InsightsLatest => "insights_latest_week",
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Hot::HistoryLatest => {
                "GET /conversations/sessions/{id}: find_session + newest 50 messages"
            }
            Hot::HistoryDeep => "the same, 50 messages 80% back into a long session (cursor)",
            Hot::Sessions => "GET /conversations: newest 50 sessions",
            Hot::AllMessages => "GET /conversations/messages: newest 50 across sessions",
            Hot::SimilarMiss => {
                "recall on a context-cache miss: memories + vectors, scan, 2 similar messages"
            }
            Hot::SimilarHit => "recall on a cache hit: the 2 similar messages by id",
            Hot::Trends30d => "GET /me/moods/trends (30d, day): profile, check-ins, compute",
            Hot::Trends1y => "GET /me/moods/trends (1y, month): profile, check-ins, compute",
            Hot::InsightsList => "GET /me/insights: up to 52, opened",
            Hot::InsightsLatest => "the last finished week's insight (weekly job / generate)",
        }
    }

    /// Whether the case can run this query (deep pages need a long session).
    pub fn applies(self, c: &Case) -> bool {
        match self {
            Hot::HistoryDeep => c.long.is_some(),
            Hot::SimilarHit => !c.similar.is_empty(),
            _ => true,
        }
    }

    /// The store calls behind the query, and which of them is its main one.
    pub fn calls(self, pop: &Population, c: &Case) -> (Vec<Call>, usize) {
        let u = c.user_id;
        match self {
            Hot::HistoryLatest => (
                vec![
                    Call::FindSession(u, c.session),
                    Call::ListMessages(u, Some(c.session), None),
                ],
                1,
            ),
            Hot::HistoryDeep => {
                let (s, cursor) = c.long.unwrap_or((c.session, c.session));
                (vec![Call::ListMessages(u, Some(s), Some(cursor))], 0)
            }
            Hot::Sessions => (vec![Call::ListSessions(u)], 0),
            Hot::AllMessages => (vec![Call::ListMessages(u, None, None)], 0),
            Hot::SimilarMiss => (
                vec![
                    Call::ListMemories(u),
                    Call::UserVectors(u),
                    Call::MessagesById(u, c.similar.clone()),
                ],
                1,
            ),
            Hot::SimilarHit => (vec![Call::MessagesById(u, c.similar.clone())], 0),
            Hot::Trends30d => {
                let (start, end) = trend_bounds(pop, c.user, "30d", Bucket::Day);
                (vec![Call::GetProfile(u), Call::ListMoods(u, start, end)], 1)
            }
            Hot::Trends1y => {
                let (start, end) = trend_bounds(pop, c.user, "1y", Bucket::Month);
                (vec![Call::GetProfile(u), Call::ListMoods(u, start, end)], 1)
            }
            Hot::InsightsList => (vec![Call::ListInsights(u, None, INSIGHTS)], 0),
            Hot::InsightsLatest => {
                let period = to_time_date(pop.last_week(c.user)).ok();
                (vec![Call::ListInsights(u, period, 10)], 0)
            }
        }
    }

    /// Runs the query as the server does; returns the rows it read.
    pub async fn run(self, store: &dyn Store, pop: &Population, c: &Case) -> usize {
        let u = c.user_id;
        match self {
            Hot::HistoryLatest | Hot::HistoryDeep => {
                let (session, before) = match self {
                    Hot::HistoryDeep => c.long.map_or((c.session, None), |(s, cur)| (s, Some(cur))),
                    _ => (c.session, None),
                };
                store.find_session(u, session).await.unwrap().unwrap();
                let page = store
                    .list_messages(u, Some(session), before, PAGE)
                    .await
                    .unwrap();
                page.len()
            }
            Hot::Sessions => store.list_sessions(u, None, PAGE).await.unwrap().len(),
            Hot::AllMessages => store
                .list_messages(u, None, None, PAGE)
                .await
                .unwrap()
                .len(),
            Hot::SimilarMiss => similar(store, c).await,
            Hot::SimilarHit => store.messages_by_id(u, &c.similar).await.unwrap().len(),
            Hot::Trends30d => self.trends(store, pop, c, "30d", Bucket::Day).await,
            Hot::Trends1y => self.trends(store, pop, c, "1y", Bucket::Month).await,
            Hot::InsightsList => store.list_insights(u, None, INSIGHTS).await.unwrap().len(),
            Hot::InsightsLatest => {
                let period = to_time_date(pop.last_week(c.user)).ok();
                store.list_insights(u, period, 10).await.unwrap().len()
            }
        }
    }

    /// The route's own code (`moods::trends_for`): profile, check-ins, compute.
    async fn trends(
        self,
        store: &dyn Store,
        pop: &Population,
        c: &Case,
        range: &str,
        bucket: Bucket,
    ) -> usize {
        let profile = store.get_profile(c.user_id).await.unwrap().unwrap();
        let calendar =
            rebloom_core::wellbeing::calendar::Calendar::named(profile.timezone.as_deref());
        let (from, to) = trend_range(pop, c.user, range);
        trends_for(store, c.user_id, &calendar, from, to, bucket)
            .await
            .unwrap()
            .count
    }
}

/// What recall does on a context-cache miss (`memory::recall`): read and open
/// the person's memories and vectors, score them against the message, and
/// fetch the most similar past messages from other sessions.
async fn similar(store: &dyn Store, c: &Case) -> usize {
    let memories = store.list_memories(c.user_id).await.unwrap();
    let vectors = store
        .user_vectors(c.user_id, MODEL)
        .await
        .unwrap()
        .into_iter()
        .map(|v| KnownVector {
            of: v.of,
            values: v.values(),
        })
        .collect();
    let known = Known::new(memories, vectors);
    let q = vector(c.query_seed);
    let mut scored: Vec<(f32, &Memory)> = known
        .memories
        .iter()
        .map(|m| (known.memory_vector(m.id).map_or(0.0, |v| cosine(&q, v)), m))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(CONTEXT_MEMORIES);
    let mut near: Vec<(f32, Uuid)> = known
        .vectors
        .iter()
        .filter_map(|v| match v.of {
            VectorOf::Message {
                message_id,
                session_id,
            } if session_id != c.session => Some((cosine(&q, &v.values), message_id)),
            _ => None,
        })
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0));
    let ids: Vec<Uuid> = near.iter().take(SIMILAR_MESSAGES).map(|s| s.1).collect();
    let found = store.messages_by_id(c.user_id, &ids).await.unwrap();
    known.memories.len() + known.vectors.len() + found.len()
}
