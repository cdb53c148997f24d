//! Source positions of manifest values. This is the only module that knows how the YAML
//! library reports positions: everything else sees [`Node`] and byte ranges, so the parser can
//! change without touching validation.

use std::cell::Cell;
use std::fmt;
use std::ops::Deref;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte range in one manifest file's text.
pub use crate::diagnostic::Span;

/// A value read from a manifest together with where it was written.
///
/// Equality, ordering and the JSON Schema are those of the value: the position is
/// metadata for diagnostics only.
#[derive(Clone, Debug)]
pub struct Node<T> {
    pub value: T,
    /// `None` when the parser could not tell (it then reports no byte offsets).
    pub span: Option<Span>,
}

impl<T> Node<T> {
    pub fn new(value: T, span: Option<Span>) -> Self {
        Self { value, span }
    }
}

impl<T> Deref for Node<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Node<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: fmt::Display> fmt::Display for Node<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// Converts the YAML library's location of a node into a byte range of the source text.
pub fn span_of(location: &serde_saphyr::Location) -> Option<Span> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    Some(start..start + len)
}

thread_local! {
    /// Whether nodes are (de)serialized with their positions, for the parse cache.
    static WITH_SPANS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every [`Node`] and [`Entries`] (de)serialized with its positions: a node as
/// `[value, [start, end]]`, entries as a list of `[key, value]`. Everywhere else, and by
/// default, a node is its value alone (JSON Schema, comparisons) and is read from YAML.
pub fn with_spans<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            WITH_SPANS.set(self.0);
        }
    }
    let _reset = Reset(WITH_SPANS.replace(true));
    f()
}

pub(crate) fn spans_on() -> bool {
    WITH_SPANS.get()
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Node<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if spans_on() {
            let (value, span) = <(T, Option<(usize, usize)>)>::deserialize(deserializer)?;
            return Ok(Node::new(value, span.map(|(start, end)| start..end)));
        }
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        Ok(Node::new(spanned.value, span_of(&spanned.referenced)))
    }
}

impl<T: Serialize> Serialize for Node<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if spans_on() {
            let span = self.span.as_ref().map(|s| (s.start, s.end));
            return (&self.value, span).serialize(serializer);
        }
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Node<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A YAML mapping with string keys, kept in the order written, each key with its position.
/// Duplicate keys never reach it: the parser rejects them.
#[derive(Clone, Debug)]
pub struct Entries<V>(pub Vec<(Node<String>, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> Entries<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Node<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.value == key).map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if spans_on() {
            return Ok(Entries(Vec::deserialize(deserializer)?));
        }
        struct EntriesVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Node<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

impl<V: Serialize> Serialize for Entries<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if spans_on() {
            return serializer.collect_seq(self.0.iter());
        }
        serializer.collect_map(self.0.iter().map(|(k, v)| (&k.value, v)))
    }
}

impl<V: JsonSchema> JsonSchema for Entries<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        std::collections::BTreeMap::<String, V>::json_schema(generator)
    }
    fn inline_schema() -> bool {
        true
    }
}

thread_local! {
    /// The text being parsed, so that [`Untyped`] can read a scalar as it was written.
    static SOURCE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Runs `f` (a parse of `text`) with `text` known to [`Untyped`] values.
pub fn with_source<R>(text: &str, f: impl FnOnce() -> R) -> R {
    SOURCE.with_borrow_mut(|source| {
        source.clear();
        source.push_str(text);
    });
    let result = f();
    SOURCE.with_borrow_mut(String::clear);
    result
}

/// The text of a scalar that the YAML library typed (a boolean, a number, a null), as written
/// at `location`, while [`with_source`] runs; `None` outside it. Such a scalar is plain, or
/// quoted with a tag (`!!int "5"`): tags are ignored, the quotes are not part of the text.
pub fn written(location: &serde_saphyr::Location) -> Option<Result<String, &'static str>> {
    let span = span_of(location)?;
    let raw = SOURCE.with_borrow(|source| source.get(span).map(str::to_owned))?;
    let quoted = |quote: char| raw.len() >= 2 && raw.starts_with(quote) && raw.ends_with(quote);
    Some(if quoted('\'') {
        Ok(raw[1..raw.len() - 1].replace("''", "'"))
    } else if quoted('"') {
        let inner = &raw[1..raw.len() - 1];
        if inner.contains(['\\', '\n']) {
            Err("a tagged scalar in double quotes with escapes or line breaks: remove the tag")
        } else {
            Ok(inner.to_owned())
        }
    } else {
        Ok(raw)
    })
}

