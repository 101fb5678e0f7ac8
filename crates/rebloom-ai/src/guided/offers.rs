//! Offering exercises: which one fits the feeling and the approach, when to
//! offer (not too soon, not too often, never again in a session after a "no"
//! or "just listen"), the menu, and
//! taking a yes or a no for an answer.

use super::compose::{Approach, Turn, Writer, join_list};
use super::detect::Signals;
use super::exercises;
use super::plan;
use super::state::{EngineState, ExerciseKind, Offer};

/// Turns between offers of an exercise (more for person-centred).
const OFFER_GAP: u32 = 4;
const OFFER_GAP_PERSON_CENTRED: u32 = 8;

/// Handles a yes or no to the last offer; false if the message was neither.
pub fn answer_offer(
    t: &Turn,
    sig: &Signals,
    offer: &Offer,
    st: &mut EngineState,
    w: &mut Writer,
) -> bool {
    let Some(&first) = offer.kinds.first() else {
        return false;
    };
    if first == ExerciseKind::SafetyPlan && !offer.menu {
        return plan::answer_offer(t, sig, st, w);
    }
    let chosen = match sig.mention {
        Some(k) if offer.menu || k == first => Some(k),
        _ if sig.yes => Some(first),
        _ => None,
    };
    if let Some(kind) = chosen {
        exercises::start(t, kind, st, w);
        return true;
    }
    if sig.no || sig.stop {
        if !offer.menu {
            st.no_offers = true;
        }
        w.say("declined", &[]);
        w.say("question.open", &[]);
        return true;
    }
    false
}

/// Which exercise, if any, to offer now.
pub fn choose_offer(t: &Turn, sig: &Signals, st: &EngineState) -> Option<ExerciseKind> {
    use ExerciseKind::*;
    let top = sig.emotions.first()?;
    let person_centred = t.approach == Approach::PersonCentred;
    let (min_turn, gap) = if person_centred {
        (4, OFFER_GAP_PERSON_CENTRED)
    } else {
        (2, OFFER_GAP)
    };
    // A "no" to any exercise, or "just listen", holds for the whole session.
    let quiet = st.listening || st.no_offers;
    if quiet || t.turn < min_turn || st.last_offer_turn.is_some_and(|l| t.turn < l + gap) {
        return None;
    }
    let options: &[ExerciseKind] = match (t.approach, top.id) {
        (Approach::PersonCentred, "anxiety" | "fear" | "overwhelm") => &[Breathing],
        (Approach::PersonCentred, _) => &[],
        (Approach::Cbt, "anxiety" | "fear" | "overwhelm" | "anger") => &[ThoughtRecord, Breathing],
        (Approach::Cbt, "shame" | "guilt") => &[ThoughtRecord],
        (Approach::Cbt, "sadness" | "loneliness" | "tiredness") => {
            &[BehaviouralActivation, ThoughtRecord]
        }
        (Approach::Dbt, "anxiety" | "fear" | "overwhelm" | "anger") => &[Grounding, Breathing],
        (Approach::Dbt, "sadness" | "loneliness" | "tiredness") => {
            &[BehaviouralActivation, Grounding]
        }
        (Approach::Dbt, "shame" | "guilt") => &[Grounding, Breathing],
        (Approach::Act, "anxiety" | "fear" | "overwhelm") => &[Grounding, Values],
        (Approach::Act, "joy" | "gratitude" | "hope" | "calm") => &[Values, Gratitude],
        (Approach::Act, _) => &[Values, BehaviouralActivation],
        (Approach::Mindfulness, "sadness" | "shame" | "guilt" | "loneliness") => {
            &[Grounding, Breathing]
        }
        (Approach::Mindfulness, "joy" | "gratitude" | "hope" | "calm") => &[Gratitude],
        (Approach::Mindfulness, _) => &[Breathing, Grounding],
        (_, "anxiety" | "fear" | "overwhelm") => &[Breathing, Grounding],
        (_, "anger") => &[Grounding, Breathing],
        (_, "sadness" | "loneliness" | "tiredness") => &[BehaviouralActivation, Gratitude],
        (_, "shame" | "guilt") => &[ThoughtRecord, Grounding],
        (_, _) => &[Gratitude],
    };
    let lang = t.langs.first()?;
    options
        .iter()
        .find(|k| lang.id == "en" || lang.native.contains(k))
        .or_else(|| options.first())
        .copied()
}

/// Exercises in the order the approach favours them.
fn menu_order(approach: Approach) -> [ExerciseKind; 6] {
    use ExerciseKind::*;
    match approach {
        Approach::Cbt => [
            ThoughtRecord,
            BehaviouralActivation,
            Breathing,
            Grounding,
            Gratitude,
            Values,
        ],
        Approach::Dbt => [
            Grounding,
            Breathing,
            BehaviouralActivation,
            Values,
            Gratitude,
            ThoughtRecord,
        ],
        Approach::Act => [
            Values,
            Grounding,
            Breathing,
            Gratitude,
            BehaviouralActivation,
            ThoughtRecord,
        ],
        Approach::Mindfulness => [
            Breathing,
            Grounding,
            Gratitude,
            Values,
            BehaviouralActivation,
            ThoughtRecord,
        ],
        Approach::PersonCentred | Approach::Unset => [
            Breathing,
            Grounding,
            ThoughtRecord,
            Gratitude,
            Values,
            BehaviouralActivation,
        ],
    }
}

pub fn menu(t: &Turn, st: &mut EngineState, w: &mut Writer) {
    let kinds = menu_order(t.approach);
    let titles: Vec<String> = kinds
        .iter()
        .filter_map(|k| w.pick(&format!("ex.{}.title", k.id()), &[]))
        .collect();
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    let options = join_list(&titles, w.word("or"), w.word("list_separator"));
    w.say("menu", &[("options", &options)]);
    st.offer = Some(Offer {
        kinds: kinds.to_vec(),
        menu: true,
        turn: t.turn,
    });
    st.last_offer_turn = Some(t.turn);
}
