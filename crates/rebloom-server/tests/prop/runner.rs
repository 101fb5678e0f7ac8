//! Runs a property: `default_cases` cases unless `PROPTEST_CASES` says otherwise
//! (every other `PROPTEST_*` variable applies too, e.g. `PROPTEST_RNG_SEED`),
//! and prints `prop NAME: N cases, 0 failures` for the proof script
//! (`--nocapture`). A failing case is shrunk, saved in
//! `proptest-regressions/prop.txt` (replayed first on later runs; commit it
//! with the fix) and reported with the smallest input found.

use std::cell::Cell;
use std::future::Future;
use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseResult, TestRunner};

pub fn check<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
) {
    let mut config = Config {
        source_file: Some(file!()),
        test_name: Some("prop"),
        ..Config::default()
    };
    // One file per crate (the working directory of `cargo test`), unless
    // PROPTEST_DISABLE_FAILURE_PERSISTENCE is set.
    if config.failure_persistence.is_some() {
        config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/prop.txt",
        )));
    }
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default_cases;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        // Shrinking re-sends requests: keep a failure's report quick.
        config.max_shrink_iters = 512;
    }
    let passed = Cell::new(0u64);
    let started = Instant::now();
    let result = TestRunner::new(config).run(&strategy, |v| {
        test(v)?;
        passed.set(passed.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("prop {name}: {e}");
    }
    eprintln!(
        "prop {name}: {} cases, 0 failures ({:.1} s)",
        passed.get(),
        started.elapsed().as_secs_f64()
    );
}

/// [`check`] for an async test, from inside a multi-threaded Tokio runtime
/// (the server under test keeps running on the other worker).
pub fn check_async<S, F, Fut>(name: &str, default_cases: u32, strategy: S, test: F)
where
    S: Strategy,
    F: Fn(S::Value) -> Fut,
    Fut: Future<Output = TestCaseResult>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        check(name, default_cases, strategy, |v| handle.block_on(test(v)));
    });
}
