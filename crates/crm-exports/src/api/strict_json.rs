//! JSON request bodies read strictly, as HubSpot's servers read them: a struct comes only
//! from a JSON object (serde's derive would also build one from an array of its fields, so
//! `[{"email": …}]` or `[]` became a record), no text holds U+0000 (no store keeps it), and
//! failures are told in JSON's words — "an
//! object", "a whole number" — never in Rust's ("struct CreateInput", "usize"). It wraps any
//! serde `Deserializer` and knows nothing of the API's types; it imports nothing of ours.

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// JSON nested deeper than this is refused; serde_json's own recursion limit.
pub const MAX_JSON_DEPTH: usize = 128;

/// A deserializer that builds structs only from maps, at every depth.
pub struct Strict<D>(pub D);

struct StrictVisitor<V>(V);
struct StrictSeed<S>(S);
struct StrictSeq<A>(A);
struct StrictMap<A>(A);
struct StrictEnum<A>(A);
struct StrictVariant<A>(A);

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(StrictVisitor(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, StrictVisitor(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, StrictVisitor(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, StrictVisitor(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, StrictVisitor(visitor))
    }

    /// The point of the wrapper: a struct is read as a map, so an array is refused.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(StrictVisitor(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, StrictVisitor(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! pass {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: serde::de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StrictVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    pass! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64
        visit_i128: i128 visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64
        visit_u128: u128 visit_f32: f32 visit_f64: f64 visit_char: char visit_bytes: &[u8]
        visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<V::Value, E> {
        refuse_nul(v)?;
        self.0.visit_str(v)
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        refuse_nul(v)?;
        self.0.visit_borrowed_str(v)
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<V::Value, E> {
        refuse_nul(&v)?;
        self.0.visit_string(v)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(StrictSeq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(StrictMap(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(StrictEnum(data))
    }
}

/// Neither store keeps U+0000 in text (PostgreSQL refuses it), so no request may send it.
fn refuse_nul<E: serde::de::Error>(text: &str) -> Result<(), E> {
    if text.contains('\0') {
        Err(E::custom(NUL_MESSAGE))
    } else {
        Ok(())
    }
}

pub const NUL_MESSAGE: &str = "text may not contain the NUL character (\\u0000)";

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for StrictSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for StrictSeq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(StrictSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StrictMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(StrictSeed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(StrictSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for StrictEnum<A> {
    type Error = A::Error;
    type Variant = StrictVariant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(StrictSeed(seed))?;
        Ok((value, StrictVariant(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for StrictVariant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(StrictSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, StrictVisitor(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, StrictVisitor(visitor))
    }
}

/// serde's message with Rust's vocabulary replaced by JSON's: `struct CreateInput` → an
/// object, `usize` → a whole number, `sequence` → an array, and an untagged enum's "data
/// did not match any variant" → a plain sentence.
pub fn plain_message(message: &str) -> String {
    if message.starts_with("data did not match any variant") {
        return "the value has none of the accepted forms".to_string();
    }
    if message.starts_with("recursion limit exceeded") {
        return format!("the JSON is nested deeper than {MAX_JSON_DEPTH} levels");
    }
    let words: Vec<&str> = message.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (core, tail) = split_punctuation(words[i]);
        if matches!(core, "struct" | "enum") && i + 1 < words.len() {
            // `struct Name` or `struct Name with 13 elements`: the Rust name goes.
            let last = if words.get(i + 2) == Some(&"with") && i + 4 < words.len() {
                i + 4
            } else {
                i + 1
            };
            let (_, tail) = split_punctuation(words[last]);
            let plain = if core == "struct" {
                "an object"
            } else {
                "one of the accepted values"
            };
            out.push(format!("{plain}{tail}"));
            i = last + 1;
            continue;
        }
        let plain = match core {
            "usize" | "u8" | "u16" | "u32" | "u64" | "u128" => "a whole number of 0 or more",
            "isize" | "i8" | "i16" | "i32" | "i64" | "i128" => "a whole number",
            "f32" | "f64" => "a number",
            "char" => "a single character",
            "option" => "a value or null",
            "sequence" => "array",
            "map" => "object",
            other => other,
        };
        out.push(format!("{plain}{tail}"));
        i += 1;
    }
    out.join(" ")
        .replace("a array", "an array")
        .replace("a object", "an object")
}

/// `usize,` → (`usize`, `,`): the word and the punctuation that follows it.
fn split_punctuation(word: &str) -> (&str, &str) {
    let end = word.find([',', ':', ';', ')']).unwrap_or(word.len());
    word.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        #[serde(default)]
        inputs: Vec<Inner>,
        #[serde(default)]
        limit: Option<usize>,
    }

    fn strict<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        T::deserialize(Strict(&mut de)).map_err(|e| plain_message(&e.to_string()))
    }

    #[test]
    fn structs_come_only_from_objects_at_every_depth() {
        assert_eq!(
            strict::<Outer>(r#"{"inputs": [{"name": "a"}]}"#).unwrap(),
            Outer {
                inputs: vec![Inner { name: "a".into() }],
                limit: None
            }
        );
        // serde alone accepts all three.
        assert!(serde_json::from_str::<Outer>("[]").is_ok());
        let e = strict::<Outer>("[]").unwrap_err();
        assert!(
            e.starts_with("invalid type: array, expected an object"),
            "{e}"
        );
        let e = strict::<Outer>(r#"[[{"name": "a"}]]"#).unwrap_err();
        assert!(e.contains("expected an object"), "{e}");
        let e = strict::<Outer>(r#"{"inputs": [["a"]]}"#).unwrap_err();
        assert!(e.contains("expected an object"), "{e}");
    }

    #[test]
    fn messages_name_json_types_not_rust_ones() {
        let e = strict::<Outer>(r#"{"limit": -1}"#).unwrap_err();
        assert_eq!(
            e,
            "invalid value: integer `-1`, expected a whole number of 0 or more at line 1 column 12"
        );
        let e = strict::<Outer>(r#"{"inputs": {}}"#).unwrap_err();
        assert!(
            e.starts_with("invalid type: object, expected an array"),
            "{e}"
        );
        assert_eq!(
            plain_message("invalid length 0, expected struct RawExportRequest with 13 elements"),
            "invalid length 0, expected an object"
        );
        let e = strict::<Outer>(r#"{"inputs": [{"name": "a\u0000b"}]}"#).unwrap_err();
        assert!(e.starts_with(NUL_MESSAGE), "{e}");
        assert_eq!(
            plain_message("data did not match any variant of untagged enum RawSort"),
            "the value has none of the accepted forms"
        );
    }
}
