//! Access-token verification on its own: arbitrary strings and tampered
//! tokens are never accepted, verification never panics, and of tokens signed
//! with the server's key only those with valid claims are.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use rebloom_core::CoreError;
use rebloom_core::accounts::tokens::{Claims, TokenKeys};
use rebloom_store::Role;
use secrecy::SecretBox;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::runner::check;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn keys(secret: &[u8]) -> TokenKeys {
    TokenKeys::new(&SecretBox::new(Box::new(secret.to_vec())))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// One way to tamper with a token.
#[derive(Debug, Clone)]
pub enum Mutation {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Truncate(usize),
    /// Flip one bit of one byte (kept only when the result is still text).
    FlipBit(usize, u8),
    /// Reorder the three segments (index into the non-identity permutations).
    Swap(usize),
    AppendSegment(String),
    DropSignature,
    /// `alg: none` (in some spelling), with or without the original signature.
    AlgNone(&'static str, bool),
    /// The same claims signed with the same key under another algorithm.
    OtherAlg(Algorithm),
    /// The same claims signed with another key.
    OtherKey(Vec<u8>),
    /// One claim changed, the original signature kept.
    Claim(&'static str, Value),
    /// One header field changed or added, the original signature kept.
    HeaderField(&'static str, Value),
    /// `=` padding on one segment.
    Padding(usize),
    /// The standard base64 alphabet instead of the URL-safe one.
    StandardAlphabet,
    /// Each segment decoded and encoded again with the standard alphabet and padding.
    Reencoded,
    Uppercase,
    Lowercase,
}

pub const TOKEN_CHARS: &[char] = &[
    'A', 'B', 'a', 'z', '0', '9', '-', '_', '.', '=', '+', '/', ' ', '\t', '\0', 'é', '€', '😀',
];

fn claim_change() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        Just(("role", json!("admin"))),
        Just(("role", json!("clinician"))),
        any::<u128>().prop_map(|n| ("sub", json!(Uuid::from_u128(n)))),
        any::<u128>().prop_map(|n| ("sid", json!(Uuid::from_u128(n)))),
        any::<i64>().prop_map(|n| ("ver", json!(n))),
        (1i64..10_000_000)
            .prop_map(|n| ("exp", json!(OffsetDateTime::now_utc().unix_timestamp() + n))),
        Just(("aud", json!("rebloom-admin"))),
        Just(("iss", json!("someone-else"))),
        Just(("aud", json!(["rebloom-api"]))),
        Just(("exp", Value::Null)),
    ]
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let idx = 0usize..400;
    let ch = proptest::sample::select(TOKEN_CHARS).boxed();
    prop_oneof![
        3 => (idx.clone(), prop_oneof![ch.clone(), any::<char>()]).prop_map(|(i, c)| Mutation::Replace(i, c)),
        2 => (idx.clone(), ch).prop_map(|(i, c)| Mutation::Insert(i, c)),
        2 => idx.clone().prop_map(Mutation::Delete),
        2 => idx.clone().prop_map(Mutation::Truncate),
        3 => (idx.clone(), 0u8..7).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        1 => (0usize..5).prop_map(Mutation::Swap),
        1 => "[A-Za-z0-9_-]{0,40}".prop_map(Mutation::AppendSegment),
        1 => Just(Mutation::DropSignature),
        2 => (proptest::sample::select(&["none", "None", "NONE", "nOnE"][..]), any::<bool>())
            .prop_map(|(a, keep)| Mutation::AlgNone(a, keep)),
        2 => proptest::sample::select(&[Algorithm::HS384, Algorithm::HS512][..]).prop_map(Mutation::OtherAlg),
        2 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::OtherKey),
        3 => claim_change().prop_map(|(k, v)| Mutation::Claim(k, v)),
        1 => prop_oneof![
            Just(("alg", json!("HS384"))),
            Just(("alg", json!("RS256"))),
            Just(("alg", json!(null))),
            Just(("kid", json!("../../etc/passwd"))),
            Just(("jku", json!("https://evil.example/keys"))),
            Just(("typ", json!("at+jwt"))),
            Just(("crit", json!(["exp"]))),
        ].prop_map(|(k, v)| Mutation::HeaderField(k, v)),
        1 => (0usize..3).prop_map(Mutation::Padding),
        1 => Just(Mutation::StandardAlphabet),
        1 => Just(Mutation::Reencoded),
        1 => Just(Mutation::Uppercase),
        1 => Just(Mutation::Lowercase),
    ]
}

fn at_char(s: &str, i: usize) -> usize {
    let n = s.chars().count().max(1);
    s.char_indices().nth(i % n).map_or(s.len(), |(b, _)| b)
}

/// `token` (whose claims are `claims`, signed with `secret`) after `m`.
pub fn apply(token: &str, claims: &Value, secret: &[u8], m: &Mutation) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    match m {
        Mutation::Replace(i, c) => {
            let mut t = token.to_owned();
            let at = at_char(&t, *i);
            t.replace_range(
                at..at + t[at..].chars().next().map_or(0, char::len_utf8),
                &c.to_string(),
            );
            t
        }
        Mutation::Insert(i, c) => {
            let mut t = token.to_owned();
            t.insert(at_char(token, *i), *c);
            t
        }
        Mutation::Delete(i) => {
            let mut t = token.to_owned();
            let at = at_char(&t, *i);
            if at < t.len() {
                t.remove(at);
            }
            t
        }
        Mutation::Truncate(i) => token[..at_char(token, *i)].to_owned(),
        Mutation::FlipBit(i, bit) => {
            let mut b = token.as_bytes().to_vec();
            let at = i % b.len();
            b[at] ^= 1 << bit;
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Mutation::Swap(k) => {
            let perms = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
            let segs = [h, p, s];
            perms[k % perms.len()].map(|j| segs[j]).join(".")
        }
        Mutation::AppendSegment(extra) => format!("{token}.{extra}"),
        Mutation::DropSignature => format!("{h}.{p}."),
        Mutation::AlgNone(alg, keep) => {
            let none = b64(json!({ "alg": alg, "typ": "JWT" }).to_string().as_bytes());
            format!("{none}.{p}.{}", if *keep { s } else { "" })
        }
        Mutation::OtherAlg(alg) => sign(*alg, claims, secret),
        Mutation::OtherKey(key) => sign(Algorithm::HS256, claims, key),
        Mutation::Claim(k, v) => {
            let mut c = claims.clone();
            c[*k] = v.clone();
            format!("{h}.{}.{s}", b64(c.to_string().as_bytes()))
        }
        Mutation::HeaderField(k, v) => {
            let mut hd = header.clone();
            hd[*k] = v.clone();
            format!("{}.{p}.{s}", b64(hd.to_string().as_bytes()))
        }
        Mutation::Padding(seg) => {
            let mut segs = [h.to_owned(), p.to_owned(), s.to_owned()];
            segs[seg % 3].push_str("==");
            segs.join(".")
        }
        Mutation::StandardAlphabet => token.replace('-', "+").replace('_', "/"),
        Mutation::Reencoded => [h, p, s]
            .map(|seg| STANDARD.encode(URL_SAFE_NO_PAD.decode(seg).unwrap()))
            .join("."),
        Mutation::Uppercase => token.to_uppercase(),
        Mutation::Lowercase => token.to_lowercase(),
    }
}

fn unauthorized(r: Result<Claims, CoreError>) -> bool {
    matches!(r, Err(CoreError::Unauthorized(_)))
}

// ---- verification, without a server -----------------------------------------

#[test]
fn arbitrary_strings_are_not_access_tokens() {
    let k = keys(SECRET);
    let now = OffsetDateTime::now_utc();
    let json_segment = crate::json::arbitrary_json().prop_map(|v| b64(v.to_string().as_bytes()));
    let strategy = prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_.=+/-]{0,300}",
        "[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,60}",
        (json_segment.clone(), json_segment, "[A-Za-z0-9_-]{0,86}")
            .prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
        proptest::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    check("access_token_arbitrary", 2048, strategy, |t| {
        prop_assert!(unauthorized(k.verify(&t, now)), "accepted {t:?}");
        Ok(())
    });
}

