//! Whether a message asks the companion to tell the person's trusted contact,
//! after it offered to. Deliberately strict: the crisis reply that makes the
//! offer also asks a yes/no question about suicidal thoughts, so a bare "yes"
//! is never taken as consent to contact anyone. The person names the action
//! ("tell Sam", "avísale", "préviens-la", "sag Sam Bescheid", "avise o Sam",
//! "avvisa Sam", "laat Sam het weten", "Sam को बता दो", "أخبر Sam"); any
//! negation in that clause ("don't tell Sam") refuses.

/// Verbs that ask for the contact to be told, in the languages the replies
/// speak; the name or an object pronoun must follow at once.
const ASK: &[&str] = &[
    // en
    "tell",
    "text",
    "message",
    "email",
    "e-mail",
    "contact",
    "notify",
    "call",
    "ring",
    "let",
    // es
    "avisa",
    "contacta",
    "llama",
    "escribe",
    // fr
    "previens",
    "préviens",
    "prevenez",
    "prévenez",
    "ecris",
    "écris",
    "contacte",
    "appelle",
    "avertis",
    // de
    "sag",
    "sage",
    "benachrichtige",
    "schreib",
    "schreibe",
    "kontaktiere",
    "informiere",
    "ruf",
    // pt
    "avise",
    "conte",
    "conta",
    "ligue",
    "liga",
    "contate",
    "contacte",
    "escreva",
    "fale",
    "fala",
    "mande",
    "manda",
    // it
    "avvisa",
    "avverti",
    "chiama",
    "scrivi",
    "contatta",
    "informa",
    // nl ("laat", like "let", needs "weten" after the name)
    "laat",
    "stuur",
    "bel",
    "waarschuw",
    "vertel",
    "app",
    "sms",
    "informeer",
    // ar
    "أخبر",
    "اخبر",
    "أخبري",
    "اخبري",
    "بلغ",
    "بلّغ",
    "أبلغ",
    "ابلغ",
    "كلم",
    "كلّم",
    "راسل",
];

/// Verbs that carry their object already: enough on their own.
const SELF_CONTAINED: &[&str] = &[
    "avisale",
    "avísale",
    "dile",
    "díselo",
    "diselo",
    "escribele",
    "escríbele",
    "llámale",
    "llamale",
    "dis-lui",
    "avvisala",
    "avvisalo",
    "avvisali",
    "chiamala",
    "chiamalo",
    "scrivigli",
    "scrivile",
    "diglielo",
    "أخبره",
    "أخبرها",
    "أخبرهم",
    "اخبره",
    "اخبرها",
    "بلغه",
    "بلغها",
];

/// Hindi puts the verb after its object ("Sam को बता दो", "उन्हें बता दो"):
/// these verbs, after the name and "को" or after an object pronoun.
const HINDI_VERBS: &[&str] = &[
    "बता",
    "बताओ",
    "बताइए",
    "बताइये",
    "बताएँ",
    "बताएं",
    "बतादो",
    "मैसेज",
    "संदेश",
    "फ़ोन",
    "फोन",
    "कॉल",
    "ख़बर",
    "खबर",
    "सूचित",
];

const HINDI_OBJECTS: &[&str] = &["उन्हें", "उसे", "इन्हें", "इसे"];

/// Object pronouns that may follow a verb ("tell them", "préviens-la", "ruf ihn an").
const OBJECTS: &[&str] = &[
    "them", "him", "her", "le", "la", "lui", "ihn", "ihr", "sie", "lo", "gli", "hem", "haar",
];

/// Object pronouns only ever attached to the verb ("avise-o", "avise-a").
const ATTACHED: &[&str] = &["o", "a", "os", "as"];

/// Prepositions and articles before the name ("avisa a Sam", "écris à Sam",
/// "avise o Sam", "ligue para Sam", "vertel het Sam").
const TO: &[&str] = &["a", "à", "to", "ao", "o", "para", "ad", "het"];

