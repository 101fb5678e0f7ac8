//! What the person does with what the companion remembers: exactly what is
//! kept and why (their own words it came from), to edit, delete, add to,
//! pause, or fence off with a "never remember" list.

use std::collections::{BTreeSet, HashMap, HashSet};

use rebloom_store::{Memory, MemorySettings, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{MemoryService, allowed};
use crate::audit::Actor;
use crate::{CoreError, CoreResult, FieldError};

/// What a memory can be about.
pub const KINDS: &[&str] = &["person", "goal", "stressor", "coping", "note"];
const MAX_CONTENT: usize = 500;
const MAX_TOPICS: usize = 50;
const MAX_TOPIC: usize = 100;
/// Characters of a source message shown as the reason for a memory.
const EXCERPT: usize = 240;

/// A message a memory was learnt from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    pub message_id: Uuid,
    pub session_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The person's own words (the start of the message), when it still exists.
    pub excerpt: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryView {
    pub id: Uuid,
    /// `person`, `goal`, `stressor`, `coping` or `note`.
    pub kind: String,
    #[schema(example = "Your sister Anna")]
    pub content: String,
    /// `conversation` (learnt from what they said) or `person` (written or edited by them).
    pub origin: String,
    pub mention_count: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    /// Why it is kept: the messages it came from, latest last.
    pub sources: Vec<SourceView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Whether the companion may remember (the profile's `privacySettings.memoryEnabled`; off until they turn it on).
    pub enabled: bool,
    /// Nothing new is learnt while paused; what is kept is still used.
    pub paused: bool,
    pub never_remember: Vec<String>,
    /// What finds relevant memories: an embedding model's name, or `words`.
    pub search: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoriesView {
    pub memories: Vec<MemoryView>,
    pub settings: SettingsView,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMemory {
    /// Defaults to `note`.
    #[schema(value_type = Option<MemoryKind>)]
    pub kind: Option<String>,
    #[schema(value_type = crate::schemas::MemoryContent, example = "Walking the dog in the morning helps me")]
    pub content: String,
}

/// What a memory is about.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum MemoryKind {
    Person,
    Goal,
    Stressor,
    Coping,
    Note,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryEdit {
    #[schema(value_type = Option<MemoryKind>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<crate::schemas::MemoryContent>)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsChange {
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
    /// Replaces the list (up to 50 topics). Memories touching a listed topic are deleted at once.
    #[schema(value_type = Option<Vec<crate::schemas::Topic>>, max_items = 50)]
    pub never_remember: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Forgotten {
    pub deleted: u64,
}

fn check_kind(kind: &str, errors: &mut Vec<FieldError>) {
    if !KINDS.contains(&kind) {
        errors.push(FieldError::new(
            "kind",
            "invalid_choice",
            format!("Choose one of {}.", KINDS.join(", ")),
        ));
    }
}

fn check_content(content: &str, errors: &mut Vec<FieldError>) -> String {
    let trimmed = content.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > MAX_CONTENT
        || trimmed.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            "content",
            "invalid_content",
            format!("Between 1 and {MAX_CONTENT} characters."),
        ));
    }
    trimmed.to_owned()
}

/// A "never remember" list as given: trimmed, each topic once (whatever its
/// case), checked whole.
fn check_topics(list: Vec<String>) -> CoreResult<Vec<String>> {
    let mut seen = HashSet::new();
    let list: Vec<String> = list
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| seen.insert(t.to_lowercase()))
        .collect();
    if list.len() > MAX_TOPICS
        || list.iter().any(|t| {
            t.is_empty() || t.chars().count() > MAX_TOPIC || t.chars().any(char::is_control)
        })
    {
        return Err(CoreError::field(
            "neverRemember",
            "invalid_topics",
            format!("Up to {MAX_TOPICS} topics of 1 to {MAX_TOPIC} characters."),
        ));
    }
    Ok(list)
}

impl MemoryService {
    /// The person's memory settings as they read them back.
    fn settings_view(&self, profile: &Profile, s: MemorySettings) -> SettingsView {
        SettingsView {
            enabled: allowed(profile),
            paused: s.paused,
            never_remember: s.never_remember,
            search: self
                .embedder
                .as_ref()
                .map(|e| e.name().to_owned())
                .unwrap_or_else(|| "words".to_owned()),
        }
    }

    async fn profile(&self, user_id: Uuid) -> CoreResult<Profile> {
        self.users
            .get_profile(user_id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The person's memory settings.
    pub async fn settings(&self, user_id: Uuid) -> CoreResult<SettingsView> {
        let profile = self.profile(user_id).await?;
        let s = self
            .memories
            .get_memory_settings(user_id)
            .await?
            .unwrap_or_default();
        Ok(self.settings_view(&profile, s))
    }

    /// Memories as the person sees them, each with the start of the messages it came from.
    async fn views(&self, user_id: Uuid, memories: Vec<Memory>) -> CoreResult<Vec<MemoryView>> {
        let ids: Vec<Uuid> = memories
            .iter()
            .flat_map(|m| m.sources.iter().map(|s| s.message_id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut excerpts: HashMap<Uuid, String> = HashMap::new();
        for chunk in ids.chunks(100) {
            for m in self.conversations.messages_by_id(user_id, chunk).await? {
                excerpts.insert(m.id, m.content.chars().take(EXCERPT).collect());
            }
        }
        Ok(memories
            .into_iter()
            .map(|m| MemoryView {
                sources: m
                    .sources
                    .iter()
                    .map(|s| SourceView {
                        message_id: s.message_id,
                        session_id: s.session_id,
                        at: s.at,
                        excerpt: excerpts.get(&s.message_id).cloned(),
                    })
                    .collect(),
                id: m.id,
                kind: m.kind,
                content: m.content,
                origin: m.origin,
                mention_count: m.mention_count,
                created_at: m.created_at,
                updated_at: m.updated_at,
                last_seen_at: m.last_seen_at,
            })
            .collect())
    }

    async fn view(&self, user_id: Uuid, memory: Memory) -> CoreResult<MemoryView> {
        self.views(user_id, vec![memory])
            .await?
            .pop()
            .ok_or(CoreError::NotFound)
    }

    /// Everything remembered about the person, and why, with their settings.
    pub async fn memories(&self, user_id: Uuid) -> CoreResult<MemoriesView> {
        let memories = self.memories.list_memories(user_id).await?;
        Ok(MemoriesView {
            memories: self.views(user_id, memories).await?,
            settings: self.settings(user_id).await?,
        })
    }

    /// Adds something to remember, in the person's words (409
    /// `memory_disabled` until they turn memory on).
    pub async fn add(&self, user_id: Uuid, req: NewMemory) -> CoreResult<MemoryView> {
        let mut errors = Vec::new();
        let kind = req.kind.unwrap_or_else(|| "note".to_owned());
        check_kind(&kind, &mut errors);
        let content = check_content(&req.content, &mut errors);
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        if !allowed(&self.profile(user_id).await?) {
            return Err(CoreError::Conflict("memory_disabled"));
        }
        let now = self.clock.now();
        let memory = Memory {
            id: Uuid::now_v7(),
            user_id,
            kind,
            content,
            sources: Vec::new(),
            mention_count: 1,
            origin: "person".to_owned(),
            created_at: now,
            updated_at: now,
            last_seen_at: now,
        };
        self.memories.insert_memory(&memory).await?;
        self.embed_memory(&memory).await?;
        self.invalidate(user_id).await;
        self.view(user_id, memory).await
    }

    /// Corrects a memory; it becomes the person's own (`origin: person`).
    pub async fn edit(&self, user_id: Uuid, id: Uuid, req: MemoryEdit) -> CoreResult<MemoryView> {
        let mut errors = Vec::new();
        if let Some(k) = &req.kind {
            check_kind(k, &mut errors);
        }
        let content = req
            .content
            .as_deref()
            .map(|c| check_content(c, &mut errors));
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let mut memory = self
            .memories
            .find_memory(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let changed_text = content.as_ref().is_some_and(|c| *c != memory.content);
        if let Some(k) = req.kind {
            memory.kind = k;
        }
        if let Some(c) = content {
            memory.content = c;
        }
        memory.origin = "person".to_owned();
        memory.updated_at = self.clock.now();
        if !self.memories.update_memory(&memory).await? {
            return Err(CoreError::NotFound);
        }
        if changed_text {
            self.embed_memory(&memory).await?;
        }
        self.invalidate(user_id).await;
        self.view(user_id, memory).await
    }

    /// Forgets one memory: the memory, its vector and every cached copy.
    pub async fn delete(&self, user_id: Uuid, id: Uuid) -> CoreResult<()> {
        let deleted = self.memories.delete_memory(user_id, id).await?;
        self.invalidate(user_id).await;
        if deleted {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// Forgets everything: every memory and every vector of past messages; audited.
    pub async fn forget_everything(&self, person: Actor, user_id: Uuid) -> CoreResult<Forgotten> {
        let deleted = self.memories.delete_memories(user_id).await?;
        self.invalidate(user_id).await;
        self.audit
            .record(
                person,
                Some(user_id),
                "memory.forgotten",
                json!({ "deleted": deleted }),
            )
            .await?;
        Ok(Forgotten { deleted })
    }

    /// Turns memory on or off, pauses it, or sets the "never remember" list
    /// (what touches a listed topic is forgotten at once).
    pub async fn change_settings(
        &self,
        user_id: Uuid,
        req: SettingsChange,
    ) -> CoreResult<SettingsView> {
        let topics = req.never_remember.map(check_topics).transpose()?;
        let mut profile = self.profile(user_id).await?;
        if let Some(enabled) = req.enabled {
            if !profile.privacy_settings.is_object() {
                profile.privacy_settings = json!({});
            }
            if let Some(o) = profile.privacy_settings.as_object_mut() {
                o.insert("memoryEnabled".to_owned(), serde_json::Value::Bool(enabled));
            }
            profile.updated_at = self.clock.now();
            self.users.save_profile(&profile).await?;
        }
        let mut settings = self
            .memories
            .get_memory_settings(user_id)
            .await?
            .unwrap_or_default();
        if let Some(p) = req.paused {
            settings.paused = p;
        }
        if let Some(list) = topics {
            settings.never_remember = list;
        }
        self.memories
            .save_memory_settings(user_id, &settings, self.clock.now())
            .await?;
        self.forget_topics(user_id, &settings).await?;
        Ok(self.settings_view(&profile, settings))
    }
}
