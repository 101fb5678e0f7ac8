//! Generators of request bodies: any JSON value, valid bodies with one to
//! three things changed (or values at the edge of what a field accepts), and
//! raw bytes (arbitrary, byte-level changes of a valid body, known nasties).

use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};

// ---- arbitrary JSON -------------------------------------------------------------

/// Field names the endpoints know, so arbitrary objects often hit real fields.
const FIELDS: &[&str] = &[
    "email",
    "password",
    "profile",
    "refreshToken",
    "message",
    "sessionId",
    "moodBefore",
    "moodAfter",
    "sessionType",
    "moodScore",
    "anxietyLevel",
    "energyLevel",
    "stressLevel",
    "notes",
    "triggers",
    "recordedAt",
    "title",
    "description",
    "category",
    "targetDate",
    "status",
    "progressPercentage",
    "note",
    "warningSigns",
    "copingStrategies",
    "distractions",
    "peopleToAsk",
    "professionals",
    "crisisLines",
    "saferEnvironment",
    "reasonsForLiving",
    "name",
    "contact",
    "displayName",
    "country",
    "language",
    "timezone",
    "ageRange",
    "goals",
    "privacySettings",
    "communicationPreferences",
    "therapeuticPreferences",
    "dataRetentionDays",
    "storeVoiceRecordings",
    "instrument",
    "answers",
    "enabled",
    "localTime",
    "days",
    "quietStart",
    "quietEnd",
    "consent",
    "content",
    "kind",
    "paused",
    "neverRemember",
    "clinicianEmail",
    "scope",
    "weekStart",
    "role",
    "disabled",
    "__proto__",
    "",
];

/// Strings that are almost valid somewhere.
const STRINGS: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "true",
    "null",
    "phq9",
    "gad7",
    "PHQ9",
    "general",
    "check-in",
    "crisis-support",
    "sleep",
    "active",
    "archived",
    "everything",
    "mood",
    "note",
    "admin",
    "GB",
    "gb",
    "ZZ",
    "en",
    "es-MX",
    "xx-YY-ZZ",
    "Europe/Berlin",
    "Mars/Olympus_Mons",
    "25-34",
    "20:30",
    "24:00",
    "23:60",
    "-01:00",
    "2026-02-30",
    "2099-12-31",
    "1900-01-01",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00+25:00",
    "9999-12-31T23:59:59Z",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "a@b",
    "sam@example.org",
    "@example.org",
    "sam@",
    "I want to die",
    "\u{0}",
    "\u{202e}evil",
    "\u{feff}",
    "e\u{301}",
    "👨\u{200d}👩\u{200d}👧",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
];

pub fn json_string() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => any::<String>(),
        3 => proptest::sample::select(STRINGS).prop_map(str::to_owned),
        1 => ("[ -~]{1,4}", 100usize..20_000).prop_map(|(s, n)| s.repeat(n / s.len())),
        1 => "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{300}-\u{36f}]{1,40}",
    ]
}

fn number() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        3 => (-2i64..12).prop_map(Value::from),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        1 => proptest::sample::select(&[
            i64::MIN as f64, i64::MAX as f64, u64::MAX as f64, 1e300, -1e300, 5e-324, 0.5, 6.0, 100.000_001,
            2_147_483_648.0, -2_147_483_649.0,
        ][..]).prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
    ]
}