/// A speaker talking about themselves ("I'll call a helpline", "should I tell
/// Sam?") is not asking the companion to do anything.
const FIRST_PERSON: &[&str] = &[
    "i",
    "i'll",
    "ill",
    "i'm",
    "im",
    "i'd",
    "id",
    "i've",
    "ive",
    "myself",
    "we",
    "we'll",
    "yo",
    "je",
    "j'",
    "ich",
    "me",
    "moi",
    "mich",
    "mir",
    "eu",
    "vou",
    "io",
    "ik",
    "أنا",
    "मैं",
    "मैंने",
];

/// Negation words in the nine languages, as written and as normalised
/// (accents folded, apostrophes dropped: "não" and "nao", "can't" and "cant").
const NEGATIONS: &[&str] = &[
    "dont",
    "cant",
    "cannot",
    "isnt",
    "wont",
    "havent",
    "hasnt",
    "doesnt",
    "didnt",
    // English contractions after normalisation drops the apostrophe.
    "couldnt",
    "wouldnt",
    "shouldnt",
    "wasnt",
    "werent",
    "arent",
    "hadnt",
    "mustnt",
    "neednt",
    "aint",
    "never",
    "not",
    "no",
    "nor",
    "nunca",
    "nada",
    "ni",
    "ne",
    "pas",
    "jamais",
    "rien",
    "nicht",
    "nichts",
    "kein",
    "keine",
    "nie",
    "não",
    "nao",
    "nem",
    "non",
    "mai",
    "niente",
    "niet",
    "geen",
    "nooit",
    "nahi",
    "nahin",
    "nai",
    "لا",
    "لن",
    "ليس",
    "ما",
    "मत",
    "नहीं",
    "न",
    "ना",
];

/// "But" in each language: what follows is a clause of its own.
const BUT: &[&str] = &[
    " but ",
    " pero ",
    " mais ",
    " aber ",
    " mas ",
    " ma ",
    " maar ",
    " لكن ",
    " لكنْ ",
    " लेकिन ",
    " पर ",
];

/// A clause that is nothing but a refusal ("tell Sam? no").
const BARE_NO: &[&str] = &[
    "no",
    "nope",
    "nah",
    "non",
    "nein",
    "not",
    "yet",
    "não",
    "nao",
    "nee",
    "لا",
    "नहीं",
    "ना",
];

