//! What the companion remembers about a person: facts and themes learnt from
//! their messages (by [`extract`]'s rules, in a background job), each linked to
//! the messages it came from, shown on their memories page, editable and
//! deletable; a "never remember" list and a pause switch; and the context that
//! memories and similar past conversations give the next reply.
//!
//! What the person sees and changes of it is [`person`].
//!
//! Memory is opt-in (`privacySettings.memoryEnabled`). Memories, their vectors
//! and the "never remember" list are sealed by the store's encryption layer.
//! With an embedder, memories and past messages are found by exact per-person
//! vector search; without one, by word overlap (the full-text fallback, done
//! here because sealed text cannot be indexed by the database).

pub mod cache;
pub mod extract;
pub mod person;

use std::collections::HashSet;
use std::sync::Arc;

use rebloom_ai::embed::{Embedder, cosine};
use rebloom_safety::{RiskLevel, Safety};
use rebloom_store::{
    ConversationStore, Memory, MemorySettings, MemorySource, MemoryStore, Message, Profile, Store,
    StoreResult, StoredVector, UserStore, VectorOf, VectorStore,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::Audit;
use crate::clock::Clock;
use crate::jobs::{JobError, Queue, payload_id};
use crate::preferences::PrivacySettings;
use cache::{ContextCache, Known};
use extract::{Extractor, memory_key};

/// The background job that learns from one message ([`MemoryService::learn`]).
pub const LEARN: &str = "memory.learn";
/// Sources kept per memory (the latest).
const MAX_SOURCES: usize = 20;
/// Memories given to a reply as context.
const CONTEXT_MEMORIES: usize = 8;
/// Past messages from other sessions given to a reply as context.
const SIMILAR_MESSAGES: usize = 2;
/// How close a past message must be to count as similar.
const SIMILAR_MIN: f32 = 0.55;

/// The memory service: the ports it reads and writes, the rules, the
/// embedder (when there is one), the context cache, and the queue its
/// learning runs on.
pub struct MemoryService {
    users: Arc<dyn UserStore>,
    memories: Arc<dyn MemoryStore>,
    vectors: Arc<dyn VectorStore>,
    conversations: Arc<dyn ConversationStore>,
    clock: Arc<dyn Clock>,
    safety: Arc<Safety>,
    extractor: Extractor,
    embedder: Option<Arc<dyn Embedder>>,
    cache: ContextCache,
    jobs: Queue,
    audit: Audit,
}

/// What the memory service is built from besides the store and the clock.
pub struct MemoryParts {
    pub safety: Arc<Safety>,
    pub extractor: Extractor,
    pub embedder: Option<Arc<dyn Embedder>>,
    pub cache: ContextCache,
    pub jobs: Queue,
    pub audit: Audit,
}

/// Whether the person allows the companion to remember (opt-in).
pub fn allowed(profile: &Profile) -> bool {
    PrivacySettings::of(profile).memory_enabled.unwrap_or(false)
}

impl MemoryService {
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, parts: MemoryParts) -> MemoryService {
        MemoryService {
            users: store.clone(),
            memories: store.clone(),
            vectors: store.clone(),
            conversations: store.clone(),
            clock,
            safety: parts.safety,
            extractor: parts.extractor,
            embedder: parts.embedder,
            cache: parts.cache,
            jobs: parts.jobs,
            audit: parts.audit,
        }
    }

    /// The embedder memories are found with, when there is one.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// What is known about the person: their memories and vectors, opened,
    /// from the cache when it is current.
    pub async fn known(&self, user_id: Uuid) -> StoreResult<Arc<Known>> {
        self.cache
            .get(user_id, || async {
                let memories = self.memories.list_memories(user_id).await?;
                let vectors = match &self.embedder {
                    Some(e) => self.vectors.user_vectors(user_id, e.name()).await?,
                    None => Vec::new(),
                };
                Ok((memories, vectors))
            })
            .await
    }

    /// Drops the person's cached context (here and, scaled out, on every replica).
    pub async fn invalidate(&self, user_id: Uuid) {
        self.cache.invalidate(user_id).await;
    }

    /// Queues learning from a message the person just sent, if they allow memory.
    pub async fn after_message(&self, profile: &Profile, message: &Message, risk: RiskLevel) {
        if !allowed(profile) || risk > RiskLevel::Low {
            return;
        }
        let payload = json!({ "userId": message.user_id, "messageId": message.id });
        if let Err(e) = self
            .jobs
            .enqueue(LEARN, payload, Some(message.user_id))
            .await
        {
            // Memory is never worth a failed reply.
            tracing::warn!(error = %e, "queueing memory learning failed");
        }
    }

    /// The job: learns what is worth remembering from one message.
    pub async fn learn(&self, payload: &Value) -> Result<(), JobError> {
        let user_id = payload_id(payload, "userId")?;
        let message_id = payload_id(payload, "messageId")?;
        let Some(profile) = self.users.get_profile(user_id).await? else {
            return Ok(()); // erased since
        };
        if !allowed(&profile) {
            return Ok(());
        }
        let settings = self
            .memories
            .get_memory_settings(user_id)
            .await?
            .unwrap_or_default();
        if settings.paused {
            return Ok(());
        }
        let Some(message) = self
            .conversations
            .messages_by_id(user_id, &[message_id])
            .await?
            .into_iter()
            .next()
        else {
            return Ok(()); // deleted since
        };
        // A message touching a "never remember" topic teaches nothing at all.
        if extract::blocked("", &message.content, &settings.never_remember) {
            return Ok(());
        }
        let risk = RiskLevel::parse(&message.risk_level).unwrap_or(RiskLevel::Critical);
        let candidates: Vec<_> = self
            .extractor
            .extract(&self.safety, &message.content, &profile.language, risk)
            .into_iter()
            .filter(|c| !extract::blocked(&c.content, "", &settings.never_remember))
            .collect();
        let now = self.clock.now();
        let source = MemorySource {
            message_id: message.id,
            session_id: message.session_id,
            at: message.created_at,
        };
        let mut existing = self.memories.list_memories(user_id).await?;
        let mut fresh: Vec<Memory> = Vec::new();
        for c in candidates {
            let key = memory_key(&c.content);
            if let Some(m) = existing
                .iter_mut()
                .find(|m| m.kind == c.kind.as_str() && memory_key(&m.content) == key)
            {
                if m.sources.iter().any(|s| s.message_id == message.id) {
                    continue; // this job ran before
                }
                m.mention_count += 1;
                m.sources.push(source.clone());
                if m.sources.len() > MAX_SOURCES {
                    m.sources.remove(0);
                }
                m.last_seen_at = now;
                m.updated_at = now;
                self.memories.update_memory(m).await?;
            } else {
                fresh.push(Memory {
                    id: Uuid::now_v7(),
                    user_id,
                    kind: c.kind.as_str().to_owned(),
                    content: c.content,
                    sources: vec![source.clone()],
                    mention_count: 1,
                    origin: "conversation".to_owned(),
                    created_at: now,
                    updated_at: now,
                    last_seen_at: now,
                });
            }
        }
        for m in &fresh {
            self.memories.insert_memory(m).await?;
        }
        if let Some(embedder) = &self.embedder {
            let mut texts: Vec<String> = fresh.iter().map(|m| m.content.clone()).collect();
            let with_message = risk <= RiskLevel::Low;
            if with_message {
                texts.push(message.content.clone());
            }
            if !texts.is_empty() {
                let vectors = embedder
                    .embed(&texts)
                    .await
                    .map_err(|e| JobError::Retry(format!("embedding: {e}")))?;
                for (i, v) in vectors.iter().enumerate() {
                    let of = match fresh.get(i) {
                        Some(m) => VectorOf::Memory(m.id),
                        None => VectorOf::Message {
                            message_id: message.id,
                            session_id: message.session_id,
                        },
                    };
                    self.vectors
                        .upsert_vector(&StoredVector::new(user_id, of, embedder.name(), v, now))
                        .await?;
                }
            }
        }
        self.invalidate(user_id).await;
        Ok(())
    }

    /// Stores the vector of a memory the person wrote or edited.
    pub async fn embed_memory(&self, memory: &Memory) -> StoreResult<()> {
        let Some(embedder) = &self.embedder else {
            return Ok(());
        };
        match embedder.embed(std::slice::from_ref(&memory.content)).await {
            Ok(vectors) => {
                if let Some(v) = vectors.first() {
                    self.vectors
                        .upsert_vector(&StoredVector::new(
                            memory.user_id,
                            VectorOf::Memory(memory.id),
                            embedder.name(),
                            v,
                            self.clock.now(),
                        ))
                        .await?;
                }
            }
            // Found by words until it is embedded again.
            Err(e) => tracing::warn!(error = %e, "embedding a memory failed"),
        }
        Ok(())
    }

    /// The memories and similar past conversations relevant to `text`
    /// (`findSimilarConversations`), for someone who allows memory.
    pub async fn recall(
        &self,
        profile: &Profile,
        session_id: Uuid,
        text: &str,
    ) -> StoreResult<Recall> {
        if !allowed(profile) {
            return Ok(Recall::default());
        }
        let known = self.known(profile.user_id).await?;
        if known.memories.is_empty() && known.vectors.is_empty() {
            return Ok(Recall::default());
        }
        let query = match &self.embedder {
            Some(e) if !known.vectors.is_empty() => match e.embed(&[text.to_owned()]).await {
                Ok(mut v) => v.pop(),
                Err(e) => {
                    tracing::warn!(error = %e, "embedding the message failed; recalling by words");
                    None
                }
            },
            _ => None,
        };
        let mut recall = Recall::default();
        let mut scored: Vec<(f32, &Memory)> = match &query {
            Some(q) => known
                .memories
                .iter()
                .map(|m| {
                    let score = known
                        .memory_vector(m.id)
                        .map(|v| cosine(q, v))
                        .unwrap_or(0.0);
                    (score, m)
                })
                .collect(),
            None => {
                let asked = words(text);
                known
                    .memories
                    .iter()
                    .map(|m| {
                        let overlap = words(&m.content).intersection(&asked).count() as f32;
                        (overlap, m)
                    })
                    .collect()
            }
        };
        // Most relevant first; recency (the list's order) breaks ties.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        recall.memories = scored
            .into_iter()
            .take(CONTEXT_MEMORIES)
            .map(|(_, m)| m.clone())
            .collect();
        if let Some(q) = &query {
            let mut similar: Vec<(f32, Uuid)> = known
                .vectors
                .iter()
                .filter_map(|v| match v.of {
                    VectorOf::Message {
                        message_id,
                        session_id: s,
                    } if s != session_id => Some((cosine(q, &v.values), message_id)),
                    _ => None,
                })
                .filter(|(score, _)| *score >= SIMILAR_MIN)
                .collect();
            similar.sort_by(|a, b| b.0.total_cmp(&a.0));
            let ids: Vec<Uuid> = similar.iter().take(SIMILAR_MESSAGES).map(|s| s.1).collect();
            let mut found = self
                .conversations
                .messages_by_id(profile.user_id, &ids)
                .await?;
            found.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
            recall.similar = found;
        }
        Ok(recall)
    }

    /// Deletes memories touching a topic the person asked never to be remembered,
    /// and drops the cached context (here and, scaled out, on every replica).
    pub async fn forget_topics(
        &self,
        user_id: Uuid,
        settings: &MemorySettings,
    ) -> StoreResult<usize> {
        let mut forgotten = 0;
        // Reading (and opening) every memory is only worth it when there is a topic to forget.
        if !settings.never_remember.is_empty() {
            for m in self.memories.list_memories(user_id).await? {
                if extract::blocked(&m.content, "", &settings.never_remember) {
                    self.memories.delete_memory(user_id, m.id).await?;
                    forgotten += 1;
                }
            }
        }
        self.invalidate(user_id).await;
        Ok(forgotten)
    }
}

