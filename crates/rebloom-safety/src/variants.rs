//! Spelling variants of a message that a person, or someone testing the
//! filter, might write: the same words with leetspeak, invisible characters,
//! fullwidth or look-alike letters, stretched letters or SMS spellings. Used by
//! `rebloom eval safety` (figures per variant) and the property tests (every
//! variant assesses as the plain message does).

/// The kinds of variant, in the order `rebloom eval safety` reports them.
pub const KINDS: [&str; 7] = [
    "plain",
    "leet",
    "zero_width",
    "fullwidth",
    "confusable",
    "stretched",
    "sms",
];

/// The variant `kind` of `text` (`text` itself for "plain" or an unknown kind).
/// Deterministic: `salt` picks which letters change.
pub fn variant(kind: &str, text: &str, salt: u64) -> String {
    match kind {
        "leet" => map_letters(text, salt, |c| match c {
            'a' => Some('4'),
            'e' => Some('3'),
            'i' => Some('1'),
            'o' => Some('0'),
            's' => Some('5'),
            't' => Some('7'),
            _ => None,
        }),
        "zero_width" => {
            let mut out = String::with_capacity(text.len() * 2);
            for (i, c) in text.chars().enumerate() {
                out.push(c);
                if c.is_alphabetic() && (i as u64 + salt).is_multiple_of(2) {
                    out.push(['\u{200B}', '\u{00AD}', '\u{200D}', '\u{2060}'][i % 4]);
                }
            }
            out
        }
        "fullwidth" => text
            .chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
                ' ' => '\u{3000}',
                c => c,
            })
            .collect(),
        "confusable" => map_letters(text, salt, |c| match c {
            'a' => Some('а'),
            'e' => Some('е'),
            'o' => Some('о'),
            'p' => Some('р'),
            'c' => Some('с'),
            'i' => Some('і'),
            _ => None,
        }),
        "stretched" => {
            // One letter of each long word, not part of a double, said three times.
            let mut out = String::with_capacity(text.len() + 16);
            for word in text.split(' ') {
                if !out.is_empty() {
                    out.push(' ');
                }
                let chars: Vec<char> = word.chars().collect();
                let pick = (0..chars.len()).rev().find(|&i| {
                    chars[i].is_alphabetic()
                        && chars.len() >= 4
                        && (i == 0 || chars[i - 1] != chars[i])
                        && chars.get(i + 1) != Some(&chars[i])
                });
                for (i, c) in chars.iter().enumerate() {
                    out.push(*c);
                    if Some(i) == pick {
                        out.push(*c);
                        out.push(*c);
                    }
                }
            }
            out
        }
        "sms" => text
            .split(' ')
            .map(|w| match w.to_lowercase().as_str() {
                "you" => "u".to_owned(),
                "your" => "ur".to_owned(),
                "are" => "r".to_owned(),
                "please" => "pls".to_owned(),
                "because" => "cuz".to_owned(),
                "people" => "ppl".to_owned(),
                "tonight" => "2nite".to_owned(),
                "tomorrow" => "tmrw".to_owned(),
                _ => w.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => text.to_owned(),
    }
}

/// Replaces about half of the letters that `map` knows, inside words of Latin
/// letters only (a variant of a word in another script is not a spelling a
/// person would use).
fn map_letters(text: &str, salt: u64, map: impl Fn(char) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut n = salt;
    for word in text.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        let latin = word.chars().all(|c| c.is_ascii() || !c.is_alphabetic());
        let letters = word.chars().filter(char::is_ascii_alphabetic).count();
        for c in word.chars() {
            match map(c) {
                // Inside a word of at least three letters, so the word still
                // has letters around the changed one.
                Some(m) if latin && letters >= 3 && n.is_multiple_of(2) => out.push(m),
                _ => out.push(c),
            }
            if map(c).is_some() {
                n += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn every_variant_normalizes_to_the_plain_text() {
        let text = "i want to kill myself because nobody cares about me tonight";
        for (i, kind) in KINDS.iter().enumerate() {
            let v = variant(kind, text, i as u64);
            if *kind != "plain" {
                assert_ne!(v, text, "{kind}");
            }
            assert_eq!(normalize(&v), normalize(text), "{kind}: {v}");
        }
    }
}
