//! Voice messages (`processVoiceInput`): an audio upload is transcribed by the
//! configured speech-to-text provider and the transcript is sent as a typed
//! message is (`conversation::send`). The audio is kept only when the person's privacy
//! settings allow it.

use std::sync::Arc;

use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, FromRef, Multipart, Path, State};
use rebloom_ai::ProviderError;
use rebloom_ai::stt::{Audio, SpeechToText};
use rebloom_core::conversation::Conversations;
use rebloom_core::preferences::PrivacySettings;
use rebloom_core::privacy::Privacy;
use rebloom_core::profile::Profiles;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::conversations::ensure_caller;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::conversation::send::Outgoing;
use rebloom_core::conversation::views::TurnResult;

pub fn router() -> OpenApiRouter<AppState> {
    // Uploads are capped by the voice limit (checked below and by the outer hard cap),
    // not by the JSON body limit.
    OpenApiRouter::new()
        .routes(routes!(voice_message))
        .layer(DefaultBodyLimit::disable())
}

/// The multipart form of a voice message: these two parts and no others.
// `deny_unknown_fields` is what makes the document say `additionalProperties: false`.
#[derive(ToSchema, serde::Deserialize)]
#[schema(rename_all = "camelCase")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct VoiceUpload {
    /// WAV, FLAC, MP3 or Ogg Vorbis audio (WebM/Opus only with a remote speech-to-text provider).
    #[schema(format = Binary, value_type = String)]
    audio: Vec<u8>,
    #[schema(value_type = String, format = Uuid)]
    session_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoiceResult {
    #[serde(flatten)]
    pub turn: TurnResult,
    /// Whether the recording was kept (privacy setting `storeVoiceRecordings`).
    pub audio_stored: bool,
}

/// The audio format from its first bytes; the declared type must agree.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Some("audio/wav")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("audio/webm")
    } else if bytes.starts_with(b"OggS") {
        Some("audio/ogg")
    } else {
        None
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "audio/webm" => "webm",
        "audio/ogg" => "ogg",
        _ => "wav",
    }
}

fn bad_form(detail: &str) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_upload",
        detail: detail.to_owned(),
    }
}

/// What a voice message needs besides the conversation: the speech-to-text
/// provider (none when not configured), the upload limit, the profile (the
/// language to listen for, whether to keep the recording) and where a kept
/// recording goes.
#[derive(Clone)]
pub struct Voice {
    stt: Option<Arc<dyn SpeechToText>>,
    limit: usize,
    profiles: Profiles,
    privacy: Privacy,
}

impl FromRef<AppState> for Voice {
    fn from_ref(state: &AppState) -> Voice {
        Voice {
            stt: state.stt.clone(),
            limit: state.config.voice_limit_bytes,
            profiles: state.profiles.clone(),
            privacy: state.privacy.clone(),
        }
    }
}

/// Send a voice message: transcribed, then answered like a typed one.
#[utoipa::path(post, path = "/api/conversations/{userId}/voice", tag = "conversations", security(("bearer" = [])),
    params(("userId" = Uuid, Path, description = "Must be the caller")),
    request_body(content = VoiceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = VoiceResult),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_audio`: WAV, WebM or Ogg only", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`invalid_upload`: not a multipart form, or a part could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `audio` or `sessionId` missing or unreadable, or `no_speech` (nothing could be heard)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`speech_to_text_unavailable`: this server has no speech-to-text (checked before the upload is read); `session_ended`; `request_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`speech_to_text_busy` or `speech_to_text_failed` (the provider), or as for every operation", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn voice_message(
    State(voice): State<Voice>,
    State(conversations): State<Conversations>,
    Extension(devices): Extension<crate::realtime::Devices>,
    user: AuthUser,
    Path(user_id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<ApiJson<VoiceResult>> {
    ensure_caller(user_id, &user)?;
    // How this server is set up, not an outage (a retry gets the same answer),
    // and known before the upload is read.
    let stt = voice
        .stt
        .ok_or(ApiError::Conflict("speech_to_text_unavailable"))?;
    let mut multipart = multipart
        .map_err(|_| bad_form("Send multipart/form-data with `audio` and `sessionId`."))?;
    let limit = voice.limit;
    let mut audio: Option<(Vec<u8>, String)> = None;
    let mut session_id: Option<Uuid> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| bad_form("The form could not be read."))?
    {
        match field.name() {
            Some("audio") => {
                let declared = field.content_type().unwrap_or("").to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::PayloadTooLarge
                    } else {
                        bad_form("The audio could not be read.")
                    }
                })? {
                    if bytes.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                audio = Some((bytes, declared));
            }
            Some("sessionId") => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| bad_form("sessionId could not be read."))?;
                session_id = Some(Uuid::parse_str(text.trim()).map_err(|_| {
                    ApiError::field("sessionId", "invalid", "Use the session's id.")
                })?);
            }
            _ => {}
        }
    }
    let (bytes, declared) =
        audio.ok_or_else(|| ApiError::field("audio", "missing", "Attach the recording."))?;
    let session_id =
        session_id.ok_or_else(|| ApiError::field("sessionId", "missing", "Name the session."))?;
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mime = match (sniff(&bytes), declared.as_str()) {
        (Some(found), d)
            if d.is_empty()
                || d == "application/octet-stream"
                || d == found
                || (found == "audio/wav" && d == "audio/x-wav")
                || (found == "audio/webm" && d == "video/webm") =>
        {
            found
        }
        _ => {
            return Err(ApiError::UnsupportedAudio);
        }
    };
    let session = conversations.open_session(user.id, session_id).await?;
    let profile = voice.profiles.load(user.id).await?;
    let language = profile.language.split('-').next().map(str::to_owned);
    let transcript = stt
        .transcribe(Audio {
            bytes: &bytes,
            mime,
            language: language.as_deref(),
        })
        .await
        .map_err(|e| {
            tracing::warn!(provider = stt.name(), error = %e, "transcription failed");
            match e {
                // What a provider (the local Whisper model above all) says of the audio itself.
                ProviderError::Http { status: 415, .. } => ApiError::UnsupportedAudio,
                ProviderError::Http { status: 413, .. } => ApiError::PayloadTooLarge,
                ProviderError::Http { status: 422, .. } => ApiError::field(
                    "audio",
                    "no_speech",
                    "No speech could be heard in the recording.",
                ),
                ProviderError::Http { status: 503, .. } => {
                    ApiError::Unavailable("speech_to_text_busy")
                }
                _ => ApiError::Unavailable("speech_to_text_failed"),
            }
        })?;
    if transcript.trim().is_empty() {
        return Err(ApiError::field(
            "audio",
            "no_speech",
            "No speech could be heard in the recording.",
        ));
    }
    let keep = PrivacySettings::of(&profile)
        .store_voice_recordings
        .unwrap_or(false);
    let turn = conversations
        .send(
            devices.port(),
            Outgoing {
                user: user.account.clone(),
                session_id: session.id,
                text: transcript,
                message_type: "voice",
                turn_key: None,
                device: None,
            },
        )
        .await?;
    let audio_stored = keep
        && voice
            .privacy
            .keep_recording(user.id, turn.message.id, extension(mime), bytes)
            .await;
    Ok(ApiJson(VoiceResult { turn, audio_stored }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend([0u8; 16]);
        assert_eq!(sniff(&wav), Some("audio/wav"));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]), Some("audio/webm"));
        assert_eq!(sniff(b"OggS\0\x02"), Some("audio/ogg"));
        assert_eq!(sniff(b"ID3\x04"), None);
        assert_eq!(sniff(b""), None);
    }
}
