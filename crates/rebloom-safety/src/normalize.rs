//! What a message says, apart from how it is spelled. Runs before anything
//! else reads a message (rules, the encoder):
//!
//! 1. Unicode NFKC: fullwidth letters, mathematical alphanumerics, ligatures
//!    and compatibility forms become the plain letters.
//! 2. Invisible characters removed: zero-width spaces and joiners, soft
//!    hyphens, bidirectional marks and isolates, variation selectors, tags;
//!    and combining marks left over after composition (stacked "zalgo" marks).
//! 3. Confusables folded: a Cyrillic or Greek letter that looks Latin, inside a
//!    word that also has Latin letters ("kіll" with a Cyrillic і), becomes the
//!    Latin letter. Words wholly in another script are left alone.
//! 4. Leetspeak folded in words that mix letters with digits or symbols
//!    ("k1ll", "d13", "$uicide"); plain numbers, times and doses ("10mg",
//!    "5pm", "2nd") are left as they are.
//! 5. A letter repeated three times or more becomes one ("diiiiie" → "die").
//! 6. Common SMS spellings written out ("u" → "you", "rn" → "right now").
//!
//! [`clean`] gives that text with its case and accents, for the encoder;
//! [`normalize`] also lower-cases, folds accents and drops apostrophes, for
//! the rules.

use unicode_normalization::UnicodeNormalization;

/// The message as the encoder reads it: steps 1-6, case and accents kept.
pub fn clean(text: &str) -> String {
    words(&compose(text))
}

