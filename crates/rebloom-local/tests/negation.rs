//! Negation in every supported language, through the whole layered
//! assessment (rules and the encoder's heads): a negation that denies risk
//! ("I'm not suicidal, just stressed about my exams") stays below the crisis
//! protocol; one that discloses it ("I don't want to live anymore", "I would
//! never kill myself, but I wish I could fall asleep and not wake up")
//! reaches it, as does the plain statement. Needs the model from
//! `scripts/models.sh`; fails (never skips) without it. These sentences were
//! written for this table, apart from the corpus. Not here because it fails
//! in all nine languages: "I would never kill myself, I'm just exhausted from
//! work" gets the crisis protocol (the heads read the words about suicide;
//! holding such denials at a check-in cost crisis recall on the test split).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rebloom_safety::{Assessor, SessionRisk};

/// Per language: a plain disclosure, a disclosure through a negation, a
/// denial followed by a disclosure, and a negation that denies risk.
const TABLE: &[(&str, [&str; 4])] = &[
    (
        "en",
        [
            "I want to kill myself",
            "I don't want to be alive anymore",
            "I would never kill myself, but I wish I could fall asleep and not wake up",
            "I'm not suicidal, just stressed about my exams",
        ],
    ),
    (
        "es",
        [
            "quiero suicidarme",
            "ya no quiero seguir viviendo",
            "nunca me quitaría la vida, pero ojalá pudiera dormirme y no despertar",
            "no tengo pensamientos suicidas, solo estoy estresado por los exámenes",
        ],
    ),
    (
        "fr",
        [
            "je veux me suicider",
            "je ne veux plus vivre",
            "je ne me suiciderais jamais, mais j'aimerais m'endormir et ne pas me réveiller",
            "je ne suis pas suicidaire, juste stressé par les examens",
        ],
    ),
    (
        "de",
        [
            "ich will mich umbringen",
            "ich will nicht mehr leben",
            "ich würde mich niemals umbringen, aber ich wünschte, ich würde einschlafen und nicht mehr aufwachen",
            "ich bin nicht suizidal, nur gestresst wegen der Prüfungen",
        ],
    ),
    (
        "pt",
        [
            "quero me matar",
            "não quero mais viver",
            "eu nunca tiraria a minha vida, mas queria dormir e não acordar mais",
            "não tenho pensamentos suicidas, só estou estressado com as provas",
        ],
    ),
    (
        "it",
        [
            "voglio uccidermi",
            "non voglio più vivere",
            "non mi toglierei mai la vita, ma vorrei addormentarmi e non svegliarmi più",
            "non ho pensieri suicidi, sono solo stressato per gli esami",
        ],
    ),
    (
        "nl",
        [
            "ik wil zelfmoord plegen",
            "ik wil niet meer leven",
            "ik zou nooit zelfmoord plegen, maar ik wou dat ik kon gaan slapen en niet meer wakker worden",
            "ik ben niet suïcidaal, alleen gestrest door de examens",
        ],
    ),
    (
        "hi",
        [
            "main khud ko khatam kar dena chahta hoon",
            "mujhe ab aur jeena nahi hai",
            "main kabhi apni jaan nahi lunga, lekin kaash main so jaun aur kabhi na uthun",
            "mere mann mein suicide ke khayal nahi hain, bas exams ka stress hai",
        ],
    ),
    (
        "ar",
        [
            "أريد أن أقتل نفسي",
            "لا أريد أن أعيش بعد الآن",
            "لن أنهي حياتي أبدًا، لكنني أتمنى أن أنام ولا أستيقظ",
            "ليست لدي أفكار انتحارية، أنا فقط متوتر بسبب الامتحانات",
        ],
    ),
];

#[test]
fn negation_denies_or_discloses_in_every_language() {
    let encoder = common::safety_encoder();
    let assessor = Assessor::new().unwrap();
    let level = |text: &str| {
        let views = encoder.views(text).unwrap();
        assessor
            .assess_in(&SessionRisk::default(), &[], text, Some(&views))
            .level
    };
    let mut wrong = Vec::new();
    for (lang, [plain, disclosing, turned, not_suicidal]) in TABLE {
        for text in [plain, disclosing, turned] {
            let l = level(text);
            if !l.is_crisis() {
                wrong.push(format!(
                    "{lang}: {text:?} is {l:?}, needs the crisis protocol"
                ));
            }
        }
        let l = level(not_suicidal);
        if l.is_crisis() {
            wrong.push(format!("{lang}: {not_suicidal:?} is {l:?}, a denial"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