/// Words of a text for the full-text fallback (lower-case, 3+ letters).
fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

const STOP: &[&str] = &[
    "the", "and", "you", "your", "are", "was", "for", "with", "that", "this", "have", "has", "but",
    "not", "about", "from", "they", "what", "when", "just", "really", "want", "helps", "feel",
];

/// What the companion knows for the next reply: the most relevant memories
/// and similar moments from earlier conversations, as lines for the prompt.
#[derive(Debug, Default, Clone)]
pub struct Recall {
    pub memories: Vec<Memory>,
    /// Earlier messages of theirs, from other sessions, most similar first.
    pub similar: Vec<Message>,
}

impl Recall {
    /// Lines for the system prompt (empty when there is nothing): what is
    /// remembered, as data between `<notes>` and `</notes>` that the prompt
    /// says is never to be followed as instructions (angle brackets in it
    /// are dropped, so it cannot close the block).
    pub fn prompt_lines(&self) -> String {
        if self.memories.is_empty() && self.similar.is_empty() {
            return String::new();
        }
        let clean = |s: &str| s.replace(['<', '>'], "");
        let mut out = String::from(
            "\nWhat you remember about the person from earlier conversations, as notes \
             (use them naturally when they help; never recite them or pretend to know more):\n<notes>\n",
        );
        for m in &self.memories {
            out.push_str(&format!(
                "- Noted about them: {}\n",
                clean(&third_person(&m.content))
            ));
        }
        for m in &self.similar {
            let excerpt: String = m.content.chars().take(200).collect();
            out.push_str(&format!(
                "- They wrote on {}: \"{}\"\n",
                m.created_at.date(),
                clean(&excerpt)
            ));
        }
        out.push_str("</notes>\n");
        out
    }
}