#[test]
fn tampered_access_tokens_are_rejected() {
    let k = keys(SECRET);
    let now = OffsetDateTime::now_utc();
    let strategy = (
        proptest::sample::select(&[Role::User, Role::Clinician, Role::Admin][..]),
        proptest::collection::vec(mutation(), 1..4),
    );
    check(
        "access_token_tampered",
        2048,
        strategy,
        |(role, mutations)| {
            let (token, claims) = k
                .issue(Uuid::now_v7(), role, Uuid::now_v7(), 0, now)
                .unwrap();
            // Control: the untouched token is accepted.
            prop_assert_eq!(&k.verify(&token, now).unwrap(), &claims);
            let claims = serde_json::to_value(&claims).unwrap();
            let mut t = token.clone();
            for m in &mutations {
                // Later mutations work on a token that may no longer be well formed.
                let well_formed = t.split('.').count() == 3
                    && t.split('.').all(|s| URL_SAFE_NO_PAD.decode(s).is_ok())
                    && t.split('.')
                        .next()
                        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
                        .is_some_and(|h| serde_json::from_slice::<Value>(&h).is_ok());
                let base = if well_formed {
                    t.clone()
                } else {
                    token.clone()
                };
                t = apply(&base, &claims, SECRET, m);
            }
            prop_assume!(t != token);
            prop_assert!(unauthorized(k.verify(&t, now)), "accepted {t:?}");
            Ok(())
        },
    );
}

