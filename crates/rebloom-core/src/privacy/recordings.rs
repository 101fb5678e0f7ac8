//! Voice recordings a person chose to keep (`privacySettings.storeVoiceRecordings`):
//! sealed with their data key, bound to the file's name and owner, in the data
//! directory's `audio/<person>/`, readable by the server's user only. Erasure
//! removes them with the key.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use uuid::Uuid;

use super::Privacy;

impl Privacy {
    /// Keeps the recording of the message `message_id` as
    /// `<message_id>.<extension>`, sealed; whether it was kept (a failure is
    /// logged: the message it became stands without it).
    pub async fn keep_recording(
        &self,
        user_id: Uuid,
        message_id: Uuid,
        extension: &str,
        bytes: Vec<u8>,
    ) -> bool {
        let dir = self.files.join("audio").join(user_id.to_string());
        let name = format!("{message_id}.{extension}");
        let path = dir.join(&name);
        let aad = rebloom_store::crypto::aad("files", "audio", &name, user_id);
        let key = match self.vault.data_key(user_id).await {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "no data key for the recording");
                return false;
            }
        };
        let written = tokio::task::spawn_blocking(move || {
            let sealed = rebloom_store::crypto::seal_file(&key, &aad, &bytes)
                .map_err(std::io::Error::other)?;
            write_private(&dir, &path, &sealed)
        })
        .await
        .map_err(std::io::Error::other)
        .flatten();
        match written {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "keeping the recording failed");
                false
            }
        }
    }
}

/// Writes a new file, readable by the owner only, and syncs it.
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
