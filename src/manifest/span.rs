//! Source positions of manifest values. This is the only module that knows how the YAML
//! library reports positions: everything else sees [`Node`] and byte ranges, so the parser can
//! change without touching validation.

use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, Range};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte range in one manifest file's text.
pub type Span = Range<usize>;

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

fn spans_on() -> bool {
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
