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
mod tests {
    //! Chain logic against scripted in-process providers (the HTTP providers
    //! behind a chain are tested in `tests/providers.rs`). Time is paused, so
    //! the timeouts here cost no wall-clock time.

    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;
    use crate::Finish;

    #[derive(Clone)]
    enum Item {
        Chunk(Chunk),
        Fail(ProviderError),
        Wait(Duration),
        Stall,
    }

    #[derive(Clone)]
    enum Plan {
        /// `stream()` itself fails.
        Refuse(ProviderError),
        /// `stream()` takes this long, then the items follow.
        Start(Duration, Vec<Item>),
    }

    struct Fake {
        name: &'static str,
        calls: AtomicUsize,
        plan: Box<dyn Fn(usize) -> Plan + Send + Sync>,
        /// Set when a stream this provider returned is dropped.
        dropped: Arc<AtomicBool>,
    }

    impl Fake {
        fn new(
            name: &'static str,
            plan: impl Fn(usize) -> Plan + Send + Sync + 'static,
        ) -> Arc<Fake> {
            Arc::new(Fake {
                name,
                calls: AtomicUsize::new(0),
                plan: Box::new(plan),
                dropped: Arc::new(AtomicBool::new(false)),
            })
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    struct DropFlag(Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[async_trait]
    impl ChatProvider for Fake {
        fn name(&self) -> &str {
            self.name
        }

        async fn stream(&self, _request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            let items = match (self.plan)(call) {
                Plan::Refuse(e) => return Err(e),
                Plan::Start(delay, items) => {
                    tokio::time::sleep(delay).await;
                    items
                }
            };
            let flag = DropFlag(self.dropped.clone());
            Ok(Box::pin(futures::stream::unfold(
                (items.into_iter(), flag),
                |(mut items, flag)| async move {
                    loop {
                        match items.next()? {
                            Item::Chunk(c) => return Some((Ok(c), (items, flag))),
                            Item::Fail(e) => return Some((Err(e), (items, flag))),
                            Item::Wait(d) => tokio::time::sleep(d).await,
                            Item::Stall => std::future::pending::<()>().await,
                        }
                    }
                },
            )))
        }
    }

    fn delta(t: &str) -> Item {
        Item::Chunk(Chunk::Delta(t.into()))
    }

    fn done(provider: &str) -> Item {
        Item::Chunk(Chunk::Done(Finish {
            provider: provider.into(),
            model: "m".into(),
            reason: "stop".into(),
        }))
    }

    fn reply(provider: &'static str, text: &[&str]) -> Plan {
        let mut items: Vec<Item> = text.iter().map(|t| delta(t)).collect();
        items.push(done(provider));
        Plan::Start(Duration::ZERO, items)
    }

    fn boom() -> ProviderError {
        ProviderError::Http {
            status: 500,
            message: "boom".into(),
        }
    }

    const TIMEOUTS: ChainTimeouts = ChainTimeouts {
        first_chunk: Duration::from_secs(10),
        between_chunks: Duration::from_secs(5),
    };

    fn chain(providers: &[&Arc<Fake>], breaker: BreakerConfig) -> FallbackChain {
        FallbackChain::new(
            providers
                .iter()
                .map(|p| Arc::clone(*p) as Arc<dyn ChatProvider>)
                .collect(),
            breaker,
            TIMEOUTS,
        )
    }

    async fn run(chain: &FallbackChain) -> Vec<Result<Chunk, ProviderError>> {
        chain
            .stream(&ChatRequest::default())
            .await
            .unwrap()
            .collect()
            .await
    }

    fn d(t: &str) -> Result<Chunk, ProviderError> {
        Ok(Chunk::Delta(t.into()))
    }

    fn finished(provider: &str) -> Result<Chunk, ProviderError> {
        Ok(Chunk::Done(Finish {
            provider: provider.into(),
            model: "m".into(),
            reason: "stop".into(),
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn failure_before_the_first_chunk_falls_through_without_reset() {
        let a = Fake::new("a", |_| Plan::Refuse(boom()));
        let b = Fake::new("b", |_| reply("b", &["Hello", " there"]));
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(got, vec![d("Hello"), d(" there"), finished("b")]);
    }

    #[tokio::test(start_paused = true)]
    async fn failure_mid_reply_resets_then_gives_the_next_whole_reply() {
        let a = Fake::new("a", |_| {
            Plan::Start(Duration::ZERO, vec![delta("Hel"), Item::Fail(boom())])
        });
        let b = Fake::new("b", |_| reply("b", &["Hello"]));
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(
            got,
            vec![d("Hel"), Ok(Chunk::Reset), d("Hello"), finished("b")]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_just_ends_counts_as_a_failure() {
        let a = Fake::new("a", |_| Plan::Start(Duration::ZERO, vec![delta("Hel")]));
        let b = Fake::new("b", |_| reply("b", &["Hello"]));
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(
            got,
            vec![d("Hel"), Ok(Chunk::Reset), d("Hello"), finished("b")]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn engine_state_passed_on_before_a_failure_is_reset_too() {
        let a = Fake::new("a", |_| {
            Plan::Start(
                Duration::ZERO,
                vec![
                    Item::Chunk(Chunk::EngineState(serde_json::json!({"step": 2}))),
                    Item::Fail(boom()),
                ],
            )
        });
        let b = Fake::new("b", |_| reply("b", &["Hi"]));
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(got[1], Ok(Chunk::Reset));
        assert_eq!(&got[2..], &[d("Hi"), finished("b")]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_chunk_limit_covers_starting_and_the_first_token_together() {
        // 6 s to start plus 6 s to the first token: 12 s > the 10 s limit,
        // though each part alone is within it.
        let a = Fake::new("a", |_| {
            Plan::Start(
                Duration::from_secs(6),
                vec![Item::Wait(Duration::from_secs(6)), delta("late"), done("a")],
            )
        });
        let b = Fake::new("b", |_| reply("b", &["Hi"]));
        let started = tokio::time::Instant::now();
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(got, vec![d("Hi"), finished("b")]);
        assert_eq!(started.elapsed(), TIMEOUTS.first_chunk);
    }

    #[tokio::test(start_paused = true)]
    async fn silence_between_chunks_resets_and_falls_through() {
        let a = Fake::new("a", |_| {
            Plan::Start(
                Duration::ZERO,
                vec![
                    delta("one"),
                    Item::Wait(Duration::from_secs(4)),
                    delta(" two"),
                    Item::Stall,
                ],
            )
        });
        let b = Fake::new("b", |_| reply("b", &["Hi"]));
        let got = run(&chain(&[&a, &b], BreakerConfig::default())).await;
        assert_eq!(
            got,
            vec![
                d("one"),
                d(" two"),
                Ok(Chunk::Reset),
                d("Hi"),
                finished("b")
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn all_failing_ends_with_the_last_real_error() {
        let a = Fake::new("a", |_| Plan::Refuse(boom()));
        let b = Fake::new("b", |_| {
            Plan::Refuse(ProviderError::Connect("refused".into()))
        });
        let chain = chain(
            &[&a, &b],
            BreakerConfig {
                failure_threshold: 1,
                open_for: Duration::from_secs(60),
            },
        );
        let got = run(&chain).await;
        assert_eq!(got, vec![Err(ProviderError::Connect("refused".into()))]);
        // Both circuits are open now: nothing is tried, and the error says so.
        let got = run(&chain).await;
        assert_eq!(got, vec![Err(ProviderError::CircuitOpen)]);
        assert_eq!((a.calls(), b.calls()), (1, 1));
        assert_eq!(
            chain.status(),
            vec![("a".to_owned(), true), ("b".to_owned(), true)]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_skipped_provider_does_not_hide_a_real_error() {
        let config = BreakerConfig {
            failure_threshold: 1,
            open_for: Duration::from_secs(60),
        };
        let a = Fake::new("a", |_| Plan::Refuse(boom()));
        let b = Fake::new("b", |_| reply("b", &["Hi"]));
        let b_breaker = Breaker::new(config);
        b_breaker.failure(Instant::now());
        let links = vec![
            Link {
                provider: a.clone(),
                breaker: Breaker::new(config),
            },
            Link {
                provider: b.clone(),
                breaker: b_breaker,
            },
        ];
        let (tx, mut rx) = mpsc::channel(8);
        run_chain(&links, TIMEOUTS, &ChatRequest::default(), &tx).await;
        drop(tx);
        assert_eq!(rx.recv().await, Some(Err(boom())));
        assert_eq!(rx.recv().await, None);
        assert_eq!(b.calls(), 0);

        let empty = FallbackChain::new(Vec::new(), BreakerConfig::default(), TIMEOUTS);
        assert!(matches!(
            run(&empty).await[..],
            [Err(ProviderError::NotConfigured(_))]
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_trial_does_not_leave_the_circuit_stuck_half_open() {
        // `open_for` zero: after its failure, a's next call is the trial at once.
        let a = Fake::new("a", |call| match call {
            0 => Plan::Refuse(boom()),
            1 => Plan::Start(Duration::ZERO, vec![Item::Stall]),
            _ => reply("a", &["back"]),
        });
        let b = Fake::new("b", |_| reply("b", &["Hi"]));
        let chain = chain(
            &[&a, &b],
            BreakerConfig {
                failure_threshold: 1,
                open_for: Duration::ZERO,
            },
        );
        assert_eq!(run(&chain).await, vec![d("Hi"), finished("b")]);
        // The trial: the person leaves while a is silent.
        let stream = chain.stream(&ChatRequest::default()).await.unwrap();
        for _ in 0..100 {
            if a.calls() == 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(a.calls(), 2);
        let left = tokio::time::Instant::now();
        drop(stream);
        // The chain notices at once (no timeout passes: the clock is paused and
        // never idle here) and drops a's stream.
        for _ in 0..100 {
            if a.dropped.load(Ordering::SeqCst) {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(
            a.dropped.load(Ordering::SeqCst),
            "a's stream is still being polled"
        );
        assert_eq!(left.elapsed(), Duration::ZERO);
        // The next call is a new trial, not skipped.
        assert_eq!(run(&chain).await, vec![d("back"), finished("a")]);
        assert_eq!(a.calls(), 3);
        assert_eq!(chain.status()[0], ("a".to_owned(), false));
    }

    #[test]
    fn breaker_opens_after_the_threshold_and_lets_one_trial_through() {
        let open_for = Duration::from_millis(200);
        let breaker = Breaker::new(BreakerConfig {
            failure_threshold: 3,
            open_for,
        });
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(breaker.allow(t0));
            breaker.failure(t0);
            assert!(!breaker.is_open());
        }
        // A success in between starts the count again.
        breaker.success();
        for _ in 0..2 {
            breaker.failure(t0);
        }
        assert!(!breaker.is_open());
        breaker.failure(t0);
        assert!(breaker.is_open());
        assert!(!breaker.allow(t0));
        assert!(!breaker.allow(t0 + open_for - Duration::from_millis(1)));
        // Time's up: one trial, and only one.
        assert!(breaker.allow(t0 + open_for));
        assert!(!breaker.allow(t0 + open_for));
        // The trial fails: open again for a full period from then.
        let t1 = t0 + open_for;
        breaker.failure(t1);
        assert!(!breaker.allow(t1 + open_for - Duration::from_millis(1)));
        assert!(breaker.allow(t1 + open_for));
        // The trial succeeds: closed.
        breaker.success();
        assert!(!breaker.is_open());
        assert!(breaker.allow(t1));
    }

    #[test]
    fn an_abandoned_trial_reopens_for_an_immediate_retrial() {
        let breaker = Breaker::new(BreakerConfig {
            failure_threshold: 1,
            open_for: Duration::from_secs(30),
        });
        let t0 = Instant::now();
        breaker.failure(t0);
        let t1 = t0 + Duration::from_secs(30);
        assert!(breaker.allow(t1));
        assert!(!breaker.allow(t1));
        breaker.abandoned(t1);
        assert!(breaker.allow(t1));
        // Abandoning a call on a closed circuit changes nothing.
        breaker.success();
        breaker.abandoned(t1);
        assert!(!breaker.is_open());
    }
}
