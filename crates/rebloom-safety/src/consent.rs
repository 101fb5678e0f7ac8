//! Whether a message asks the companion to tell the person's trusted contact,
//! after it offered to. Deliberately strict: the crisis reply that makes the
//! offer also asks a yes/no question about suicidal thoughts, so a bare "yes"
//! is never taken as consent to contact anyone. The person names the action
//! ("tell Sam", "avísale", "préviens-la", "sag Sam Bescheid"); any negation in
//! that clause ("don't tell Sam") refuses.

/// Verbs (with their object where the language attaches it) that ask for the
/// contact to be told, in the four languages the replies speak.
const ASK: &[&str] = &[
    // en: the verb is followed by the name or a pronoun, checked below.
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
    "avisale",
    "avísale",
    "dile",
    "díselo",
    "diselo",
    "escribele",
    "escríbele",
    "contacta",
    "llama",
    "llámale",
    "llamale",
    // fr
    "previens",
    "préviens",
    "prevenez",
    "prévenez",
    "dis-lui",
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
];

const OBJECTS: &[&str] = &[
    "them", "him", "her", "le", "la", "lui", "ihn", "ihr", "sie", "a", "à",
];

const NEGATIONS: &[&str] = &[
    "don't", "dont", "do not", "never", "not", "no need", "no", "nunca", "ne", "pas", "jamais",
    "nicht", "kein", "keine", "nie",
];

const BARE_NO: &[&str] = &["no", "nope", "nah", "non", "nein", "not", "yet"];

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

/// True when `text` asks for the trusted contact called `name` to be told.
pub fn accepts_contact_offer(text: &str, name: &str) -> bool {
    let name_words = words(name);
    let first_name = name_words.first().cloned().unwrap_or_default();
    let lower = text.to_lowercase();
    let mut accepted = false;
    for clause in lower.split(['.', ',', ';', '!', '?', '\n']).flat_map(|c| {
        c.split(" but ")
            .flat_map(|c| c.split(" pero "))
            .flat_map(|c| c.split(" mais "))
            .flat_map(|c| c.split(" aber "))
    }) {
        let w = words(clause);
        let negated = NEGATIONS.iter().any(|n| {
            if n.contains(' ') {
                clause.contains(n)
            } else {
                w.iter().any(|x| x == n)
            }
        });
        let asks = w.iter().enumerate().any(|(i, word)| {
            // "préviens-la", "avísale", "sag's ihr": the verb with an object attached.
            let (verb, attached) = match word.split_once('-') {
                Some((v, o)) => (v, OBJECTS.contains(&o)),
                None => (word.as_str(), false),
            };
            if SELF_CONTAINED.contains(&word.as_str()) {
                return true;
            }
            if !ASK.contains(&verb) {
                return false;
            }
            if attached {
                return true;
            }
            // The name or an object pronoun within the next three words
            // ("tell Sam", "let Sam know", "sag Sam Bescheid", "avisa a Sam").
            w.iter()
                .skip(i + 1)
                .take(3)
                .any(|next| *next == first_name || OBJECTS.contains(&next.as_str()))
        });
        // "tell Sam? no": a clause that is only a refusal refuses.
        let bare_no = !w.is_empty() && w.iter().all(|x| BARE_NO.contains(&x.as_str()));
        if (asks && negated) || bare_no {
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
        ] {
            assert!(!accepts_contact_offer(text, "Sam"), "{text}");
        }
    }

    #[test]
    fn full_names_use_the_first_name() {
        assert!(accepts_contact_offer("tell Alex please", "Alex Morgan"));
    }
}
