//! On-device models, run in-process with no network: sentence embeddings
//! ([`embed`]) and speech-to-text ([`whisper`]). Models live in `./models`
//! (fetched by `scripts/models.sh`); the server starts without them and says
//! which engine each capability uses.

pub mod embed;
pub mod encoder;
pub mod whisper;
