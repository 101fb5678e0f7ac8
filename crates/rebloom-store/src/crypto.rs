//! Envelope encryption of health content at rest.
//!
//! Every person has a random 256-bit data key. It is stored only wrapped
//! (AES-256-GCM) by a master key, with the master key's id, so master keys can
//! be rotated by re-wrapping and an old key still opens what it wrapped.
//! Content is sealed with AES-256-GCM under the person's data key, a random
//! 96-bit nonce per value, and associated data naming the table, column, row
//! and person, so a ciphertext moved to another row, column or person does not
//! open. Keys held here are zeroized when dropped. Content is readable only
//! with both the person's wrapped data key and a master key that unwraps it.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

/// What every sealed value starts with.
pub const SEALED_PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

/// A 256-bit key that is wiped from memory when dropped.
pub type Key = Zeroizing<[u8; 32]>;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealing failed")]
    Seal,
    /// Wrong key, wrong place, or tampered with.
    #[error("cannot decrypt")]
    Open,
    #[error("not a sealed value")]
    Format,
    #[error("no master key with id {0}")]
    UnknownMasterKey(String),
    #[error("randomness unavailable: {0}")]
    Random(String),
}

/// A fresh random key.
pub fn random_key() -> Result<Key, CryptoError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut()).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(key)
}

fn cipher(key: &[u8; 32]) -> Result<Aes256Gcm, CryptoError> {
    Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Seal)
}

fn seal_bytes(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = Nonce::generate();
    let mut out = nonce.to_vec();
    let ct = cipher(key)?
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Seal)?;
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_bytes(key: &[u8; 32], aad: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(CryptoError::Format);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Format)?;
    cipher(key)?
        .decrypt(
            &nonce,
            Payload {
                msg: ct,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Open)
}

/// The associated data that binds a value to where it is stored.
pub fn aad(table: &str, column: &str, row: &str, user_id: Uuid) -> String {
    format!("rebloom|{table}|{column}|{row}|{user_id}")
}

/// Seals text for a text column: `enc:v1:<base64(nonce ‖ ciphertext ‖ tag)>`.
pub fn seal(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
    Ok(format!(
        "{SEALED_PREFIX}{}",
        B64.encode(seal_bytes(key, aad, plaintext)?)
    ))
}

/// Opens what [`seal`] produced.
pub fn open(key: &[u8; 32], aad: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let body = stored
        .strip_prefix(SEALED_PREFIX)
        .ok_or(CryptoError::Format)?;
    let bytes = B64.decode(body).map_err(|_| CryptoError::Format)?;
    Ok(Zeroizing::new(open_bytes(key, aad, &bytes)?))
}

/// Seals a file's bytes (binary form, for stored audio and exports).
pub fn seal_file(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = b"RBENC1".to_vec();
    out.extend(seal_bytes(key, aad, plaintext)?);
    Ok(out)
}

/// Opens what [`seal_file`] produced.
pub fn open_file(
    key: &[u8; 32],
    aad: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let body = sealed.strip_prefix(b"RBENC1").ok_or(CryptoError::Format)?;
    Ok(Zeroizing::new(open_bytes(key, aad, body)?))
}

/// A master key and its id (the first 8 bytes of its SHA-256, in hex).
pub struct MasterKey {
    pub id: String,
    key: Key,
}

impl MasterKey {
    pub fn new(key: [u8; 32]) -> MasterKey {
        let key = Zeroizing::new(key);
        let id = hex8(&Sha256::digest(key.as_ref()));
        MasterKey { id, key }
    }
}

fn hex8(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A person's data key as stored: wrapped by the master key `master_key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub user_id: Uuid,
    pub master_key_id: String,
    pub wrapped: Vec<u8>,
}

/// The master keys: the current one wraps new data keys; older ones still
/// unwrap what they wrapped until `rebloom keys rotate` re-wraps it.
pub struct KeyRing {
    current: MasterKey,
    old: Vec<MasterKey>,
}