/// A scalar as the text written, or a mapping read as `T`: a value that has a short form.
pub enum TextOr<T> {
    Text(String),
    Mapping(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for TextOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        enum Read<T> {
            Text(String),
            /// A plain scalar the library typed: its text is in the source.
            Typed,
            Mapping(T),
        }
        struct ReadVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ReadVisitor<T> {
            type Value = Read<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a mapping")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Read<T>, E> {
                Ok(Read::Text(text.to_owned()))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Read<T>, E> {
                Ok(Read::Typed)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Read<T>, E> {
                Ok(Read::Typed)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Read<T>, E> {
                Ok(Read::Typed)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Read<T>, E> {
                Ok(Read::Typed)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Read<T>, E> {
                // Worded as the parser words it for a string field, so the message is the same.
                Err(E::custom("cannot deserialize null into string"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Read::Mapping)
            }
        }
        impl<'de, T: Deserialize<'de>> Deserialize<'de> for Read<T> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(ReadVisitor(std::marker::PhantomData))
            }
        }
        if spans_on() {
            // The parse cache holds strings and mappings only.
            return match Read::<T>::deserialize(deserializer)? {
                Read::Text(text) => Ok(TextOr::Text(text)),
                Read::Mapping(value) => Ok(TextOr::Mapping(value)),
                Read::Typed => Err(serde::de::Error::custom("expected a string")),
            };
        }
        let spanned = serde_saphyr::Spanned::<Read<T>>::deserialize(deserializer)?;
        match spanned.value {
            Read::Text(text) => Ok(TextOr::Text(text)),
            Read::Mapping(value) => Ok(TextOr::Mapping(value)),
            Read::Typed => match written(&spanned.defined) {
                Some(Ok(text)) => Ok(TextOr::Text(text)),
                Some(Err(problem)) => Err(serde::de::Error::custom(problem)),
                None => Err(serde::de::Error::custom("expected a string")),
            },
        }
    }
}

/// A mapping key of an [`Untyped`] mapping: its text as written (`~`, `1`, `yes`), and where.
pub struct Key(pub Node<String>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if spans_on() {
            return Node::deserialize(deserializer).map(Key);
        }
        let spanned = serde_saphyr::Spanned::<Shape>::deserialize(deserializer)?;
        let span = span_of(&spanned.referenced);
        let text = match spanned.value {
            Shape::Text(text) => text,
            Shape::Typed(shown) => match written(&spanned.defined) {
                Some(Ok(text)) => text,
                Some(Err(problem)) => return Err(serde::de::Error::custom(problem)),
                None => shown,
            },
            Shape::List(_) | Shape::Map(_) => {
                return Err(serde::de::Error::custom(
                    "expected a scalar key: a recipe's keys are text",
                ));
            }
        };
        Ok(Key(Node::new(text, span)))
    }
}

/// A YAML node read without any schema (docs/identity.md, "The canonical recipe"): every
/// scalar is the text it was written as, quoted or not (`yes`, `0b101`, `1e3` and `~` stay
/// text), after YAML's own escapes and line folding; aliases and merge keys are expanded.
#[derive(Clone, Debug, PartialEq)]
pub enum Untyped {
    /// Shared: a recipe's script is the largest text of a product, and a distribution that
    /// builds the product differently holds a copy of the product.
    Text(std::sync::Arc<str>),
    List(Vec<Untyped>),
    /// Entries in the order written, each key with its position. Keys are compared by their
    /// text in `validate`: `1` and `"1"` are one key there.
    Map(Vec<(Node<String>, Untyped)>),
}

/// What the YAML library says a node is, before the text of typed scalars is recovered.
enum Shape {
    Text(String),
    /// A plain scalar the library typed (a boolean, a number, a null): its text is in the
    /// source, at its definition.
    Typed(String),
    List(Vec<Untyped>),
    Map(Vec<(Node<String>, Untyped)>),
}

/// The [`Untyped`] form used by the parse cache, with the keys' positions.
#[derive(Deserialize)]
enum Cached {
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "l")]
    List(Vec<Untyped>),
    #[serde(rename = "m")]
    Map(Vec<(Node<String>, Untyped)>),
}

/// [`Cached`], borrowed for writing.
#[derive(Serialize)]
enum CachedRef<'a> {
    #[serde(rename = "t")]
    Text(&'a str),
    #[serde(rename = "l")]
    List(&'a [Untyped]),
    #[serde(rename = "m")]
    Map(&'a [(Node<String>, Untyped)]),
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar, a list or a mapping")
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Shape, E> {
        Ok(Shape::Text(text.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Shape, E> {
        Ok(Shape::Text(text))
    }
    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_i128<E: serde::de::Error>(self, value: i128) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_u128<E: serde::de::Error>(self, value: u128) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Shape, E> {
        Ok(Shape::Typed(value.to_string()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Typed(String::new()))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Typed(String::new()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Untyped>()? {
            items.push(item);
        }
        Ok(Shape::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            entries.push((key, map.next_value::<Untyped>()?));
        }
        Ok(Shape::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

impl<'de> Deserialize<'de> for Untyped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if spans_on() {
            return Ok(match Cached::deserialize(deserializer)? {
                Cached::Text(text) => Untyped::Text(text.into()),
                Cached::List(items) => Untyped::List(items),
                Cached::Map(entries) => Untyped::Map(entries),
            });
        }
        let spanned = serde_saphyr::Spanned::<Shape>::deserialize(deserializer)?;
        Ok(match spanned.value {
            Shape::Text(text) => Untyped::Text(text.into()),
            Shape::Typed(shown) => {
                // Its text is the source at its definition (an alias's is its anchor's).
                match written(&spanned.defined) {
                    Some(Ok(text)) => Untyped::Text(text.into()),
                    Some(Err(problem)) => return Err(serde::de::Error::custom(problem)),
                    None => Untyped::Text(shown.into()),
                }
            }
            Shape::List(items) => Untyped::List(items),
            Shape::Map(entries) => Untyped::Map(entries),
        })
    }
}

impl Serialize for Untyped {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if spans_on() {
            let cached = match self {
                Untyped::Text(text) => CachedRef::Text(text),
                Untyped::List(items) => CachedRef::List(items),
                Untyped::Map(entries) => CachedRef::Map(entries),
            };
            return cached.serialize(serializer);
        }
        match self {
            Untyped::Text(text) => serializer.serialize_str(text),
            Untyped::List(items) => serializer.collect_seq(items),
            Untyped::Map(entries) => {
                serializer.collect_map(entries.iter().map(|(k, v)| (&k.value, v)))
            }
        }
    }
}
