//! Access tokens (HS256 JWT, 15 minutes) and opaque refresh tokens (7 days,
//! stored only as SHA-256, rotated on every use).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rebloom_store::Role;
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::CoreError;

pub const ACCESS_TTL: Duration = Duration::minutes(15);
pub const REFRESH_TTL: Duration = Duration::days(7);
const AUDIENCE: &str = "rebloom-api";
const ISSUER: &str = "rebloom";
/// Tolerated clock skew between replicas when checking `exp` and `iat`.
const LEEWAY_SECS: i64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: Uuid,
    pub role: Role,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The refresh-token family (one login on one device); logout ends it.
    pub sid: Uuid,
    /// The user's token version when issued; bumping it ends every access token.
    pub ver: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &SecretBox<Vec<u8>>) -> TokenKeys {
        // HS256 only: `alg` values other than the allow-list (incl. `none`) are rejected.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        // Expiry is checked against the injected clock below, not the system clock.
        validation.validate_exp = false;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.expose_secret()),
            decoding: DecodingKey::from_secret(secret.expose_secret()),
            validation,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        role: Role,
        family_id: Uuid,
        token_version: i64,
        now: OffsetDateTime,
    ) -> Result<(String, Claims), CoreError> {
        let claims = Claims {
            sub: user_id,
            role,
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_TTL).unix_timestamp(),
            jti: Uuid::now_v7(),
            sid: family_id,
            ver: token_version,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("jwt encode: {e}")))?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm, audience, issuer and expiry.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, CoreError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| CoreError::Unauthorized("token_invalid"))?;
        let claims = data.claims;
        let now = now.unix_timestamp();
        if claims.exp + LEEWAY_SECS <= now {
            return Err(CoreError::Unauthorized("token_expired"));
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(CoreError::Unauthorized("token_invalid"));
        }
        Ok(claims)
    }
}

/// A new opaque refresh token and the hash that is stored for it.
pub fn new_refresh_token() -> Result<(String, Vec<u8>), CoreError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw)
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    let token = format!("rbr_{}", URL_SAFE_NO_PAD.encode(raw));
    let hash = refresh_hash(&token);
    Ok((token, hash))
}

pub fn refresh_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretBox::new(Box::new(secret.as_bytes().to_vec())))
    }

    #[test]
    fn round_trip_and_expiry() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = OffsetDateTime::now_utc();
        let (t, claims) = k
            .issue(Uuid::now_v7(), Role::User, Uuid::now_v7(), 3, now)
            .unwrap();
        assert_eq!(k.verify(&t, now).unwrap(), claims);
        assert_eq!(k.verify(&t, now + Duration::minutes(14)).unwrap().ver, 3);
        assert!(matches!(
            k.verify(&t, now + Duration::minutes(16)),
            Err(CoreError::Unauthorized("token_expired"))
        ));
        let other = keys("another-secret-another-secret-xx");
        assert!(matches!(
            other.verify(&t, now),
            Err(CoreError::Unauthorized("token_invalid"))
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token().unwrap();
        let (b, hb) = new_refresh_token().unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(ha, refresh_hash(&a));
        assert_eq!(ha.len(), 32);
    }
}
