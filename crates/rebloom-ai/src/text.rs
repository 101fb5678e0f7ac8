//! Text helpers shared by the guided engine and the emotion lexicon:
//! normalisation, phrase matching, numbers, sentences and the deterministic
//! hash behind every choice the engine makes.

/// Lower-cases, folds accents, drops apostrophes and turns all other
/// punctuation into single spaces. The result starts and ends with a space,
/// so whole words and phrases are found with `" word "`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut last_space = true;
    for c in text.chars() {
        if matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ' | '´') {
            continue;
        }
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                out.push(fold(l));
            }
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if !last_space {
        out.push(' ');
    }
    out
}

fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        // People often type "manana" for "mañana", and the word lists do.
        'ñ' => 'n',
        other => other,
    }
}

/// The words of a normalised text.
pub fn words(norm: &str) -> Vec<&str> {
    norm.split_whitespace().collect()
}

/// A compiled list of phrases. A phrase ending in `*` matches any word that
/// starts with it (`overwhelm*` finds "overwhelmed" and "overwhelming").
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// One per pattern, so match indices are pattern indices; `None` for a
    /// pattern that is empty once normalised (it never matches).
    needles: Vec<Option<String>>,
}

impl Matcher {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Matcher {
        let needles = patterns
            .iter()
            .map(|p| {
                let p = p.as_ref().trim();
                let (core, prefix) = match p.strip_suffix('*') {
                    Some(core) => (core, true),
                    None => (p, false),
                };
                let core = normalize(core);
                let core = core.trim();
                if core.is_empty() {
                    return None;
                }
                Some(if prefix {
                    format!(" {core}")
                } else {
                    format!(" {core} ")
                })
            })
            .collect();
        Matcher { needles }
    }

    /// Every match as (byte position of its first word, pattern index),
    /// in order of position.
    pub fn find_all(&self, norm: &str) -> Vec<(usize, usize)> {
        let mut hits: Vec<(usize, usize)> = self
            .needles
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_deref().map(|n| (i, n)))
            .flat_map(|(i, n)| norm.match_indices(n).map(move |(p, _)| (p + 1, i)))
            .collect();
        hits.sort_unstable();
        hits
    }

    pub fn is_match(&self, norm: &str) -> bool {
        self.needles
            .iter()
            .flatten()
            .any(|n| norm.contains(n.as_str()))
    }

    /// Whether any phrase of two words or more appears in the text.
    pub fn has_phrase(&self, norm: &str) -> bool {
        self.needles
            .iter()
            .flatten()
            .filter(|n| n.trim().contains(' '))
            .any(|n| norm.contains(n.as_str()))
    }

    /// Whether the whole normalised text is exactly one of the phrases.
    pub fn is_exact(&self, norm: &str) -> bool {
        let whole = format!(" {} ", norm.trim());
        self.needles.iter().flatten().any(|n| *n == whole)
    }

    /// Whether a single word is one of the phrases.
    pub fn has_word(&self, word: &str) -> bool {
        !word.is_empty() && self.is_exact(word)
    }
}

/// The first number in `text` that fits a 0..=`max` scale. "8/10" and
/// "8 out of 10" count as 80 on a scale of 100.
pub fn parse_rating(text: &str, max: u32) -> Option<u32> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start > 3 {
            continue;
        }
        let Ok(mut n) = text[start..i].parse::<u32>() else {
            continue;
        };
        let rest = normalize(&text[i..]);
        let out_of_ten = rest.starts_with(" 10 ") || rest.starts_with(" out of 10 ");
        if out_of_ten && text[i..].trim_start().starts_with(['/', 'o', 'O']) && max == 100 {
            n *= 10;
        }
        if n <= max {
            return Some(n);
        }
    }
    None
}

/// Cuts a reply into pieces to stream: each sentence, with the whitespace
/// after it. Joined back together, the pieces give the reply unchanged.
pub fn stream_pieces(text: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if matches!(c, '.' | '?' | '!' | '…' | '\n') {
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j].1, '"' | '”' | '’' | ')' | '»') {
                j += 1;
            }
            if c == '\n' || (j < chars.len() && chars[j].1.is_whitespace()) {
                while j < chars.len() && chars[j].1.is_whitespace() {
                    j += 1;
                }
                let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
                if end > start {
                    pieces.push(text[start..end].to_string());
                }
                start = end;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < text.len() {
        pieces.push(text[start..].to_string());
    }
    pieces
}

/// The sentences of a person's message, trimmed, without their final stop.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split(['.', '!', '?', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Collapses whitespace, drops trailing punctuation and cuts to at most
/// `max` characters at a word boundary.
pub fn clip(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = collapsed.trim_end_matches(['.', ',', ';', ':', '!', ' ']);
    if trimmed.chars().count() <= max {
        return trimmed.to_string();
    }
    let mut out = String::new();
    for word in trimmed.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

/// FNV-1a over the parts: stable across platforms and releases, so the same
/// conversation always gets the same replies.
pub fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_matches() {
        assert_eq!(normalize("I can't   SLEEP!"), " i cant sleep ");
        assert_eq!(normalize("Estoy agobiado, ¿sí?"), " estoy agobiado si ");
        let m = Matcher::new(&["overwhelm*", "cant sleep", "sad"]);
        let n = normalize("So overwhelmed and I can't sleep. Sadly.");
        assert_eq!(m.find_all(&n).len(), 2);
        assert!(m.is_exact(" sad "));
        assert!(!m.is_match(" saddle "));
    }

    #[test]
    fn ratings() {
        assert_eq!(parse_rating("about 80%", 100), Some(80));
        assert_eq!(parse_rating("8/10", 100), Some(80));
        assert_eq!(parse_rating("8 out of 10", 100), Some(80));
        assert_eq!(parse_rating("in 2023 it was 40", 100), Some(40));
        assert_eq!(parse_rating("7/10", 10), Some(7));
        assert_eq!(parse_rating("none", 100), None);
    }

    #[test]
    fn pieces_rejoin() {
        let text = "One. Two? \"Three.\" Four\n\nFive… six";
        let pieces = stream_pieces(text);
        assert_eq!(pieces.concat(), text);
        assert_eq!(pieces.len(), 6);
        assert_eq!(clip("  a long   thought here.  ", 9), "a long…");
    }
}
