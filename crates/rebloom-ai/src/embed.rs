//! Sentence embeddings: the [`Embedder`] trait.

use async_trait::async_trait;

use crate::ProviderError;

#[async_trait]
pub trait Embedder: Send + Sync + 'static {
    fn name(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// One L2-normalised vector per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError>;
}

/// Cosine similarity (the dot product of normalised vectors).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}
