//! A fixed set of threads for CPU-heavy work (password hashing, later local
//! inference and embeddings), so that such work never blocks the async runtime,
//! a burst queues instead of spawning hundreds of threads, and the memory each
//! job allocates is reused by the same few threads.

use std::thread;

use anyhow::anyhow;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Clone)]
pub struct CpuPool {
    jobs: flume::Sender<Job>,
}

impl CpuPool {
    /// Starts `threads` workers named `name-N`; they end when the last handle is dropped.
    pub fn new(name: &str, threads: usize) -> anyhow::Result<CpuPool> {
        let (tx, rx) = flume::bounded::<Job>(threads.max(1) * 64);
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    while let Ok(job) = rx.recv() {
                        job();
                    }
                })
                .map_err(|e| anyhow!("starting {name} thread: {e}"))?;
        }
        Ok(CpuPool { jobs: tx })
    }

    /// Runs `f` on the pool in the caller's tracing span and awaits its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            // A panicking job drops `done` (the caller sees an error); the worker lives on.
            if let Ok(value) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| span.in_scope(f)))
            {
                let _ = done.send(value);
            }
        });
        self.jobs
            .send_async(job)
            .await
            .map_err(|_| anyhow!("cpu pool stopped"))?;
        result.await.map_err(|_| anyhow!("cpu pool job panicked"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn runs_jobs_on_named_threads() {
        let pool = CpuPool::new("test-cpu", 2).unwrap();
        let name = pool
            .run(|| thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("test-cpu-"));
        let sums = futures_sum(&pool).await;
        assert_eq!(sums, (0..100u64).map(|i| i * 2).sum::<u64>());
    }

    async fn futures_sum(pool: &CpuPool) -> u64 {
        let mut handles = Vec::new();
        for i in 0..100u64 {
            let p = pool.clone();
            handles.push(tokio::spawn(
                async move { p.run(move || i * 2).await.unwrap() },
            ));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_not_a_crash() {
        let pool = CpuPool::new("test-panic", 1).unwrap();
        assert!(pool.run(|| panic!("boom")).await.is_err());
        // The only worker survived the panic.
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
