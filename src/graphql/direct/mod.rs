//! Direct answers: a list resolver whose page (with what its plan read ahead) covers the whole
//! selection builds the response value itself, instead of async-graphql's executor running a
//! future, a context and a field lookup per field (about 3,800 fields for a page of 50 blocks
//! with 10 transactions each, most of the server's time on that query).
//!
//! A writer covers only fields that are public and cannot fail: a field it does not know, a
//! private field, a field that needs a loader, an argument the resolver would reject, a
//! repeated response key or a directive other than skip/include makes it decline, and the
//! ordinary resolvers answer the whole list as before. Authorization and error paths therefore
//! stay with the resolvers; the writers reuse the resolvers' scalar conversions, IDs and cursors,
//! and tests compare both paths field for field (`GRAPHQL_DIRECT_WRITE=false` turns writers off).

use std::borrow::Cow;

mod connection;

pub use connection::{ConnField, ConnShape, Page};

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Directive, Field, Selection, SelectionSet},
    registry::Registry,
};

use crate::state::AppState;

/// A type whose values can be written without the executor for some selections.
pub trait DirectWrite: OutputType {
    /// The value of `self` for the selection set of `ctx`, or `None` to decline.
    fn write(&self, ctx: &ContextSelectionSet<'_>) -> Option<Value>;
}

/// A resolver's result that is written directly when its writer covers the selection (and
/// `GRAPHQL_DIRECT_WRITE` is on). It is the same GraphQL type as `T`: the schema, validation,
/// complexity and cache hints do not change.
pub struct Direct<T>(pub T);

impl<T: DirectWrite> OutputType for Direct<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let state = ctx.data_opt::<AppState>();
        if let Some(state) = state.filter(|s| s.config.graphql_direct_write) {
            let written = self.0.write(ctx);
            state.metrics.direct_write(written.is_some());
            if let Some(value) = written {
                return Ok(value);
            }
        }
        self.0.resolve(ctx, field).await
    }
}

/// One selected field of an object: `__typename` or a field the type's writer compiled.
pub enum Entry<F> {
    Typename,
    Field(F),
}

/// A compiled selection of one object type: response keys in the executor's order.
pub struct Shape<F> {
    type_name: Value,
    entries: Vec<(Name, Entry<F>)>,
}

/// Whether skip/include (already applied when the request was prepared) are the only
/// directives; a custom directive could change a value, so it makes writers decline.
fn plain(directives: &[Positioned<Directive>]) -> bool {
    directives
        .iter()
        .all(|d| matches!(d.node.name.node.as_str(), "skip" | "include"))
}

/// Whether a fragment on `condition` applies to an object of `type_name`. Validation allows
/// only overlapping conditions; any other answer makes the writer decline.
fn applies(ctx: &ContextSelectionSet<'_>, condition: &str, type_name: &str) -> bool {
    condition == type_name
        || ctx
            .schema_env
            .registry
            .implements
            .get(type_name)
            .is_some_and(|interfaces| interfaces.contains(condition))
}

/// The fields of a selection set through its fragments, in the order the executor answers them.
fn collect<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    type_name: &str,
    out: &mut Vec<&'a Positioned<Field>>,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                if !plain(&field.node.directives) {
                    return None;
                }
                out.push(field);
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                let condition = fragment.node.type_condition.node.on.node.as_str();
                if !plain(&spread.node.directives) || !applies(ctx, condition, type_name) {
                    return None;
                }
                collect(ctx, &fragment.node.selection_set.node, type_name, out)?;
            }
            Selection::InlineFragment(inline) => {
                let condition = inline.node.type_condition.as_ref();
                if !plain(&inline.node.directives)
                    || condition.is_some_and(|c| !applies(ctx, c.node.on.node.as_str(), type_name))
                {
                    return None;
                }
                collect(ctx, &inline.node.selection_set.node, type_name, out)?;
            }
        }
    }
    Some(())
}

impl<F> Shape<F> {
    /// Compiles the selection set of `ctx` on an object of `type_name`; `field` compiles one
    /// field (given its own context) or declines with `None`.
    pub fn compile<'a>(
        ctx: &ContextSelectionSet<'a>,
        type_name: &str,
        mut field: impl FnMut(&async_graphql::Context<'_>) -> Option<F>,
    ) -> Option<Self> {
        let mut fields = Vec::new();
        collect(ctx, &ctx.item.node, type_name, &mut fields)?;
        // A selection `@skip` emptied: the executor answers null for it, not `{}`.
        if fields.is_empty() {
            return None;
        }
        let mut entries: Vec<(Name, Entry<F>)> = Vec::with_capacity(fields.len());
        for selected in fields {
            let key = selected.node.response_key().node.clone();
            // The executor merges repeated keys; writers leave that to it.
            if entries.iter().any(|(k, _)| *k == key) {
                return None;
            }
            let entry = if selected.node.name.node == "__typename" {
                Entry::Typename
            } else {
                Entry::Field(field(&ctx.with_field(selected))?)
            };
            entries.push((key, entry));
        }
        Some(Self {
            type_name: Value::String(type_name.to_owned()),
            entries,
        })
    }

    /// The object for one value: `value` writes each compiled field or declines.
    pub fn write(&self, mut value: impl FnMut(&F) -> Option<Value>) -> Option<Value> {
        let mut object = IndexMap::with_capacity(self.entries.len());
        for (key, entry) in &self.entries {
            let v = match entry {
                Entry::Typename => self.type_name.clone(),
                Entry::Field(f) => value(f)?,
            };
            object.insert(key.clone(), v);
        }
        Some(Value::Object(object))
    }

    pub fn fields(&self) -> impl Iterator<Item = &F> {
        self.entries.iter().filter_map(|(_, e)| match e {
            Entry::Field(f) => Some(f),
            Entry::Typename => None,
        })
    }
}

/// The selection set of a field's context, as the context of that selection set.
pub fn sub_selection<'a>(field: &async_graphql::Context<'a>) -> ContextSelectionSet<'a> {
    field.with_selection_set(&field.item.node.selection_set)
}

/// The shape of a value with an optional object: null, or the object.
pub fn nullable(value: Option<Value>) -> Value {
    value.unwrap_or(Value::Null)
}

pub fn string(s: &str) -> Value {
    Value::String(s.to_owned())
}

pub fn optional_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null, string)
}

pub fn boolean(b: bool) -> Value {
    Value::Boolean(b)
}
