//! Plain answers: a whole message that says yes (or not quite no), or no
//! and nothing more, in the reply languages, on normalised text.

/// Answers that say yes, or not quite no, on normalised text (lower case,
/// accents folded, apostrophes dropped, punctuation ignored).
const AFFIRMATIONS: &[&str] = &[
    "yes",
    "yeah",
    "yea",
    "yep",
    "yup",
    "ya",
    "y",
    "kind of",
    "kinda",
    "sort of",
    "sorta",
    "maybe",
    "a bit",
    "a little",
    "sometimes",
    "i guess",
    "i think so",
    "i am",
    "i do",
    "yes i am",
    "yes i do",
    "honestly yes",
    "si",
    "claro",
    "a veces",
    "un poco",
    "tal vez",
    "quizas",
    "creo que si",
    "si estoy",
    "oui",
    "ouais",
    "un peu",
    "parfois",
    "peut etre",
    "je crois",
    "je pense que oui",
    "ja",
    "jein",
    "manchmal",
    "ein bisschen",
    "vielleicht",
    "ich glaube schon",
    "sim",
    "um pouco",
    "as vezes",
    "talvez",
    "acho que sim",
    "un po",
    "a volte",
    "forse",
    "credo di si",
    "soms",
    "een beetje",
    "misschien",
    "ik denk het wel",
    "haan",
    "haa",
    "han ji",
    "haan ji",
    "shayad",
    "kabhi kabhi",
    "हाँ",
    "हां",
    "हा",
    "शायद",
    "نعم",
    "أجل",
    "ايوه",
    "ربما",
    "أحيانا",
];

/// Whether the whole of `normalized` (a message, [`normalize`]d) is a plain
/// yes ("yes", "sim", "kind of", "نعم").
///
/// [`normalize`]: crate::normalize::normalize
pub(crate) fn plain_yes(normalized: &str) -> bool {
    AFFIRMATIONS.contains(&words(normalized).as_str())
}

/// Answers that say no and nothing more, on normalised text.
const NEGATIVES: &[&str] = &[
    "no",
    "nope",
    "nah",
    "no no",
    "not at all",
    "no im not",
    "no i am not",
    "no i dont",
    "im not",
    "no para nada",
    "para nada",
    "no estoy",
    "non",
    "non pas du tout",
    "pas du tout",
    "nein",
    "nee",
    "nein gar nicht",
    "gar nicht",
    "nao",
    "de jeito nenhum",
    "per niente",
    "no per niente",
    "helemaal niet",
    "nahi",
    "nahin",
    "nai",
    "bilkul nahi",
    "नहीं",
    "नही",
    "لا",
    "لأ",
    "ابدا",
];

/// Whether the whole of `normalized` (a message, [`normalize`]d) is a plain
/// no ("no", "nope", "nein", "não", "لا").
///
/// [`normalize`]: crate::normalize::normalize
pub(crate) fn plain_no(normalized: &str) -> bool {
    NEGATIVES.contains(&words(normalized).as_str())
}

/// The words of normalised text, joined by single spaces.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
