//! Password policy and Argon2id hashing, run off the async runtime on a bounded pool.

use std::collections::HashSet;
use std::sync::Arc;

use crate::cpu_pool::CpuPool;
use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use zeroize::Zeroizing;

use crate::{CoreError, CoreResult, FieldError};

pub const MIN_LEN: usize = 8;
/// Long passphrases are welcome; the bound only caps hashing work.
pub const MAX_LEN: usize = 256;

const COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Checks the policy: 8 to 256 characters, no composition rules, not among the
/// 10,000 most common passwords, not the e-mail address itself.
pub struct PasswordPolicy {
    common: HashSet<&'static str>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            common: COMMON
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect(),
        }
    }
}

impl PasswordPolicy {
    pub fn check(&self, field: &str, password: &str, email: &str) -> Option<FieldError> {
        let len = password.chars().count();
        if len < MIN_LEN {
            return Some(FieldError::new(
                field,
                "too_short",
                format!("Use at least {MIN_LEN} characters."),
            ));
        }
        if len > MAX_LEN {
            return Some(FieldError::new(
                field,
                "too_long",
                format!("Use at most {MAX_LEN} characters."),
            ));
        }
        let lower = password.to_lowercase();
        if self.common.contains(lower.as_str()) {
            return Some(FieldError::new(
                field,
                "too_common",
                "This password is among the most common ones; choose another.",
            ));
        }
        if !email.is_empty() && lower == email.to_lowercase() {
            return Some(FieldError::new(
                field,
                "same_as_email",
                "Do not use your e-mail address as password.",
            ));
        }
        None
    }
}

/// Argon2id with OWASP's parameters (m=19 MiB, t=2, p=1), on the CPU pool, so a
/// login burst queues instead of exhausting memory or starving the runtime.
#[derive(Clone)]
pub struct Hasher {
    pool: CpuPool,
    /// A real hash of a random password, verified against when the account is
    /// unknown so that unknown e-mail and wrong password take the same time.
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new(pool: CpuPool) -> anyhow::Result<Hasher> {
        let mut random = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *random).map_err(|e| anyhow!("no system randomness: {e}"))?;
        let dummy = hash_blocking(&hex::encode(*random))?;
        Ok(Hasher {
            pool,
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> CoreResult<T> {
        self.pool.run(f).await.map_err(CoreError::Internal)
    }

    pub async fn hash(&self, password: Zeroizing<String>) -> CoreResult<String> {
        self.run(move || hash_blocking(&password))
            .await?
            .map_err(CoreError::Internal)
    }

    /// Verifies against `stored`, or against the dummy hash when there is no account.
    pub async fn verify(
        &self,
        password: Zeroizing<String>,
        stored: Option<String>,
    ) -> CoreResult<bool> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_owned());
        let ok = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(known && ok)
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("argon2: {e}"))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        assert_eq!(p.common.len(), 10_000);
        assert_eq!(p.check("password", "short", "").unwrap().code, "too_short");
        assert_eq!(
            p.check("password", "password123", "").unwrap().code,
            "too_common"
        );
        assert_eq!(
            p.check("password", "PassWord123", "").unwrap().code,
            "too_common"
        );
        assert_eq!(
            p.check("password", &"x".repeat(257), "").unwrap().code,
            "too_long"
        );
        assert_eq!(
            p.check("password", "me@example.org", "me@example.org")
                .unwrap()
                .code,
            "same_as_email"
        );
        // No composition rules: a long lower-case passphrase is fine, as are 8 characters.
        assert!(
            p.check("password", "correct horse battery staple", "")
                .is_none()
        );
        assert!(p.check("password", "tq8vz3km", "").is_none());
        // Counted in characters, not bytes.
        assert!(p.check("password", "ñandú€€€", "").is_none());
        assert!(p.check("password", &"é".repeat(256), "").is_none());
    }

    #[tokio::test]
    async fn hashes_and_verifies_whole_password() {
        let h = Hasher::new(CpuPool::new("test-hash", 2).unwrap()).unwrap();
        let long = "a".repeat(200);
        let hash = h.hash(Zeroizing::new(long.clone())).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            h.verify(Zeroizing::new(long.clone()), Some(hash.clone()))
                .await
                .unwrap()
        );
        // Never truncated: a difference in the last character matters.
        let mut other = "a".repeat(199);
        other.push('b');
        assert!(!h.verify(Zeroizing::new(other), Some(hash)).await.unwrap());
        // Unknown account: never true, even with the dummy's own input shape.
        assert!(!h.verify(Zeroizing::new(long), None).await.unwrap());
    }
}
