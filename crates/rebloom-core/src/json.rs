//! Serde helpers for request bodies that any way in shares: nested structs
//! must be written as JSON objects.

use std::marker::PhantomData;

use serde::Deserialize;

/// A value that must be written as a JSON object: serde would also take a
/// struct as an array of its fields, which no document describes. For fields
/// of a nested struct type: `#[serde(deserialize_with = "…object")]`.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                // The map access keeps the field path for errors inside.
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(PhantomData)).map(Object)
    }
}

/// An optional nested struct, written as a JSON object (or `null`).
pub fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Object<T>>::deserialize(d).map(|o| o.map(|Object(t)| t))
}

/// A list of nested structs, each written as a JSON object.
pub fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Vec::<Object<T>>::deserialize(d).map(|v| v.into_iter().map(|Object(t)| t).collect())
}