/// The message as the rules read it: steps 1-6 on the lower-cased text with
/// the accents of Latin letters folded (`é` → `e`, `ß` → `ss`) and
/// apostrophes dropped (`don't` → `dont`). Normalising twice changes nothing.
pub fn normalize(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    // Lower-casing can leave a combining mark ("İ" is "i" and a dot above).
    // Apostrophes go before the last composition, so marks they separated
    // are put in canonical order there.
    for c in compose(text)
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`' | '´' | 'ʼ'))
        .nfkc()
        .filter(|c| !invisible(*c))
    {
        match fold_accent(c) {
            Some(f) => folded.push_str(f),
            None => folded.push(c),
        }
    }
    words(&folded).to_lowercase()
}

/// Steps 1 and 2: NFKC without invisible characters.
fn compose(text: &str) -> String {
    text.chars()
        // The acute accent used as an apostrophe ("don´t") would decompose to
        // a space and a combining mark: it is an apostrophe.
        .map(|c| if c == '´' { '\'' } else { c })
        // Format characters first, so marks they separated compose in order.
        .filter(|c| !format_char(*c))
        .nfkc()
        .filter(|c| !invisible(*c))
        .collect()
}

/// Steps 3-6, word by word, with one space between words.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() {
            flush_word(&mut word, &mut out);
        } else {
            word.push(c);
        }
    }
    flush_word(&mut word, &mut out);
    out
}

/// Characters that change nothing a reader sees: format characters
/// (zero-width, soft hyphen, bidi controls), variation selectors, tags, and
/// combining marks that did not compose with a letter.
fn invisible(c: char) -> bool {
    format_char(c) || stray_mark(c)
}

/// Format characters: zero-width, soft hyphen, bidi controls, variation selectors, tags.
fn format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Combining marks of the Latin, Greek and Cyrillic blocks left after NFKC.
fn stray_mark(c: char) -> bool {
    matches!(c,
        // Combining marks of the Latin, Greek and Cyrillic blocks: NFKC has
        // already composed every accent that has a precomposed letter.
        | '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// A Cyrillic or Greek letter that looks like a Latin one.
fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'А' | 'Α' => 'A',
        'в' | 'В' | 'Β' | 'β' => 'B',
        'с' | 'ϲ' => 'c',
        'С' | 'Ϲ' => 'C',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'Е' | 'Ε' => 'E',
        'һ' => 'h',
        'Н' | 'Η' => 'H',
        'і' | 'ι' => 'i',
        'І' | 'Ι' => 'I',
        'ј' | 'ϳ' => 'j',
        'Ј' => 'J',
        'к' | 'κ' => 'k',
        'К' | 'Κ' => 'K',
        'ӏ' => 'l',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'ν' => 'v',
        'о' | 'ο' => 'o',
        'О' | 'Ο' => 'O',
        'р' | 'ρ' => 'p',
        'Р' | 'Ρ' => 'P',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'т' | 'τ' => 't',
        'Т' | 'Τ' => 'T',
        'υ' => 'u',
        'у' => 'y',
        'У' | 'Υ' => 'Y',
        'х' | 'χ' => 'x',
        'Х' | 'Χ' => 'X',
        'Ζ' => 'Z',
        _ => return None,
    })
}

/// Leetspeak: the letter a digit or symbol stands for inside a word.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        _ => return None,
    })
}

/// SMS spellings, as whole words (lower case), and what they stand for.
const SMS: &[(&str, &str)] = &[
    ("u", "you"),
    ("yu", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("pls", "please"),
    ("plz", "please"),
    ("cuz", "because"),
    ("coz", "because"),
    ("bc", "because"),
    ("b4", "before"),
    ("wanna", "want to"),
    ("gonna", "going to"),
    ("gotta", "got to"),
    ("dunno", "dont know"),
    ("idk", "i dont know"),
    ("idc", "i dont care"),
    ("rn", "right now"),
    ("tmrw", "tomorrow"),
    ("tmr", "tomorrow"),
    ("2moro", "tomorrow"),
    ("2morrow", "tomorrow"),
    ("2nite", "tonight"),
    ("2night", "tonight"),
    ("tonite", "tonight"),
    ("ppl", "people"),
    ("abt", "about"),
    ("smth", "something"),
    ("sth", "something"),
    ("nvm", "never mind"),
    ("ded", "dead"),
    ("luv", "love"),
    ("thx", "thanks"),
    ("bcuz", "because"),
    ("wut", "what"),
    ("w/", "with"),
    ("w/o", "without"),
    ("kms", "kill myself"),
    ("kys", "kill yourself"),
];

/// Folds one word (no whitespace) and appends it to `out`.
fn flush_word(word: &mut String, out: &mut String) {
    if word.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    // 4. Leetspeak in words that mix letters and digits or symbols.
    let mut w = fold_leet(word);
    // 3. Confusables, only in words that are partly Latin already.
    if w.chars().any(|c| c.is_ascii_alphabetic()) {
        w = w
            .chars()
            .map(|c| {
                confusable(c)
                    .or_else(|| c.to_lowercase().next().and_then(confusable))
                    .unwrap_or(c)
            })
            .collect();
    }
    // 5. Runs of three or more of one letter.
    w = squeeze_runs(&w);
    // 6. SMS spellings, keeping the punctuation around the word.
    let start = w
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric() || *c == '/')
        .map_or(w.len(), |(i, _)| i);
    let end = w
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric() || *c == '/')
        .map_or(start, |(i, c)| i + c.len_utf8());
    let core = &w[start..end];
    let lower = core.to_lowercase();
    match SMS.iter().find(|(k, _)| *k == lower) {
        Some((_, full)) if !core.is_empty() => {
            out.push_str(&w[..start]);
            out.push_str(full);
            out.push_str(&w[end..]);
        }
        _ => out.push_str(&w),
    }
    word.clear();
}

/// Leetspeak: in a word with a letter, digits and symbols that stand for
/// letters become them, unless the word is a number with a unit or ordinal
/// ("10mg", "5pm", "2nd", "3x") or a time ("10:30").
fn fold_leet(word: &str) -> String {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 || !word.chars().any(|c| leet(c).is_some()) {
        return word.to_owned();
    }
    // Strip surrounding punctuation that is not itself leet ("!" at the end of
    // a sentence is punctuation, not an i).
    let trimmed_end = word.trim_end_matches(['!', '.', ',', '?', ';', ':', ')', '"']);
    let tail = &word[trimmed_end.len()..];
    let body = trimmed_end;
    let first_alpha = body.find(|c: char| c.is_alphabetic()).unwrap_or(0);
    let leading_digits = body[..first_alpha].chars().all(|c| c.is_ascii_digit());
    if leading_digits
        && first_alpha > 0
        && unit(&body[..first_alpha], &body[first_alpha..].to_lowercase())
    {
        // "10mg", "5pm", "2nd", "3x": a number with a unit.
        return word.to_owned();
    }
    if body.starts_with('@') && body.len() > 1 && !body[1..].contains(|c: char| leet(c).is_some()) {
        // "@sam": a handle.
        return word.to_owned();
    }
    let mut out: String = body.chars().map(|c| leet(c).unwrap_or(c)).collect();
    out.push_str(tail);
    out
}

/// Whether `suffix` after the digits `number` is a unit or an ordinal.
fn unit(number: &str, suffix: &str) -> bool {
    const UNITS: &[&str] = &[
        "mg", "mcg", "g", "kg", "ml", "l", "iu", "am", "pm", "h", "hr", "hrs", "min", "mins", "s",
        "sec", "x", "k", "m", "km", "cm", "mm", "ft", "lb", "lbs", "yo", "y", "yr", "yrs", "d",
        "w", "wk", "wks", "mo", "gb", "mb", "kb", "p", "hz",
    ];
    let ordinal = match number.chars().last() {
        Some('1') if !number.ends_with("11") => "st",
        Some('2') if !number.ends_with("12") => "nd",
        Some('3') if !number.ends_with("13") => "rd",
        _ => "th",
    };
    suffix == ordinal || UNITS.contains(&suffix)
}

/// A letter repeated three times or more (in any case) becomes one.
fn squeeze_runs(word: &str) -> String {
    let same = |a: char, b: char| a == b || a.to_lowercase().eq(b.to_lowercase());
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i + 1;
        while j < chars.len() && same(chars[j], c) {
            j += 1;
        }
        let run = j - i;
        if run >= 3 && c.is_alphabetic() {
            out.push(c);
        } else {
            out.extend(&chars[i..j]);
        }
        i = j;
    }
    out
}

/// Folds the diacritics of Latin letters (`é` → `e`, `ß` → `ss`) so one
/// pattern covers accented and unaccented spellings.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'œ' => "oe",
        'æ' => "ae",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_fold_to_the_plain_message() {
        let plain = normalize("I want to kill myself");
        for v in [
            "I want to k1ll mys3lf",
            "I want to kіll myself", // Cyrillic і
            "Ｉ ｗａｎｔ ｔｏ ｋｉｌｌ ｍｙｓｅｌｆ",
            "I want to ki\u{200B}ll my\u{00AD}self",
            "I\u{202E} want to kill myself",
            "I want to kiiiill myself",
            "𝐈 𝐰𝐚𝐧𝐭 𝐭𝐨 𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟",
            "I want to k̷i̷l̷l̷ myself",
        ] {
            assert_eq!(normalize(v), plain, "{v:?}");
        }
        assert_eq!(normalize("i wanna die rn"), "i want to die right now");
        assert_eq!(normalize("u dont care"), "you dont care");
    }

    #[test]
    fn numbers_doses_and_other_scripts_are_left_alone() {
        assert_eq!(
            normalize("I took 2 of the 10mg at 5pm"),
            "i took 2 of the 10mg at 5pm"
        );
        assert_eq!(normalize("see you at 10:30!"), "see you at 10:30!");
        assert_eq!(normalize("я хочу умереть"), "я хочу умереть");
        assert_eq!(normalize("أريد أن أموت"), "أريد أن أموت");
        assert_eq!(normalize("Don't"), "dont");
        assert_eq!(clean("Mañana  no  sé"), "Mañana no sé");
        assert_eq!(normalize("a ' b"), "a b");
        assert_eq!(normalize("hello!!!"), "hello!!!");
    }
}
