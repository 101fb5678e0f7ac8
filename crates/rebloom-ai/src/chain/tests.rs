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
    fn new(name: &'static str, plan: impl Fn(usize) -> Plan + Send + Sync + 'static) -> Arc<Fake> {
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
