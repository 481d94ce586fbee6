//! Document limits async-graphql does not enforce itself: lexical tokens (checked before the
//! parser runs), aliases, root fields and directives. Depth and complexity are enforced by the
//! schema (`limit_depth`, `limit_complexity`).

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use super::operation::root_fields as collect_root_fields;
use crate::platform::{
    config::Config,
    error::{AppError, Limit},
};

fn exceeded(limit: Limit, what: &str, max: usize) -> AppError {
    AppError::limit(limit, format!("the document has more than {max} {what}"))
}

/// Counts GraphQL lexical tokens without allocating: punctuators, names, numbers and
/// strings; whitespace, commas and comments are ignored. Stops counting past `max`.
pub fn count_tokens(source: &str, max: usize) -> usize {
    let bytes = source.as_bytes();
    let (mut i, mut count) = (0, 0);
    while i < bytes.len() && count <= max {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
                count += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                count += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                count += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
                count += 1;
            }
            _ => {
                // Punctuators, and any other byte (the parser will reject it) as one token.
                i += 1;
                count += 1;
            }
        }
    }
    count
}

pub fn check_tokens(source: &str, config: &Config) -> Result<(), AppError> {
    if count_tokens(source, config.max_query_tokens) > config.max_query_tokens {
        return Err(exceeded(Limit::Tokens, "tokens", config.max_query_tokens));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

fn walk(set: &SelectionSet, counts: &mut Counts) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                counts.aliases += usize::from(field.node.alias.is_some());
                counts.directives += field.node.directives.len();
                walk(&field.node.selection_set.node, counts);
            }
            Selection::FragmentSpread(spread) => counts.directives += spread.node.directives.len(),
            Selection::InlineFragment(inline) => {
                counts.directives += inline.node.directives.len();
                walk(&inline.node.selection_set.node, counts);
            }
        }
    }
}

/// Whether an operation asks for `__schema` or `__type` at its root (directly or through
/// fragments), so that disabled introspection is refused with an error, not answered null.
pub fn uses_introspection(doc: &ExecutableDocument) -> bool {
    fn visit<'a>(
        doc: &'a ExecutableDocument,
        set: &'a SelectionSet,
        seen: &mut HashSet<&'a str>,
    ) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
            }
            Selection::InlineFragment(inline) => visit(doc, &inline.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if seen.insert(name) => {
                        visit(doc, &fragment.node.selection_set.node, seen)
                    }
                    _ => false,
                }
            }
        })
    }
    doc.operations
        .iter()
        .any(|(_, op)| visit(doc, &op.node.selection_set.node, &mut HashSet::new()))
}

/// Where a string holds a NUL: the argument or variable it came through.
fn nul_in(value: &async_graphql::Value) -> bool {
    match value {
        async_graphql::Value::String(s) => s.contains('\0'),
        async_graphql::Value::List(items) => items.iter().any(nul_in),
        async_graphql::Value::Object(map) => {
            map.keys().any(|k| k.contains('\0')) || map.values().any(nul_in)
        }
        _ => false,
    }
}

fn nul_in_set(set: &SelectionSet) -> Option<String> {
    for selection in &set.items {
        let (arguments, directives, child) = match &selection.node {
            Selection::Field(field) => (
                &field.node.arguments[..],
                &field.node.directives,
                Some(&field.node.selection_set.node),
            ),
            Selection::FragmentSpread(spread) => (&[][..], &spread.node.directives, None),
            Selection::InlineFragment(inline) => (
                &[][..],
                &inline.node.directives,
                Some(&inline.node.selection_set.node),
            ),
        };
        let directive_args = directives.iter().flat_map(|d| d.node.arguments.iter());
        for (name, value) in arguments.iter().chain(directive_args) {
            // Variables are checked on their own; here they count as null.
            let value = value
                .node
                .clone()
                .into_const_with(|_| Ok::<_, ()>(async_graphql::Value::Null));
            if value.is_ok_and(|v| nul_in(&v)) {
                return Some(name.node.to_string());
            }
        }
        if let Some(found) = child.and_then(nul_in_set) {
            return Some(found);
        }
    }
    None
}

fn refuse_nul(field: &'static str, what: String) -> AppError {
    AppError::BadInput {
        field,
        message: format!("{what} must not contain NUL characters"),
    }
}