fn words(clause: &str) -> Vec<String> {
    clause
        .split(|c: char| c.is_whitespace() || c == '"')
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `word` (lower case, as written or normalised) negates.
pub(crate) fn negation(word: &str) -> bool {
    NEGATIONS.contains(&word) || word.ends_with("n't")
}

/// True when `text` asks for the trusted contact called `name` to be told.
pub fn accepts_contact_offer(text: &str, name: &str) -> bool {
    let first_name = words(name).first().cloned().unwrap_or_default();
    let lower = text
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '`'], "'");
    if lower.contains("do not") || lower.contains("no need") {
        return false;
    }
    let mut accepted = false;
    for clause in lower
        .split(['.', ',', ';', '!', '?', '\n', '،', '؟', '।'])
        .flat_map(|c| {
            BUT.iter().fold(vec![c], |parts, but| {
                parts.into_iter().flat_map(|p| p.split(but)).collect()
            })
        })
    {
        let w: Vec<String> = words(clause)
            .into_iter()
            .filter(|x| !matches!(x.as_str(), "please" | "pls" | "bitte" | "porfa"))
            .collect();
        if !w.is_empty() && w.iter().all(|x| BARE_NO.contains(&x.as_str())) {
            return false;
        }
        let negated = w.iter().any(|x| negation(x));
        let asks = w.iter().enumerate().any(|(i, word)| {
            if w[..i].iter().any(|x| FIRST_PERSON.contains(&x.as_str())) {
                return false;
            }
            // Arabic joins "and" / "so" to the verb ("وأخبر Sam").
            let word = ["و", "ف"]
                .iter()
                .filter_map(|p| word.strip_prefix(p))
                .find(|rest| ASK.contains(rest) || SELF_CONTAINED.contains(rest))
                .unwrap_or(word);
            if SELF_CONTAINED.contains(&word) {
                return true;
            }
            let next = w.get(i + 1).map(String::as_str).unwrap_or_default();
            let after = w.get(i + 2).map(String::as_str).unwrap_or_default();
            // "Sam को बता दो", "उन्हें बता दो".
            if (word == first_name && next == "को" && HINDI_VERBS.contains(&after))
                || (HINDI_OBJECTS.contains(&word) && HINDI_VERBS.contains(&next))
            {
                return true;
            }
            // "préviens-la", "avísale": the verb with its object attached.
            let (verb, attached) = match word.split_once('-') {
                Some((v, o)) => (v, OBJECTS.contains(&o) || ATTACHED.contains(&o)),
                None => (word, false),
            };
            if !ASK.contains(&verb) {
                return false;
            }
            if attached {
                return true;
            }
            let names_them = next == first_name
                || OBJECTS.contains(&next)
                || (TO.contains(&next) && after == first_name);
            if verb == "let" || verb == "laat" {
                // "let Sam know", "let them know", "laat Sam het weten".
                return names_them
                    && w.iter()
                        .skip(i + 2)
                        .take(3)
                        .any(|x| x == "know" || x == "weten");
            }
            names_them
        });
        if asks && negated {
            return false;
        }
        accepted |= asks;
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::accepts_contact_offer;

    #[test]
    fn explicit_requests_accept() {
        for text in [
            "tell Sam",
            "Yes, please tell Sam.",
            "ok tell them",
            "please message her now",
            "can you let Sam know",
            "yes text him",
            "sí, avísale",
            "dile a Sam por favor",
            "avisa a Sam",
            "oui, préviens-la",
            "préviens Sam",
            "ja, sag Sam Bescheid",
            "benachrichtige ihn bitte",
            "sim, avise o Sam",
            "avise-o, por favor",
            "liga para Sam",
            "sì, avvisa Sam",
            "avvisala per favore",
            "ja, laat Sam het weten",
            "laat het Sam weten alsjeblieft",
            "stuur Sam een bericht",
            "हाँ, Sam को बता दो",
            "उन्हें बता दीजिए",
            "نعم، أخبر Sam",
            "وأخبر Sam من فضلك",
            "أخبرها",
        ] {
            assert!(accepts_contact_offer(text, "Sam"), "{text}");
        }
    }

    #[test]
    fn bare_yes_and_refusals_do_not() {
        for text in [
            "yes",
            "yes please",
            "ok",
            "sí",
            "oui",
            "ja",
            "yes I am thinking about it",
            "don't tell Sam",
            "please do not contact them",
            "no, don't tell her, I'll be fine",
            "tell Sam? no",
            "no le digas nada, no avises a Sam",
            "ne préviens pas Sam",
            "sag Sam nicht Bescheid",
            "I told Sam yesterday",
            "Sam would be upset",
            "tell me something nice",
            "don’t tell Sam",
            "Sam doesn’t need to know, don’t tell him",
            "I can't tell her",
            "I won't tell them",
            "I'd rather you didn't tell her",
            "sag Sam nichts",
            "I should call a helpline",
            "maybe I'll text a friend",
            "I want to call them myself later",
            "I'll ring her tomorrow myself",
            "should I tell Sam?",
            "tell me about Sam",
            "let it be her choice",
            "não avise o Sam",
            "não, eu vou ligar para Sam depois",
            "avise o médico",
            "non avvisare Sam",
            "no, io chiamo Sam domani",
            "laat Sam het niet weten",
            "nee",
            "ik bel Sam zelf wel",
            "laat het me weten",
            "Sam को मत बताओ",
            "मैं Sam को बता दूँगा",
            "नहीं",
            "لا تخبر Sam",
            "لا",
            "أنا سأخبر Sam لاحقا",
        ] {
            assert!(!accepts_contact_offer(text, "Sam"), "{text}");
        }
    }

    #[test]
    fn full_names_use_the_first_name() {
        assert!(accepts_contact_offer("tell Alex please", "Alex Morgan"));
    }
}
