//! What an operation is: its type, its root fields (fragments followed) and the login names
//! its authentication mutations name, read from the parsed document.

use std::collections::HashSet;

use async_graphql::{
    Request,
    parser::types::{
        ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
    },
};

/// Root fields that count as authentication attempts.
pub const AUTH_FIELDS: &[&str] = &["register", "login", "refreshToken"];

#[derive(Debug, Clone, Default)]
pub struct OperationInfo {
    /// `None` when the document did not parse or names no operation it holds.
    pub ty: Option<OperationType>,
    pub root_fields: Vec<String>,
    /// How many root fields are authentication attempts; each counts against the limits.
    pub auth_fields: usize,
    pub login_names: Vec<String>,
}

impl OperationInfo {
    pub fn is_mutation(&self) -> bool {
        self.ty == Some(OperationType::Mutation)
    }

    pub fn is_query(&self) -> bool {
        self.ty == Some(OperationType::Query)
    }
}

fn input_login(value: &async_graphql::Value) -> Option<String> {
    let async_graphql::Value::Object(object) = value else {
        return None;
    };
    ["login", "username"]
        .into_iter()
        .find_map(|k| match object.get(k) {
            Some(async_graphql::Value::String(s)) => Some(s.trim().to_lowercase()),
            _ => None,
        })
}

/// Root fields of a selection set, following fragments (each at most once, so a fragment
/// cycle cannot loop; validation rejects cycles anyway).
pub fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
    out: &mut Vec<&'a Field>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => out.push(&field.node),
            Selection::InlineFragment(inline) => {
                root_fields(doc, &inline.node.selection_set.node, seen, out)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                    && seen.insert(name)
                {
                    root_fields(doc, &fragment.node.selection_set.node, seen, out);
                }
            }
        }
    }
}

/// The operation a request selects: by `operationName`, else the first one.
pub fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let op = match name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => doc.operations.iter().next(),
    };
    op.map(|(_, op)| &op.node)
}

/// Reads the operation the request selects from its parsed document.
pub fn operation_info(doc: &ExecutableDocument, request: &Request) -> OperationInfo {
    let variables = &request.variables;
    let Some(op) = selected_operation(doc, request.operation_name.as_deref()) else {
        return OperationInfo::default();
    };
    let mut fields = Vec::new();
    root_fields(
        doc,
        &op.selection_set.node,
        &mut HashSet::new(),
        &mut fields,
    );
    let mut info = OperationInfo {
        ty: Some(op.ty),
        ..OperationInfo::default()
    };
    for field in fields {
        let field_name = field.name.node.to_string();
        if op.ty == OperationType::Mutation && AUTH_FIELDS.contains(&field_name.as_str()) {
            info.auth_fields += 1;
            let login = field
                .arguments
                .iter()
                .find(|(n, _)| n.node == "input")
                .and_then(|(_, input)| {
                    input
                        .node
                        .clone()
                        .into_const_with(|var| variables.get(&var).cloned().ok_or(()))
                        .ok()
                })
                .and_then(|value| input_login(&value));
            info.login_names.extend(login);
        }
        info.root_fields.push(field_name);
    }
    info
}
