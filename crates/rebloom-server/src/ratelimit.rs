//! Rate limiting per client address: in-process by default (governor's GCRA),
//! a Redis sliding window shared by all replicas when Redis is configured.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter as Governor};
use redis::aio::ConnectionManager;

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Register, login, refresh: fails closed when the shared limiter is down.
    Auth,
    /// Everything else under /api: falls back to in-process limits when Redis is down.
    Api,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Bucket::Auth => "auth",
            Bucket::Api => "api",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny { retry_after_secs: u64 },
}

#[derive(Debug, thiserror::Error)]
#[error("rate limiter unavailable: {0}")]
pub struct LimiterUnavailable(String);

#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request of `key` against `limit` per minute in `bucket`.
    async fn check(
        &self,
        bucket: Bucket,
        key: &str,
        limit: u32,
    ) -> Result<Decision, LimiterUnavailable>;
    fn kind(&self) -> &'static str;
}

type KeyedLimiter = DefaultKeyedRateLimiter<String>;

/// Per-process limits. Keys that have gone quiet are dropped by [`InProcessLimiter::sweep`].
#[derive(Default)]
pub struct InProcessLimiter {
    limiters: Mutex<HashMap<(Bucket, u32), Arc<KeyedLimiter>>>,
}

impl InProcessLimiter {
    fn limiter(&self, bucket: Bucket, limit: u32) -> Arc<KeyedLimiter> {
        let mut map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((bucket, limit))
            .or_insert_with(|| {
                let per_minute = NonZeroU32::new(limit.max(1)).unwrap_or(NonZeroU32::MIN);
                Arc::new(Governor::keyed(Quota::per_minute(per_minute)))
            })
            .clone()
    }

    /// Forgets keys whose state is back to full capacity.
    pub fn sweep(&self) {
        let map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        for l in map.values() {
            l.retain_recent();
        }
    }

    fn decide(&self, bucket: Bucket, key: &str, limit: u32) -> Decision {
        match self.limiter(bucket, limit).check_key(&key.to_owned()) {
            Ok(()) => Decision::Allow,
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                Decision::Deny {
                    retry_after_secs: wait.as_secs().max(1),
                }
            }
        }
    }
}

#[async_trait]
impl RateLimiter for InProcessLimiter {
    async fn check(
        &self,
        bucket: Bucket,
        key: &str,
        limit: u32,
    ) -> Result<Decision, LimiterUnavailable> {
        Ok(self.decide(bucket, key, limit))
    }

    fn kind(&self) -> &'static str {
        "in-process"
    }
}

/// Sliding one-minute window in a Redis sorted set per key, atomic in a Lua
/// script and timed by the Redis server's clock, so all replicas agree.
pub struct RedisLimiter {
    conn: ConnectionManager,
    script: redis::Script,
    prefix: String,
    /// Used for the API bucket while Redis is unreachable.
    fallback: InProcessLimiter,
}

const SLIDING_WINDOW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"#;

impl RedisLimiter {
    /// `prefix` namespaces keys (`rate:` in production, a unique one per test).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> RedisLimiter {
        RedisLimiter {
            conn,
            script: redis::Script::new(SLIDING_WINDOW),
            prefix: prefix.into(),
            fallback: InProcessLimiter::default(),
        }
    }

    async fn shared(&self, bucket: Bucket, key: &str, limit: u32) -> redis::RedisResult<Decision> {
        let mut conn = self.conn.clone();
        let (allowed, wait_ms): (i64, i64) = self
            .script
            .key(format!("{}{}:{}", self.prefix, bucket.name(), key))
            .arg(60_000)
            .arg(limit)
            .arg(uuid::Uuid::now_v7().to_string())
            .invoke_async(&mut conn)
            .await?;
        Ok(if allowed == 1 {
            Decision::Allow
        } else {
            Decision::Deny {
                retry_after_secs: (wait_ms.max(0) as u64).div_ceil(1000).max(1),
            }
        })
    }
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn check(
        &self,
        bucket: Bucket,
        key: &str,
        limit: u32,
    ) -> Result<Decision, LimiterUnavailable> {
        match self.shared(bucket, key, limit).await {
            Ok(d) => Ok(d),
            Err(e) => {
                metrics::counter!("rate_limiter_errors_total", "bucket" => bucket.name())
                    .increment(1);
                match bucket {
                    Bucket::Auth => Err(LimiterUnavailable(e.to_string())),
                    Bucket::Api => {
                        tracing::warn!(error = %e, "redis rate limiter unavailable; using in-process limits");
                        Ok(self.fallback.decide(bucket, key, limit))
                    }
                }
            }
        }
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn in_process_allows_the_limit_then_denies() {
        let l = InProcessLimiter::default();
        for _ in 0..5 {
            assert_eq!(
                l.check(Bucket::Auth, "1.2.3.4", 5).await.unwrap(),
                Decision::Allow
            );
        }
        assert!(matches!(
            l.check(Bucket::Auth, "1.2.3.4", 5).await.unwrap(),
            Decision::Deny { retry_after_secs } if retry_after_secs >= 1
        ));
        // Another key and another bucket are counted apart.
        assert_eq!(
            l.check(Bucket::Auth, "5.6.7.8", 5).await.unwrap(),
            Decision::Allow
        );
        assert_eq!(
            l.check(Bucket::Api, "1.2.3.4", 5).await.unwrap(),
            Decision::Allow
        );
    }
}
