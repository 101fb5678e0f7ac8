//! Sentence embeddings: the [`Embedder`] trait, [`cosine`] similarity, and
//! (with the `remote` feature) an OpenAI-compatible embeddings client
//! ([`OpenAiEmbedder`]). The on-device all-MiniLM-L6-v2 embedder lives in
//! `rebloom-local` behind the same trait.

#[cfg(feature = "remote")]
mod openai;

use async_trait::async_trait;

use crate::ProviderError;
#[cfg(feature = "remote")]
pub use openai::{OpenAiEmbedder, OpenAiEmbedderConfig};

/// Turns texts into vectors whose cosine similarity reflects their meaning.
/// Implementations must not log the texts.
#[async_trait]
pub trait Embedder: Send + Sync + 'static {
    /// Short name for logs and metrics.
    fn name(&self) -> &str;
    /// Length of every vector [`Embedder::embed`] returns.
    fn dimensions(&self) -> usize;
    /// One L2-normalised vector per text, in the order of `texts`. An empty
    /// slice gives an empty result without any work.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError>;
}

/// Cosine similarity in [-1, 1]. Vectors of different lengths, and zero
/// vectors, have no direction to compare: they score 0.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    (dot / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0)
}

/// Scales `v` to unit length in place (a zero vector stays zero).
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn cosine_of_known_vectors() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 2.0]).abs() < 1e-6);
        assert!((cosine(&[1.0, 1.0], &[-2.0, -2.0]) + 1.0).abs() < 1e-6);
        assert!((cosine(&[3.0, 4.0], &[4.0, 3.0]) - 0.96).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
    }

    #[test]
    fn normalising_gives_unit_length() {
        let mut v = vec![3.0, 4.0];
        l2_normalize(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut zero = vec![0.0, 0.0];
        l2_normalize(&mut zero);
        assert_eq!(zero, vec![0.0, 0.0]);
    }
}