/// A memory as the prompt tells it about the person: memories are written
/// to them ("Your sister Anna", "You want to sleep better", "Walking helps
/// you", as their memories page shows them), the prompt speaks of them
/// ("Their sister Anna", "They want to…", "…helps them"). Spanish, French
/// and German possessives likewise ("Tu hermana" → "Su hermana").
pub fn third_person(content: &str) -> String {
    const OPENINGS: &[(&str, &str)] = &[
        ("You want to ", "They want to "),
        ("Your ", "Their "),
        ("Tus ", "Sus "),
        ("Tu ", "Su "),
        ("Tes ", "Ses "),
        ("Ton ", "Son "),
        ("Ta ", "Sa "),
        ("Deinen ", "Ihren "),
        ("Deinem ", "Ihrem "),
        ("Deiner ", "Ihrer "),
        ("Deine ", "Ihre "),
        ("Dein ", "Ihr "),
    ];
    let mut out = content.to_owned();
    if let Some((from, to)) = OPENINGS.iter().find(|(from, _)| content.starts_with(from)) {
        out = format!("{to}{}", &content[from.len()..]);
    }
    if let Some(rest) = out.strip_suffix(" helps you") {
        out = format!("{rest} helps them");
    }
    out.replace(" your ", " their ")
}

/// When a memory was last touched, for sorting and greetings.
pub fn last_session(memories: &[Memory]) -> Option<(Uuid, OffsetDateTime)> {
    memories
        .iter()
        .flat_map(|m| m.sources.iter())
        .max_by_key(|s| s.at)
        .map(|s| (s.session_id, s.at))
}