/// Any JSON value, up to four levels deep.
pub fn arbitrary_json() -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => number(),
        3 => json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        let key = prop_oneof![
            3 => proptest::sample::select(FIELDS).prop_map(str::to_owned),
            1 => any::<String>(),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

// ---- valid bodies, changed -----------------------------------------------------------

/// One change to a valid body, at the node `at` (modulo the number of nodes).
#[derive(Debug, Clone)]
enum Change {
    Set(usize, Value),
    SetString(usize, String),
    SetNumber(usize, Value),
    Remove(usize),
    AddField(usize, String, Value),
    WrapInArray(usize),
    Root(Value),
}

fn change() -> impl Strategy<Value = Change> {
    let at = 0usize..64;
    let key = prop_oneof![
        proptest::sample::select(FIELDS).prop_map(str::to_owned),
        any::<String>()
    ];
    prop_oneof![
        3 => (at.clone(), arbitrary_json()).prop_map(|(i, v)| Change::Set(i, v)),
        3 => (at.clone(), json_string()).prop_map(|(i, s)| Change::SetString(i, s)),
        2 => (at.clone(), number()).prop_map(|(i, n)| Change::SetNumber(i, n)),
        2 => at.clone().prop_map(Change::Remove),
        1 => (at.clone(), key, arbitrary_json()).prop_map(|(i, k, v)| Change::AddField(i, k, v)),
        1 => at.prop_map(Change::WrapInArray),
        1 => arbitrary_json().prop_map(Change::Root),
    ]
}

/// JSON pointers of every node but the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

fn apply_change(body: &mut Value, c: &Change) {
    let mut ptrs = Vec::new();
    pointers(body, String::new(), &mut ptrs);
    let pick = |i: &usize| (!ptrs.is_empty()).then(|| ptrs[i % ptrs.len()].clone());
    match c {
        Change::Root(v) => *body = v.clone(),
        Change::Set(i, v) | Change::SetNumber(i, v) => {
            if let Some(node) = pick(i).and_then(|p| body.pointer_mut(&p)) {
                *node = v.clone();
            }
        }
        Change::SetString(i, s) => {
            if let Some(node) = pick(i).and_then(|p| body.pointer_mut(&p)) {
                *node = Value::String(s.clone());
            }
        }
        Change::WrapInArray(i) => {
            if let Some(node) = pick(i).and_then(|p| body.pointer_mut(&p)) {
                *node = Value::Array(vec![node.take()]);
            }
        }
        Change::Remove(i) => {
            if let Some(p) = pick(i) {
                let (parent, last) = p.rsplit_once('/').unwrap();
                match body.pointer_mut(parent) {
                    Some(Value::Object(m)) => {
                        m.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) => {
                        a.remove(last.parse::<usize>().unwrap());
                    }
                    _ => {}
                }
            }
        }
        Change::AddField(i, k, v) => {
            // Into the chosen node's object, else the root's.
            let target = match pick(i).and_then(|p| body.pointer_mut(&p)) {
                Some(Value::Object(m)) => Some(m),
                _ => None,
            };
            if let Some(m) = target {
                m.insert(k.clone(), v.clone());
            } else if let Value::Object(m) = body {
                m.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A value near what a field accepts: lengths and numbers at the edges of
/// what is allowed, the wrong kind of empty.
fn near_change() -> impl Strategy<Value = Change> {
    let at = 0usize..64;
    let lengths = proptest::sample::select(
        &[
            1usize, 2, 49, 50, 51, 99, 100, 101, 255, 256, 257, 1000, 2001, 4001, 10_001,
        ][..],
    );
    let near_string = prop_oneof![
        3 => proptest::sample::select(STRINGS).prop_map(str::to_owned),
        2 => (proptest::sample::select(&["x", "é", " ", "\u{200b}", "😀", "a b"][..]), lengths)
            .prop_map(|(u, n)| u.repeat(n)),
        1 => (proptest::sample::select(STRINGS), proptest::sample::select(&[" ", "\t", "\n", "\u{a0}"][..]))
            .prop_map(|(v, w)| format!("{w}{v}{w}")),
    ];
    let near_number = proptest::sample::select(
        &[
            -1.0,
            0.0,
            1.0,
            3.0,
            4.0,
            5.5,
            10.0,
            11.0,
            99.0,
            100.0,
            101.0,
            365.0,
            366.0,
            3650.0,
            3651.0,
            2_147_483_647.0,
            2_147_483_648.0,
            -2_147_483_649.0,
            9_007_199_254_740_993.0,
        ][..],
    )
    .prop_map(|f: f64| {
        if f.fract() == 0.0 && f.abs() < 9e15 {
            json!(f as i64)
        } else {
            json!(f)
        }
    });
    prop_oneof![
        3 => (at.clone(), near_string).prop_map(|(i, s)| Change::SetString(i, s)),
        3 => (at.clone(), near_number).prop_map(|(i, n)| Change::SetNumber(i, n)),
        1 => (at.clone(), proptest::sample::select(vec![Value::Null, json!([]), json!({}), json!(""), json!(true)]))
            .prop_map(|(i, v)| Change::Set(i, v)),
        1 => at.prop_map(Change::Remove),
    ]
}

pub fn changed(example: Value) -> impl Strategy<Value = Value> {
    let apply = move |changes: Vec<Change>| {
        let mut body = example.clone();
        for c in &changes {
            apply_change(&mut body, c);
        }
        body
    };
    prop_oneof![
        // Unchanged, so that writes succeed too and the data grows.
        1 => Just(Vec::new()),
        4 => near_change().prop_map(|c| vec![c]),
        3 => proptest::collection::vec(change(), 1..4),
    ]
    .prop_map(apply)
}

// ---- raw bodies -------------------------------------------------------------------

/// A byte-level change to a serialised body.
#[derive(Debug, Clone)]
enum ByteChange {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

pub fn raw_from(example: &Value) -> impl Strategy<Value = Vec<u8>> + use<> {
    let text = serde_json::to_vec(example).unwrap();
    let specials: Vec<Vec<u8>> = [
        b"".to_vec(),
        b" ".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{}".to_vec(),
        b"\"\"".to_vec(),
        b"{\"a\":1}x".to_vec(),
        b"{\"message\":\"\\ud800\"}".to_vec(),
        b"{\"moodScore\":1e400}".to_vec(),
        b"{\"moodScore\":NaN}".to_vec(),
        b"{\"moodScore\":6,\"moodScore\":7}".to_vec(),
        b"{\"title\":\"\xff\xfe\"}".to_vec(),
        "[".repeat(10_000).into_bytes(),
        "{\"a\":".repeat(5_000).into_bytes(),
        format!("{}{}", "[".repeat(127), "]".repeat(127)).into_bytes(),
        [b"\xef\xbb\xbf".to_vec(), text.clone()].concat(),
        [text.clone(), b" trailing".to_vec()].concat(),
        [text.clone(), text.clone()].concat(),
        [b"[".to_vec(), text.clone(), b"]".to_vec()].concat(),
        String::from_utf8_lossy(&text)
            .replace(':', ": ")
            .replace(',', ",\n\t")
            .into_bytes(),
        text.clone(),
    ]
    .into_iter()
    .collect();
    let byte_change = prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| ByteChange::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteChange::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteChange::Insert(i, b)),
        any::<usize>().prop_map(ByteChange::Delete),
        any::<usize>().prop_map(ByteChange::Truncate),
    ];
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 0..512),
        2 => proptest::sample::select(specials),
        3 => proptest::collection::vec(byte_change, 1..4).prop_map(move |cs| {
            let mut b = text.clone();
            for c in cs {
                let n = b.len().max(1);
                match c {
                    ByteChange::Flip(i, bit) if !b.is_empty() => b[i % n] ^= 1 << bit,
                    ByteChange::Set(i, v) if !b.is_empty() => b[i % n] = v,
                    ByteChange::Insert(i, v) => b.insert(i % (b.len() + 1), v),
                    ByteChange::Delete(i) if !b.is_empty() => {
                        b.remove(i % n);
                    }
                    ByteChange::Truncate(i) => b.truncate(i % n),
                    _ => {}
                }
            }
            b
        }),
    ]
}
