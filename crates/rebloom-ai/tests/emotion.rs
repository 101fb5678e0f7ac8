//! Emotion and sentiment without a local model: the lexicon alone on the
//! labelled evaluation set, negation, languages, and the classifier's use of
//! an embeddings endpoint (a real local server speaking OpenAI's format):
//! examples embedded once, and the lexicon answering when the endpoint fails.
//! The evaluation with the real all-MiniLM-L6-v2 model is in rebloom-local.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::sync::Arc;

use rebloom_ai::embed::{Embedder, OpenAiEmbedder, OpenAiEmbedderConfig};
use rebloom_ai::emotion::{
    Analysis, EMOTIONS, EmotionClassifier, LabelledMessage, analyze_lexicon,
};
use serde::Deserialize;
use support::embeddings::{DIMS, embedding_server};
use support::refusing_address;

#[derive(Deserialize)]
struct EvalFile {
    cases: Vec<LabelledMessage>,
}

fn eval_set() -> Vec<LabelledMessage> {
    let file: EvalFile = serde_json::from_str(include_str!("../data/emotion_eval.json")).unwrap();
    file.cases
}

#[tokio::test]
async fn lexicon_only_accuracy_on_the_evaluation_set() {
    let cases = eval_set();
    for c in &cases {
        assert!(
            c.emotion == "neutral" || EMOTIONS.contains(&c.emotion.as_str()),
            "{}",
            c.emotion
        );
    }
    let eval = EmotionClassifier::new(None).evaluate(&cases).await;
    println!("lexicon only, {} messages:\n{eval}", cases.len());
    for m in &eval.misses {
        println!("  miss: {:>10} -> {:<10} {}", m.label, m.got, m.text);
    }
    // Measured: top-1 69.8% (127/182), sentiment sign 73.6% (134/182).
    assert!(eval.all.top1_accuracy() >= 0.65, "{eval}");
    assert!(eval.all.sign_accuracy() >= 0.70, "{eval}");
}

fn tags(a: &Analysis) -> Vec<&str> {
    a.emotions.iter().map(|(e, _)| e.as_str()).collect()
}

#[test]
fn lexicon_reads_emotions_negation_and_sentiment() {
    let a = analyze_lexicon("I'm so anxious and I can't sleep", "en");
    assert_eq!(a.top(), Some("anxiety"));
    assert!(a.sentiment < -0.3, "{a:?}");

    // "not happy" is no joy, and leans sad.
    let a = analyze_lexicon("I'm not happy at all", "en");
    assert_eq!(tags(&a), vec!["sadness"]);
    assert!(a.sentiment < 0.0);
    // A break word ends the negation's reach.
    let a = analyze_lexicon("I wasn't sure, but now I'm happy", "en");
    assert_eq!(a.top(), Some("joy"));
    assert!(a.sentiment > 0.5);

    // Mixed feelings: both tags, sentiment between.
    let a = analyze_lexicon("I'm proud of myself but so tired", "en");
    assert_eq!(tags(&a), vec!["tiredness", "joy"]);
    assert!(a.sentiment > -0.4 && a.sentiment < 0.9, "{a:?}");

    // Nothing emotional: no tags, sentiment 0.
    let a = analyze_lexicon("The bus leaves at nine", "en");
    assert_eq!(a, Analysis::default());
    assert_eq!(analyze_lexicon("", "en"), Analysis::default());
}

#[test]
fn lexicon_covers_spanish_french_and_german() {
    let cases = [
        ("Estoy muy triste", "es-ES", "sadness"),
        ("No estoy feliz", "es", "sadness"),
        ("Je suis tellement angoissée", "fr", "anxiety"),
        ("Je ne suis pas heureux", "fr-CA", "sadness"),
        ("Ich bin so dankbar", "de", "gratitude"),
        ("Ich bin nicht glücklich", "de-AT", "sadness"),
        // English words are understood whatever the language setting.
        ("Je suis so lonely", "fr", "loneliness"),
    ];
    for (text, lang, want) in cases {
        let a = analyze_lexicon(text, lang);
        assert_eq!(a.top(), Some(want), "{text} ({lang}): {a:?}");
    }
}

#[tokio::test]
async fn examples_are_embedded_once_and_reused() {
    let server = embedding_server().await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        batch_size: 1000,
        ..OpenAiEmbedderConfig::new(format!("{}/v1", server.url()), "m", DIMS)
    })
    .unwrap();
    let classifier = EmotionClassifier::new(Some(Arc::new(embedder) as Arc<dyn Embedder>));
    assert_eq!(classifier.method(), "openai-embeddings");

    let first = classifier.analyze("I feel so alone", "en").await;
    // One request for all the examples, one for the message.
    assert_eq!(server.request_count(), 2);
    let examples = server.requests()[0].json()["input"]
        .as_array()
        .unwrap()
        .len();
    assert!(examples >= 14 * 16, "{examples} examples");
    let second = classifier.analyze("I feel so alone", "en").await;
    assert_eq!(server.request_count(), 3);
    assert_eq!(first, second);
    // Scores are shares: within (0, 1], strongest first, the lexicon's word counted.
    assert!(first.emotions.iter().any(|(e, _)| e == "loneliness"));
    for w in first.emotions.windows(2) {
        assert!(w[0].1 >= w[1].1);
    }
    assert!(first.emotions.iter().all(|(_, s)| *s > 0.0 && *s <= 1.0));
    assert!((-1.0..=1.0).contains(&first.sentiment));

    // An empty message needs no embedding.
    assert_eq!(classifier.analyze("  ", "en").await, Analysis::default());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn a_failing_embedder_leaves_the_lexicon_to_answer() {
    let refused = refusing_address().await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig::new(
        format!("http://{refused}/v1"),
        "m",
        8,
    ))
    .unwrap();
    let classifier = EmotionClassifier::new(Some(Arc::new(embedder) as Arc<dyn Embedder>));
    for (text, lang) in [
        ("I'm furious with my landlord", "en"),
        ("Estoy agotada", "es"),
        ("Nothing much to say", "en"),
    ] {
        assert_eq!(
            classifier.analyze(text, lang).await,
            analyze_lexicon(text, lang),
            "{text}"
        );
    }
}
