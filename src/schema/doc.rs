//! A JSON-like document tree in which every node knows where it was written.
//!
//! The YAML and JSON readers ([`super::yaml`], [`super::json`]) produce it; schema validation
//! maps its errors back to nodes, and the policy reader builds the syntax tree from it.

use crate::diag::Span;
use serde_json::{Map, Number, Value};

/// A value and its span (byte offsets into the document's text).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (the readers refuse duplicates).
    Map(Vec<Entry>),
}

/// One key of a mapping, with the span of the key itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Entry {
    /// From the key to the end of the value.
    pub fn span(&self) -> Span {
        self.key_span.to(self.value.span)
    }
}

/// One step of a JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl Node {
    pub fn new(value: NodeValue, span: Span) -> Node {
        Node { value, span }
    }

    /// The plain JSON value (objects keep their key order).
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n) => Value::Number(n.clone()),
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut m = Map::with_capacity(entries.len());
                for e in entries {
                    m.insert(e.key.clone(), e.value.to_json());
                }
                Value::Object(m)
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            NodeValue::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Seq(i) => i,
            _ => &[],
        }
    }

    /// The entry with this key, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The node at a path, or the deepest node on the way.
    pub fn at<'a>(&'a self, path: &[PathStep]) -> &'a Node {
        let mut node = self;
        for step in path {
            let next = match step {
                PathStep::Key(k) => node.get(k),
                PathStep::Index(i) => node.items().get(*i),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// What kind of value this is, for messages: `a number`, `a list`, ...
    pub fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "nothing (null)",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Number(_) => "a number",
            NodeValue::String(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// `found ...` for messages: the kind, and short scalars as written.
    pub fn found(&self) -> String {
        match &self.value {
            NodeValue::Number(n) => format!("the number `{n}`"),
            NodeValue::Bool(b) => format!("`{b}`"),
            NodeValue::String(s) if s.chars().count() <= 40 && !s.contains('\n') => {
                format!("the string `{s}`")
            }
            _ => self.kind().to_string(),
        }
    }

    /// Counts the nodes of this tree (for limits).
    pub fn size(&self) -> usize {
        let mut n = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            n += 1;
            match &node.value {
                NodeValue::Seq(items) => stack.extend(items.iter()),
                NodeValue::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                _ => {}
            }
        }
        n
    }
}

/// Converts character offsets (what the YAML parser reports) to byte offsets.
///
/// Offsets are asked for mostly in increasing order, so a cursor that walks from the last
/// answer keeps the whole conversion linear in the size of the text.
pub struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> CharToByte<'a> {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    pub fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        while self.chars < char_index && self.bytes < bytes.len() {
            self.bytes += 1;
            while self.bytes < bytes.len() && !self.text.is_char_boundary(self.bytes) {
                self.bytes += 1;
            }
            self.chars += 1;
        }
        while self.chars > char_index && self.bytes > 0 {
            self.bytes -= 1;
            while self.bytes > 0 && !self.text.is_char_boundary(self.bytes) {
                self.bytes -= 1;
            }
            self.chars -= 1;
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_to_byte_walks_both_ways() {
        let text = "aé€😀b";
        let mut c = CharToByte::new(text);
        assert_eq!(c.byte(0), 0);
        assert_eq!(c.byte(2), 3);
        assert_eq!(c.byte(4), 10);
        assert_eq!(c.byte(1), 1);
        assert_eq!(c.byte(3), 6);
        assert_eq!(c.byte(5), 11);
        assert_eq!(c.byte(99), 11);
    }
}
