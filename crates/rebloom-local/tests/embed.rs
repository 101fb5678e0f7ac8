//! all-MiniLM-L6-v2 through candle: meaning, padding and masking, limits.
//! Needs the model from `scripts/models.sh`; fails (never skips) without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::path::Path;

use rebloom_ai::embed::{Embedder, cosine};
use rebloom_local::embed::{LoadError, LocalEmbedder, MAX_TOKENS};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn pair(a: &str, b: &str) -> f32 {
    let v = common::embedder().embed(&strings(&[a, b])).await.unwrap();
    cosine(&v[0], &v[1])
}

#[tokio::test]
async fn paraphrases_score_high_and_unrelated_sentences_low() {
    let similar = [
        (
            "I can't sleep because I'm worried about my exams",
            "Exam stress keeps me awake at night",
        ),
        (
            "I feel so alone since my best friend moved away",
            "Ever since my closest friend left town I've been lonely",
        ),
        (
            "My boss yelled at me and I'm furious",
            "I'm really angry that my manager shouted at me",
        ),
    ];
    for (a, b) in similar {
        let c = pair(a, b).await;
        println!("paraphrase {c:.3}: {a:?} / {b:?}");
        assert!(c >= 0.6, "{a:?} vs {b:?}: {c}");
    }
    let unrelated = [
        (
            "I can't sleep because I'm worried about my exams",
            "The recipe needs two cups of flour",
        ),
        (
            "I feel so alone since my best friend moved away",
            "The train to Berlin leaves at nine",
        ),
        (
            "My boss yelled at me and I'm furious",
            "Photosynthesis turns light into chemical energy",
        ),
    ];
    for (a, b) in unrelated {
        let c = pair(a, b).await;
        println!("unrelated  {c:.3}: {a:?} / {b:?}");
        assert!(c <= 0.3, "{a:?} vs {b:?}: {c}");
    }
}

#[tokio::test]
async fn vectors_are_unit_length_with_the_models_dimensions() {
    let embedder = common::embedder();
    assert_eq!(embedder.name(), "all-MiniLM-L6-v2");
    assert_eq!(embedder.dimensions(), 384);
    let v = embedder.embed(&strings(&["Hello there"])).await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].len(), 384);
    let norm = v[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
}

#[tokio::test]
async fn a_batch_gives_the_same_vectors_as_single_calls() {
    // Lengths from 1 to ~40 tokens, so the short ones are heavily padded in the batch.
    let texts = strings(&[
        "Hi",
        "I feel anxious",
        "Nothing has gone right this week and I'm exhausted from pretending otherwise",
        "Thanks",
        "Work is piling up, my partner and I keep arguing, I skipped the gym again, \
         and honestly I don't know how to start fixing any of it before the holidays",
        "Je me sens seul",
        "",
        "Today was good!",
    ]);
    let embedder = common::embedder();
    let batched = embedder.embed(&texts).await.unwrap();
    assert_eq!(batched.len(), texts.len());
    for (text, v) in texts.iter().zip(&batched) {
        let single = embedder.embed(std::slice::from_ref(text)).await.unwrap();
        common::assert_close(v, &single[0], text);
    }
    // Concurrent callers (coalesced by the worker) get their own vectors, in order.
    let calls = texts.iter().map(|t| {
        let embedder = embedder.clone();
        let t = vec![t.clone(), "I am fine".to_owned()];
        tokio::spawn(async move { embedder.embed(&t).await })
    });
    let fine = embedder.embed(&strings(&["I am fine"])).await.unwrap();
    for (call, v) in futures_join(calls.collect()).await.iter().zip(&batched) {
        let got = call.as_ref().unwrap();
        assert_eq!(got.len(), 2);
        common::assert_close(&got[0], v, "concurrent call");
        common::assert_close(&got[1], &fine[0], "concurrent call, second text");
    }
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn empty_input_gives_no_vectors_and_an_empty_text_gives_one() {
    let embedder = common::embedder();
    assert!(embedder.embed(&[]).await.unwrap().is_empty());
    let v = embedder.embed(&strings(&["", "   "])).await.unwrap();
    assert_eq!(v.len(), 2);
    for x in &v {
        assert_eq!(x.len(), 384);
        assert!(x.iter().all(|f| f.is_finite()));
    }
}

#[tokio::test]
async fn long_input_is_truncated_to_the_token_limit() {
    // "word" is one token: 300 of them exceed the limit, so whatever follows
    // is cut off and cannot change the vector.
    let head = "word ".repeat(300);
    let a = format!("{head} I love my cat and we play all day.");
    let b = format!("{head} Exams terrify me and I cannot sleep at all.");
    let short_a = format!("{} I love my cat.", "word ".repeat(20));
    let short_b = format!("{} Exams terrify me.", "word ".repeat(20));
    let v = common::embedder()
        .embed(&[a, b, short_a, short_b])
        .await
        .unwrap();
    common::assert_close(&v[0], &v[1], "tails past the limit");
    // Within the limit the tail does matter.
    assert!(cosine(&v[2], &v[3]) < 0.99);
    assert_eq!(MAX_TOKENS, 256);

    // A very long message (a pasted diary page) still embeds.
    let page = "I keep replaying the argument in my head. ".repeat(400);
    let v = common::embedder().embed(&[page]).await.unwrap();
    assert_eq!(v[0].len(), 384);
}

#[test]
fn a_missing_model_is_a_typed_error_that_says_what_to_run() {
    let err = LocalEmbedder::load(Path::new("/nonexistent/all-MiniLM-L6-v2")).unwrap_err();
    assert!(matches!(err, LoadError::Missing(_)), "{err:?}");
    assert!(err.to_string().contains("run scripts/models.sh"), "{err}");

    // A folder with a config but no tokenizer or weights.
    let dir = std::env::temp_dir().join(format!("rebloom-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = r#"{"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
        "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0}"#;
    std::fs::write(dir.join("config.json"), config).unwrap();
    let err = LocalEmbedder::load(&dir).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        matches!(&err, LoadError::Missing(p) if p.ends_with("tokenizer.json")),
        "{err:?}"
    );
}