/// A claim of a token signed with the server's own key: the right value, or a wrong one.
#[derive(Debug, Clone)]
enum Part {
    Good,
    Missing,
    Bad(Value),
}

fn part(bad: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Part> {
    prop_oneof![4 => Just(Part::Good), 1 => Just(Part::Missing), 1 => bad.prop_map(Part::Bad)]
}

#[test]
fn signed_claims_are_accepted_only_when_valid() {
    // With the server's key, the claims decide: the right audience and issuer, a
    // user id, a known role, not expired (5 s leeway), not issued in the future.
    let k = keys(SECRET);
    let now = OffsetDateTime::now_utc();
    let t = now.unix_timestamp();
    let any_json = crate::json::arbitrary_json();
    let strategy = (
        part(prop_oneof![
            Just(json!("rebloom")),
            Just(json!(["rebloom-api"])),
            any_json.clone()
        ]),
        part(prop_oneof![
            Just(json!("rebloom-api")),
            Just(json!("REBLOOM")),
            any_json.clone()
        ]),
        part(prop_oneof![
            Just(json!("not-a-uuid")),
            Just(json!(42)),
            any_json.clone()
        ]),
        part(prop_oneof![
            Just(json!("root")),
            Just(json!("Admin")),
            any_json.clone()
        ]),
        part(prop_oneof![
            Just(json!(1.5)),
            Just(json!("later")),
            any_json.clone()
        ]),
        (-100_000i64..100_000, -100_000i64..100_000),
        (any::<i64>(), proptest::option::of(("[a-z]{1,8}", any_json))),
        proptest::sample::select(
            &[
                Algorithm::HS256,
                Algorithm::HS256,
                Algorithm::HS384,
                Algorithm::HS512,
            ][..],
        ),
        any::<bool>(),
    );
    check(
        "access_token_signed_claims",
        2048,
        strategy,
        |(aud, iss, sub, role, ver, (exp, iat), (ver_value, extra), alg, right_key)| {
            let mut c = json!({
                "sub": Uuid::now_v7(),
                "role": "user",
                "aud": "rebloom-api",
                "iss": "rebloom",
                "iat": t + iat,
                "exp": t + exp,
                "jti": Uuid::now_v7(),
                "sid": Uuid::now_v7(),
                "ver": ver_value,
            });
            let mut valid = exp + 5 > 0 && iat <= 5 && alg == Algorithm::HS256 && right_key;
            for (name, p) in [
                ("aud", &aud),
                ("iss", &iss),
                ("sub", &sub),
                ("role", &role),
                ("ver", &ver),
            ] {
                match p {
                    Part::Good => {}
                    Part::Missing => {
                        c.as_object_mut().unwrap().remove(name);
                        valid = false;
                    }
                    Part::Bad(v) => {
                        // A "bad" value can happen to be the right one.
                        let good = match name {
                            "aud" => v == "rebloom-api",
                            "iss" => v == "rebloom",
                            "sub" => v.as_str().is_some_and(|s| Uuid::parse_str(s).is_ok()),
                            "role" => matches!(v.as_str(), Some("user" | "clinician" | "admin")),
                            _ => v.is_i64(),
                        };
                        c[name] = v.clone();
                        valid &= good;
                    }
                }
            }
            const KNOWN: &[&str] = &[
                "sub", "role", "aud", "iss", "iat", "exp", "nbf", "jti", "sid", "ver",
            ];
            if let Some((key, value)) = extra
                && !KNOWN.contains(&key.as_str())
            {
                c[key] = value;
            }
            let key: &[u8] = if right_key {
                SECRET
            } else {
                b"another secret of 32 bytes......"
            };
            let token = sign(alg, &c, key);
            let got = k.verify(&token, now);
            if valid {
                let claims = got.map_err(|e| TestCaseError::fail(format!("refused {c}: {e}")))?;
                prop_assert_eq!(
                    serde_json::to_value(&claims).unwrap()["sub"].clone(),
                    c["sub"].clone()
                );
            } else {
                prop_assert!(unauthorized(got), "accepted {c}");
            }
            Ok(())
        },
    );
}
