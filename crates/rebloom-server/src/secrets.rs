//! Secrets in force: from configuration, else generated once into the data
//! directory with 0600 permissions. There is no built-in default secret.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::config::Config;

/// Key material the server runs with. `Debug` shows nothing.
pub struct Secrets {
    pub jwt_secret: SecretBox<Vec<u8>>,
    pub master_key: SecretBox<[u8; 32]>,
    /// Earlier master keys: they still unwrap the data keys they wrapped
    /// until `rebloom keys rotate` re-wraps them with the current one.
    pub old_master_keys: Vec<[u8; 32]>,
    /// Files generated on this start, to say so in the log.
    pub generated: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

const JWT_FILE: &str = "jwt_secret";
const MASTER_FILE: &str = "master_key";

fn random_hex(bytes: usize) -> anyhow::Result<Zeroizing<String>> {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(Zeroizing::new(hex::encode(&*buf)))
}

/// Reads `dir/name`, or writes a fresh random value there (0600) and returns it.
fn load_or_generate(
    dir: &Path,
    name: &str,
    bytes: usize,
    generated: &mut Vec<String>,
) -> anyhow::Result<SecretString> {
    let path = dir.join(name);
    match fs::read_to_string(&path) {
        Ok(s) => {
            let mode = fs::metadata(&path)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("tightening permissions of {}", path.display()))?;
            }
            Ok(SecretString::from(s.trim().to_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let value = random_hex(bytes)?;
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(value.as_bytes())?;
            file.sync_all()?;
            generated.push(path.display().to_string());
            Ok(SecretString::from(value.to_string()))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn parse_master_key(s: &SecretString) -> anyhow::Result<SecretBox<[u8; 32]>> {
    let bytes = Zeroizing::new(
        hex::decode(s.expose_secret().trim())
            .context("REBLOOM_MASTER_KEY must be 64 hex characters")?,
    );
    let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        bail!("REBLOOM_MASTER_KEY must be 32 bytes (64 hex characters)");
    };
    Ok(SecretBox::new(Box::new(key)))
}

/// Loads the secrets from configuration or the data directory, generating what is missing.
pub fn load(config: &Config) -> anyhow::Result<Secrets> {
    let dir = config.data_dir.join("secrets");
    let mut generated = Vec::new();
    if config.jwt_secret.is_none() || config.master_key.is_none() {
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    }
    let jwt = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => load_or_generate(&dir, JWT_FILE, 64, &mut generated)?,
    };
    if jwt.expose_secret().len() < 32 {
        bail!("REBLOOM_JWT_SECRET must be at least 32 characters");
    }
    let master = match &config.master_key {
        Some(s) => s.clone(),
        None => load_or_generate(&dir, MASTER_FILE, 32, &mut generated)?,
    };
    let old_master_keys = config
        .master_keys_old
        .iter()
        .map(|k| parse_master_key(k).map(|k| *k.expose_secret()))
        .collect::<anyhow::Result<Vec<_>>>()
        .context("REBLOOM_MASTER_KEYS_OLD")?;
    Ok(Secrets {
        jwt_secret: SecretBox::new(Box::new(jwt.expose_secret().as_bytes().to_vec())),
        master_key: parse_master_key(&master)?,
        old_master_keys,
        generated,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generates_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let first = load(&config).unwrap();
        assert_eq!(first.generated.len(), 2);
        for name in [JWT_FILE, MASTER_FILE] {
            let mode = fs::metadata(dir.path().join("secrets").join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        let second = load(&config).unwrap();
        assert!(second.generated.is_empty());
        assert_eq!(
            first.jwt_secret.expose_secret(),
            second.jwt_secret.expose_secret()
        );
        assert_eq!(
            first.master_key.expose_secret(),
            second.master_key.expose_secret()
        );
    }

    #[test]
    fn rejects_short_configured_secret() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            jwt_secret: Some(SecretString::from("short")),
            ..Config::default()
        };
        assert!(load(&config).is_err());
    }
}
