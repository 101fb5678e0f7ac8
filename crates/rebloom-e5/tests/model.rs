//! Against the real model (`scripts/models.sh` unpacks it into ./models).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rebloom_e5::{DIM, E5, Role};

fn model() -> E5 {
    let dir = std::env::var("REBLOOM_MODELS_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"),
        PathBuf::from,
    );
    E5::load(&dir.join("multilingual-e5-small/e5-small-q4.bin"))
        .unwrap_or_else(|e| panic!("{e} (run scripts/models.sh)"))
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn embeddings_are_unit_length_deterministic_and_batch_equals_single() {
    let m = model();
    let texts = ["I want to die", "quiero morirme", "", "मैं ठीक हूँ", "a\0b 🙂"];
    let batch = m.embed_batch(&texts, Role::Query).unwrap();
    for (t, b) in texts.iter().zip(&batch) {
        let one = m.embed(t, Role::Query).unwrap();
        assert_eq!(one.len(), DIM);
        let norm: f32 = one.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{t:?}: norm {norm}");
        assert!(cos(&one, b) > 0.999, "{t:?}: batch differs from single");
        assert_eq!(
            one,
            m.embed(t, Role::Query).unwrap(),
            "{t:?}: not deterministic"
        );
    }
}

#[test]
fn a_translation_is_closer_than_an_unrelated_sentence() {
    let m = model();
    let en = m
        .embed("I don't want to live anymore", Role::Query)
        .unwrap();
    let es = m.embed("ya no quiero vivir", Role::Query).unwrap();
    let other = m
        .embed("the train to Lyon leaves at nine", Role::Query)
        .unwrap();
    assert!(
        cos(&en, &es) > cos(&en, &other) + 0.02,
        "{} vs {}",
        cos(&en, &es),
        cos(&en, &other)
    );
}

#[test]
fn a_very_long_text_is_embedded_in_windows() {
    let m = model();
    let long = "I have been feeling low for weeks. ".repeat(400);
    let v = m.embed(&long, Role::Passage).unwrap();
    assert_eq!(v.len(), DIM);
}
