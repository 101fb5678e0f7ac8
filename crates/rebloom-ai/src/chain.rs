//! The fallback chain: providers in order of preference, each behind a circuit
//! breaker, with a time limit for the first chunk and for every gap after it.
//! A provider that fails before its first chunk is skipped silently; one that
//! fails mid-reply is followed by [`Chunk::Reset`] and the next provider's
//! whole reply, so nobody is left with a broken message.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::{ChatProvider, ChatRequest, Chunk, ChunkStream, ProviderError};

#[derive(Debug, Clone, Copy)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit skips the provider before one trial call.
    pub open_for: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 3,
            open_for: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is in flight; others skip the provider meanwhile.
    HalfOpen,
}

/// A circuit breaker for one provider.
#[derive(Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: Mutex<BreakerState>,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            state: Mutex::new(BreakerState::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may go through now (an open circuit past its time lets one trial through).
    pub fn allow(&self, now: Instant) -> bool {
        let mut state = self.lock();
        match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::HalfOpen;
                true
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen => false,
        }
    }

    pub fn success(&self) {
        *self.lock() = BreakerState::Closed { failures: 0 };
    }

    pub fn failure(&self, now: Instant) {
        let mut state = self.lock();
        *state = match *state {
            BreakerState::Closed { failures } if failures + 1 < self.config.failure_threshold => {
                BreakerState::Closed {
                    failures: failures + 1,
                }
            }
            _ => BreakerState::Open {
                until: now + self.config.open_for,
            },
        };
    }

    /// The call ended without showing whether the provider works (the person
    /// left before anything came back). If it was the half-open trial, the
    /// circuit goes back to open with its time already up, so the next call is
    /// the trial; otherwise nothing changes.
    pub fn abandoned(&self, now: Instant) {
        let mut state = self.lock();
        if *state == BreakerState::HalfOpen {
            *state = BreakerState::Open { until: now };
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(*self.lock(), BreakerState::Closed { .. })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ChainTimeouts {
    /// From the request to the first chunk (slow first tokens count here).
    pub first_chunk: Duration,
    /// Longest silence between two chunks after the first.
    pub between_chunks: Duration,
}

impl Default for ChainTimeouts {
    fn default() -> Self {
        ChainTimeouts {
            first_chunk: Duration::from_secs(20),
            between_chunks: Duration::from_secs(15),
        }
    }
}

struct Link {
    provider: Arc<dyn ChatProvider>,
    breaker: Breaker,
}

/// Providers tried in order. Put the guided engine last: it never fails.
pub struct FallbackChain {
    links: Arc<Vec<Link>>,
    timeouts: ChainTimeouts,
}

impl FallbackChain {
    pub fn new(
        providers: Vec<Arc<dyn ChatProvider>>,
        breaker: BreakerConfig,
        timeouts: ChainTimeouts,
    ) -> FallbackChain {
        FallbackChain {
            links: Arc::new(
                providers
                    .into_iter()
                    .map(|provider| Link {
                        provider,
                        breaker: Breaker::new(breaker),
                    })
                    .collect(),
            ),
            timeouts,
        }
    }

    /// Provider names in order, with whether each circuit is open.
    pub fn status(&self) -> Vec<(String, bool)> {
        self.links
            .iter()
            .map(|l| (l.provider.name().to_owned(), l.breaker.is_open()))
            .collect()
    }
}

/// Why one provider's attempt ended.
enum Attempt {
    Completed,
    /// Failed; `forwarded` says whether any chunk had been passed on (so the
    /// receiver needs a [`Chunk::Reset`]).
    Failed {
        error: ProviderError,
        forwarded: bool,
    },
    /// The receiver is gone (the person left); stop quietly. `streamed` says
    /// whether the provider had produced text by then.
    Abandoned {
        streamed: bool,
    },
}

async fn attempt(
    link: &Link,
    request: &ChatRequest,
    timeouts: ChainTimeouts,
    tx: &mpsc::Sender<Result<Chunk, ProviderError>>,
) -> Attempt {
    let failed = |error, forwarded| Attempt::Failed { error, forwarded };
    // One deadline from the request to the first text: connecting, the
    // response head and a slow first token all count against it.
    let first_deadline = tokio::time::Instant::now() + timeouts.first_chunk;
    let started = tokio::select! {
        biased;
        () = tx.closed() => return Attempt::Abandoned { streamed: false },
        started = tokio::time::timeout_at(first_deadline, link.provider.stream(request)) => started,
    };
    let mut stream: ChunkStream = match started {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return failed(e, false),
        Err(_) => return failed(ProviderError::Timeout("first chunk"), false),
    };
    let mut streamed = false;
    let mut forwarded = false;
    loop {
        let deadline = if streamed {
            tokio::time::Instant::now() + timeouts.between_chunks
        } else {
            first_deadline
        };
        // Stop waiting (and paying for tokens) as soon as the receiver is gone.
        let next = tokio::select! {
            biased;
            () = tx.closed() => return Attempt::Abandoned { streamed },
            next = tokio::time::timeout_at(deadline, stream.next()) => next,
        };
        let next = match next {
            Ok(next) => next,
            Err(_) => {
                let what = if streamed {
                    "between chunks"
                } else {
                    "first chunk"
                };
                return failed(ProviderError::Timeout(what), forwarded);
            }
        };
        match next {
            None => {
                return failed(
                    ProviderError::Stream("ended before the reply was complete".into()),
                    forwarded,
                );
            }
            Some(Err(e)) => return failed(e, forwarded),
            Some(Ok(chunk)) => {
                let done = matches!(chunk, Chunk::Done(_));
                if matches!(chunk, Chunk::Delta(_)) {
                    streamed = true;
                }
                if tx.send(Ok(chunk)).await.is_err() {
                    return Attempt::Abandoned { streamed };
                }
                forwarded = true;
                if done {
                    return Attempt::Completed;
                }
            }
        }
    }
}

#[async_trait]
impl ChatProvider for FallbackChain {
    fn name(&self) -> &str {
        "chain"
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let (tx, rx) = mpsc::channel(64);
        let links = self.links.clone();
        let timeouts = self.timeouts;
        let request = request.clone();
        // The chain runs on its own task; it stops when the receiver is dropped.
        tokio::spawn(async move { run_chain(&links, timeouts, &request, &tx).await });
        Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })))
    }
}