/// PostgreSQL refuses NUL in text, and no input of ours has a use for it: a variable holding
/// one is refused at the edge, naming it.
pub fn check_nul_in_variables(variables: &async_graphql::Variables) -> Result<(), AppError> {
    match variables.iter().find(|(_, value)| nul_in(value)) {
        Some((name, _)) => Err(refuse_nul("variables", format!("variable ${name}"))),
        None => Ok(()),
    }
}

/// The same for string literals in the document: arguments and variable defaults.
pub fn check_nul_in_document(doc: &ExecutableDocument) -> Result<(), AppError> {
    let sets = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    for set in sets {
        if let Some(argument) = nul_in_set(set) {
            return Err(refuse_nul("query", format!("argument {argument}")));
        }
    }
    for (_, op) in doc.operations.iter() {
        for definition in &op.node.variable_definitions {
            if definition
                .node
                .default_value
                .as_ref()
                .is_some_and(|v| nul_in(&v.node))
            {
                let name = &definition.node.name.node;
                return Err(refuse_nul("query", format!("the default of ${name}")));
            }
        }
    }
    Ok(())
}

/// Aliases and directives are counted over the whole document text; root fields per operation.
pub fn check_document(doc: &ExecutableDocument, config: &Config) -> Result<(), AppError> {
    let mut counts = Counts::default();
    for (_, op) in doc.operations.iter() {
        counts.directives += op.node.directives.len();
        walk(&op.node.selection_set.node, &mut counts);
        let mut roots = Vec::new();
        collect_root_fields(
            doc,
            &op.node.selection_set.node,
            &mut HashSet::new(),
            &mut roots,
        );
        if roots.len() > config.max_root_fields {
            return Err(exceeded(
                Limit::RootFields,
                "root fields in one operation",
                config.max_root_fields,
            ));
        }
    }
    for fragment in doc.fragments.values() {
        counts.directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    if counts.aliases > config.max_aliases {
        return Err(exceeded(Limit::Aliases, "aliases", config.max_aliases));
    }
    if counts.directives > config.max_directives {
        return Err(exceeded(
            Limit::Directives,
            "directives",
            config.max_directives,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn limit_of(result: Result<(), AppError>) -> Option<Limit> {
        match result {
            Err(AppError::Limit { limit, .. }) => Some(limit),
            _ => None,
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(count_tokens("{ a b }", 100), 4);
        assert_eq!(
            count_tokens("query Q($x: Int = 5) { a(x: $x) @skip(if: true) }", 100),
            26
        );
        assert_eq!(count_tokens("{ a(s: \"x y, z\") } # comment , , ,", 100), 8);
        assert_eq!(count_tokens("{ ...F }", 100), 4);
        assert_eq!(count_tokens(&"{ a ".repeat(1000), 10), 11, "stops early");
    }

    #[test]
    fn aliases_roots_directives() {
        let config = Config {
            max_aliases: 2,
            max_root_fields: 3,
            max_directives: 1,
            ..Config::default()
        };
        let ok = parse_query("{ a: me { id } b: me { id } }").unwrap();
        assert!(check_document(&ok, &config).is_ok());
        let aliases = parse_query("{ a: me { id } b: me { id } c: me { id } }").unwrap();
        assert_eq!(
            limit_of(check_document(&aliases, &config)),
            Some(Limit::Aliases)
        );
        let roots = parse_query(
            "{ ...F } fragment F on Query { me { id } x: me { id } y: me { id } z: me { id } }",
        )
        .unwrap();
        assert_eq!(
            limit_of(check_document(&roots, &config)),
            Some(Limit::RootFields)
        );
        let config = Config {
            max_root_fields: 10,
            ..config
        };
        assert_eq!(
            limit_of(check_document(&roots, &config)),
            Some(Limit::Aliases)
        );
        let cyclic = parse_query("{ ...F } fragment F on Query { ...F me { id } }").unwrap();
        assert!(check_document(&cyclic, &config).is_ok());
        let directives = parse_query("{ me @skip(if: false) { id @include(if: true) } }").unwrap();
        assert_eq!(
            limit_of(check_document(&directives, &config)),
            Some(Limit::Directives)
        );
    }
}
