//! Prints what sealing and opening a message costs (median of many runs):
//! `cargo run --release -p rebloom-store --example crypto_bench`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use rebloom_store::crypto::{self, KeyRing};
use uuid::Uuid;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let key = crypto::random_key().unwrap();
    let user = Uuid::new_v4();
    let aad = crypto::aad("messages", "content", &Uuid::now_v7().to_string(), user);
    for size in [200usize, 2_000, 20_000] {
        let text = "x".repeat(size);
        let (mut seal, mut open) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            let t = Instant::now();
            let sealed = crypto::seal(&key, &aad, text.as_bytes()).unwrap();
            seal.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            let opened = crypto::open(&key, &aad, &sealed).unwrap();
            open.push(t.elapsed().as_secs_f64() * 1e6);
            assert_eq!(opened.len(), size);
        }
        println!(
            "{size:>6} bytes: seal median {:.2} µs, open median {:.2} µs",
            median(seal),
            median(open)
        );
    }
    let ring = KeyRing::new([9; 32], vec![]);
    let wrapped = ring.wrap(user, &key).unwrap();
    let mut unwrap = Vec::new();
    for _ in 0..20_000 {
        let t = Instant::now();
        let _ = ring.unwrap(&wrapped).unwrap();
        unwrap.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!("unwrap a data key: median {:.2} µs", median(unwrap));
}