async fn run_chain(
    links: &[Link],
    timeouts: ChainTimeouts,
    request: &ChatRequest,
    tx: &mpsc::Sender<Result<Chunk, ProviderError>>,
) {
    let mut last_error = None;
    for link in links {
        if !link.breaker.allow(Instant::now()) {
            // Report a real failure rather than a skipped provider, if there was one.
            last_error.get_or_insert(ProviderError::CircuitOpen);
            continue;
        }
        match attempt(link, request, timeouts, tx).await {
            Attempt::Completed => {
                link.breaker.success();
                return;
            }
            Attempt::Abandoned { streamed } => {
                if streamed {
                    link.breaker.success();
                } else {
                    link.breaker.abandoned(Instant::now());
                }
                return;
            }
            Attempt::Failed { error, forwarded } => {
                link.breaker.failure(Instant::now());
                metrics::counter!("ai_provider_failures_total", "provider" => link.provider.name().to_owned())
                    .increment(1);
                tracing::warn!(provider = link.provider.name(), error = %error, streamed = forwarded, "provider failed; falling back");
                if forwarded && tx.send(Ok(Chunk::Reset)).await.is_err() {
                    return;
                }
                last_error = Some(error);
            }
        }
    }
    let error = last_error.unwrap_or_else(|| ProviderError::NotConfigured("no provider".into()));
    let _ = tx.send(Err(error)).await;
}

#[cfg(test)]
mod tests;