impl KeyRing {
    pub fn new(current: [u8; 32], old: Vec<[u8; 32]>) -> KeyRing {
        KeyRing {
            current: MasterKey::new(current),
            old: old.into_iter().map(MasterKey::new).collect(),
        }
    }

    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn wrap_aad(user_id: Uuid, master_id: &str) -> String {
        format!("rebloom|user_keys|data_key|{master_id}|{user_id}")
    }

    /// Wraps a data key with the current master key.
    pub fn wrap(&self, user_id: Uuid, data_key: &[u8; 32]) -> Result<WrappedKey, CryptoError> {
        let aad = Self::wrap_aad(user_id, &self.current.id);
        Ok(WrappedKey {
            user_id,
            master_key_id: self.current.id.clone(),
            wrapped: seal_bytes(&self.current.key, &aad, data_key)?,
        })
    }

    /// Unwraps a stored data key with the master key that wrapped it.
    pub fn unwrap(&self, stored: &WrappedKey) -> Result<Key, CryptoError> {
        let master = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|m| m.id == stored.master_key_id)
            .ok_or_else(|| CryptoError::UnknownMasterKey(stored.master_key_id.clone()))?;
        let aad = Self::wrap_aad(stored.user_id, &master.id);
        let bytes = Zeroizing::new(open_bytes(&master.key, &aad, &stored.wrapped)?);
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(CryptoError::Format);
        }
        key.copy_from_slice(&bytes);
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let key = random_key().unwrap();
        let user = Uuid::new_v4();
        let here = aad("messages", "content", "1", user);
        let sealed = seal(&key, &here, b"I feel low").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains("low"));
        assert_eq!(
            open(&key, &here, &sealed).unwrap().as_slice(),
            b"I feel low"
        );
        // Another row, column or person, another key, or one changed byte: no.
        for other in [
            aad("messages", "content", "2", user),
            aad("messages", "metadata", "1", user),
            aad("messages", "content", "1", Uuid::new_v4()),
        ] {
            assert!(matches!(
                open(&key, &other, &sealed),
                Err(CryptoError::Open)
            ));
        }
        assert!(open(&random_key().unwrap(), &here, &sealed).is_err());
        let mut bytes = B64.decode(&sealed[SEALED_PREFIX.len()..]).unwrap();
        bytes[20] ^= 1;
        let tampered = format!("{SEALED_PREFIX}{}", B64.encode(bytes));
        assert!(open(&key, &here, &tampered).is_err());
        // Random nonces: the same text seals differently each time.
        assert_ne!(
            seal(&key, &here, b"x").unwrap(),
            seal(&key, &here, b"x").unwrap()
        );
    }

    #[test]
    fn rotation_keeps_old_wraps_readable() {
        let user = Uuid::new_v4();
        let data = random_key().unwrap();
        let old = KeyRing::new([1; 32], vec![]);
        let wrapped = old.wrap(user, &data).unwrap();
        let rotated = KeyRing::new([2; 32], vec![[1; 32]]);
        assert_ne!(rotated.current_id(), wrapped.master_key_id);
        assert_eq!(*rotated.unwrap(&wrapped).unwrap(), *data);
        let rewrapped = rotated
            .wrap(user, &rotated.unwrap(&wrapped).unwrap())
            .unwrap();
        assert_eq!(rewrapped.master_key_id, rotated.current_id());
        // Without the old master key the old wrap is unreadable; another person's id does not fit.
        assert!(KeyRing::new([2; 32], vec![]).unwrap(&wrapped).is_err());
        let moved = WrappedKey {
            user_id: Uuid::new_v4(),
            ..wrapped
        };
        assert!(rotated.unwrap(&moved).is_err());
    }

    #[test]
    fn files() {
        let key = random_key().unwrap();
        let aad = aad("files", "audio", "a.wav", Uuid::nil());
        let sealed = seal_file(&key, &aad, b"RIFF....WAVE").unwrap();
        assert!(sealed.starts_with(b"RBENC1"));
        assert_eq!(
            open_file(&key, &aad, &sealed).unwrap().as_slice(),
            b"RIFF....WAVE"
        );
    }
}
