//! Puts every object of a result in the order the query asked for its fields.
//!
//! The spec wants result maps serialized in selection order ("Serialized Map Ordering").
//! async-graphql resolves the fields of an object concurrently and fills the object in the
//! order they *finish*, so a field waiting for the database lands after its quicker siblings.
//! This walks the result once against the document's selection sets (fragments and aliases
//! followed, as `CollectFields` does) and reorders only the objects that need it.

use std::{collections::HashSet, sync::Arc};

use async_graphql::{
    Request, Value,
    indexmap::IndexMap,
    parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet},
};

use super::admission::operation::selected_operation;

/// A response key in selection order, with every selection set merged under it.
struct Key<'a> {
    name: &'a str,
    children: Vec<&'a SelectionSet>,
}

fn collect<'a>(
    doc: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    keys: &mut Vec<Key<'a>>,
    seen: &mut HashSet<&'a str>,
) {
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.response_key().node.as_str();
                    let child = &field.node.selection_set.node;
                    match keys.iter_mut().find(|k| k.name == name) {
                        Some(key) => key.children.push(child),
                        None => keys.push(Key {
                            name,
                            children: vec![child],
                        }),
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(doc, &[&inline.node.selection_set.node], keys, seen)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                        && seen.insert(name)
                    {
                        collect(doc, &[&fragment.node.selection_set.node], keys, seen);
                        seen.remove(name);
                    }
                }
            }
        }
    }
}

/// The response keys of one selection, and their sub-selections, each compiled once when a
/// value first needs it: every item of a list shares them, so a page of 50 blocks with 10
/// transactions each compiles a handful of levels, not one per object.
struct Level<'a> {
    keys: Vec<Key<'a>>,
    children: Vec<Option<Level<'a>>>,
}

impl<'a> Level<'a> {
    fn new(doc: &'a ExecutableDocument, sets: &[&'a SelectionSet]) -> Self {
        let mut keys = Vec::new();
        collect(doc, sets, &mut keys, &mut HashSet::new());
        let children = keys.iter().map(|_| None).collect();
        Self { keys, children }
    }

    /// Where `name` sits among the keys, looking from `from` on (results are mostly in order,
    /// so this is a forward scan, without hashing).
    fn position(&self, name: &str, from: usize) -> Option<usize> {
        let found = self.keys[from.min(self.keys.len())..]
            .iter()
            .position(|k| k.name == name)
            .map(|i| i + from);
        found.or_else(|| self.keys.iter().position(|k| k.name == name))
    }
}

fn reorder<'a>(doc: &'a ExecutableDocument, level: &mut Level<'a>, value: &mut Value) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder(doc, level, item);
            }
        }
        Value::Object(map) => {
            let mut last = 0;
            let in_order = map
                .keys()
                .all(|have| match level.position(have.as_str(), last) {
                    Some(i) if i >= last => {
                        last = i;
                        true
                    }
                    _ => false,
                });
            if !in_order {
                let mut old = std::mem::take(map);
                let mut sorted = IndexMap::with_capacity(old.len());
                for key in &level.keys {
                    if let Some((name, v)) = old.shift_remove_entry(key.name) {
                        sorted.insert(name, v);
                    }
                }
                // Anything the document does not name (it cannot happen) keeps its place last.
                sorted.extend(old);
                *map = sorted;
            }
            let mut at = 0;
            for (name, child) in map.iter_mut() {
                let Some(i) = level.position(name.as_str(), at) else {
                    continue;
                };
                at = i;
                let key = &level.keys[i];
                if key.children.iter().all(|c| c.items.is_empty()) {
                    continue;
                }
                let sub = level.children[i].get_or_insert_with(|| Level::new(doc, &key.children));
                reorder(doc, sub, child);
            }
        }
        _ => {}
    }
}

/// Reorders `data`, the result of `op`, to the order the document asked.
pub fn in_query_order(doc: &ExecutableDocument, op: &OperationDefinition, data: &mut Value) {
    let mut level = Level::new(doc, &[&op.selection_set.node]);
    reorder(doc, &mut level, data);
}

/// What a request asked, kept to put its results in order after it ran.
pub struct Shape {
    doc: Arc<ExecutableDocument>,
    operation: Option<String>,
}

impl Shape {
    /// The request's parsed document, as admission shared it (none when it did not parse:
    /// then there is no data).
    pub fn of(request: &Request, doc: Option<&Arc<ExecutableDocument>>) -> Option<Self> {
        Some(Self {
            doc: doc?.clone(),
            operation: request.operation_name.clone(),
        })
    }

    pub fn apply(&self, data: &mut Value) {
        if let Some(op) = selected_operation(&self.doc, self.operation.as_deref()) {
            in_query_order(&self.doc, op, data);
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{parser::parse_query, value};

    use super::*;

    #[test]
    fn objects_follow_the_selection() {
        let doc = parse_query(
            "{ z: a { y x } b ...F list { q p } } fragment F on Query { c ... on Query { d } }",
        )
        .unwrap();
        let op = &doc.operations.iter().next().unwrap().1.node;
        let mut data = value!({
            "list": [{"p": 1, "q": 2}, {"q": 3, "p": 4}],
            "d": 1, "c": 2, "b": 3,
            "z": {"x": 1, "y": 2},
        });
        in_query_order(&doc, op, &mut data);
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"z":{"y":2,"x":1},"b":3,"c":2,"d":1,"list":[{"q":2,"p":1},{"q":3,"p":4}]}"#
        );
    }
}