#[cfg(test)]
mod tests {
    use rebloom_store::Memory;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::{Recall, third_person};

    #[test]
    fn a_model_is_told_memories_about_the_person() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let memory = |content: &str| Memory {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            kind: "person".into(),
            content: content.into(),
            sources: Vec::new(),
            mention_count: 1,
            origin: "conversation".into(),
            created_at: at,
            updated_at: at,
            last_seen_at: at,
        };
        let recall = Recall {
            memories: vec![
                memory("Your sister Anna"),
                memory("You want to sleep better"),
            ],
            similar: Vec::new(),
        };
        let lines = recall.prompt_lines();
        assert!(
            lines.contains("- Noted about them: Their sister Anna\n"),
            "{lines}"
        );
        assert!(
            lines.contains("- Noted about them: They want to sleep better\n"),
            "{lines}"
        );
        assert!(!lines.contains("Your "), "{lines}");
    }

    #[test]
    fn memories_are_told_in_the_third_person() {
        for (memory, told) in [
            ("Your sister Anna", "Their sister Anna"),
            (
                "You want to sleep better before your finals",
                "They want to sleep better before their finals",
            ),
            ("Walking the dog helps you", "Walking the dog helps them"),
            ("Tu hermana Ana", "Su hermana Ana"),
            ("Tus padres", "Sus padres"),
            ("Ta sœur Léa", "Sa sœur Léa"),
            ("Deine Schwester Anna", "Ihre Schwester Anna"),
            (
                "Pressure from exams and studies",
                "Pressure from exams and studies",
            ),
        ] {
            assert_eq!(third_person(memory), told);
        }
    }
}
