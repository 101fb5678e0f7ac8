//! Token pieces are bytes, and one character may be split across two or more
//! tokens (emoji, accented letters in byte-level BPE). [`Utf8Stream`] holds an
//! incomplete character back until the rest of it arrives.

#[derive(Debug, Default)]
pub(crate) struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    /// Adds a token's bytes; returns the text that is complete so far (maybe empty).
    /// Bytes that can never be valid UTF-8 come out as U+FFFD.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(text) => {
                    out.push_str(text);
                    self.pending.clear();
                    return out;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    out.push_str(&String::from_utf8_lossy(&self.pending[..valid]));
                    match e.error_len() {
                        // An incomplete character at the end: wait for more.
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                        // Invalid bytes: replace them and go on.
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            self.pending.drain(..valid + bad);
                        }
                    }
                }
            }
        }
    }

    /// Whatever is left at the end (an incomplete character becomes U+FFFD).
    pub(crate) fn finish(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_text_passes_through() {
        let mut s = Utf8Stream::default();
        assert_eq!(s.push(b"hello "), "hello ");
        assert_eq!(s.push("wörld".as_bytes()), "wörld");
        assert_eq!(s.finish(), "");
    }

    #[test]
    fn a_character_split_across_tokens_comes_out_whole() {
        let heart = "💚".as_bytes(); // 4 bytes
        let mut s = Utf8Stream::default();
        assert_eq!(s.push(b"ok "), "ok ");
        assert_eq!(s.push(&heart[..1]), "");
        assert_eq!(s.push(&heart[1..3]), "");
        let mut tail = heart[3..].to_vec();
        tail.extend_from_slice("é".as_bytes());
        tail.push(0xC3); // first half of another é
        assert_eq!(s.push(&tail), "💚é");
        assert_eq!(s.push(&[0xA9, b'!']), "é!");
        assert_eq!(s.finish(), "");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut s = Utf8Stream::default();
        assert_eq!(s.push(&[b'a', 0xFF, b'b']), "a\u{FFFD}b");
        assert_eq!(s.push(&[0xE2, 0x82]), "");
        assert_eq!(s.finish(), "\u{FFFD}");
    }
}
