//! Direct answers for Relay connections: `pageInfo`, `edges { cursor node }`, `nodes` and a
//! `totalCount` the list already knows, written as async-graphql's `Connection` answers them.

use async_graphql::{ContextSelectionSet, Value};

use super::{Shape, nullable, string, sub_selection};

/// A field of `PageInfo`.
pub enum PageField {
    HasPrevious,
    HasNext,
    Start,
    End,
}

/// A field of an edge: its cursor, or its node compiled as `N`.
pub enum EdgeField<N> {
    Cursor,
    Node(N),
}

/// A field of a connection.
pub enum ConnField<N> {
    PageInfo(Shape<PageField>),
    Edges(Shape<EdgeField<N>>),
    Nodes(N),
    TotalCount,
}

/// A compiled connection selection whose nodes compile to `N`.
pub struct ConnShape<N>(Shape<ConnField<N>>);

/// One page as the connection would show it; cursors may be empty when none is selected.
pub struct Page<'p, T> {
    pub items: Vec<(&'p T, String)>,
    pub has_previous: bool,
    pub has_next: bool,
    /// `totalCount` when the list knows it without another read.
    pub total: Option<i32>,
}

fn page_info(ctx: &ContextSelectionSet<'_>) -> Option<Shape<PageField>> {
    Shape::compile(ctx, "PageInfo", |field| {
        Some(match field.item.node.name.node.as_str() {
            "hasPreviousPage" => PageField::HasPrevious,
            "hasNextPage" => PageField::HasNext,
            "startCursor" => PageField::Start,
            "endCursor" => PageField::End,
            _ => return None,
        })
    })
}

impl<N> ConnShape<N> {
    /// Compiles a connection's selection. `total` says whether the page will know its
    /// `totalCount`; `node` compiles the selection of a node (under `edges` or `nodes`).
    pub fn compile(
        ctx: &ContextSelectionSet<'_>,
        names: (&str, &str),
        total: bool,
        mut node: impl FnMut(&ContextSelectionSet<'_>) -> Option<N>,
    ) -> Option<Self> {
        let (connection, edge) = names;
        let shape = Shape::compile(ctx, connection, |field| {
            Some(match field.item.node.name.node.as_str() {
                "pageInfo" => ConnField::PageInfo(page_info(&sub_selection(field))?),
                "edges" => ConnField::Edges(Shape::compile(&sub_selection(field), edge, |f| {
                    Some(match f.item.node.name.node.as_str() {
                        "cursor" => EdgeField::Cursor,
                        "node" => EdgeField::Node(node(&sub_selection(f))?),
                        _ => return None,
                    })
                })?),
                "nodes" => ConnField::Nodes(node(&sub_selection(field))?),
                "totalCount" if total => ConnField::TotalCount,
                _ => return None,
            })
        })?;
        Some(Self(shape))
    }

    /// Whether any cursor is selected (they cost an encoding per row).
    pub fn needs_cursors(&self) -> bool {
        self.0.fields().any(|f| match f {
            ConnField::PageInfo(info) => info
                .fields()
                .any(|p| matches!(p, PageField::Start | PageField::End)),
            ConnField::Edges(edge) => edge.fields().any(|e| matches!(e, EdgeField::Cursor)),
            ConnField::Nodes(_) | ConnField::TotalCount => false,
        })
    }

    /// The connection's value; `node` writes one node or declines.
    pub fn write<T>(
        &self,
        page: &Page<'_, T>,
        mut node: impl FnMut(&N, &T) -> Option<Value>,
    ) -> Option<Value> {
        self.0.write(|field| {
            Some(match field {
                ConnField::PageInfo(info) => info.write(|p| {
                    Some(match p {
                        PageField::HasPrevious => Value::Boolean(page.has_previous),
                        PageField::HasNext => Value::Boolean(page.has_next),
                        PageField::Start => nullable(page.items.first().map(|(_, c)| string(c))),
                        PageField::End => nullable(page.items.last().map(|(_, c)| string(c))),
                    })
                })?,
                ConnField::Edges(edge) => Value::List(
                    page.items
                        .iter()
                        .map(|(item, cursor)| {
                            edge.write(|e| match e {
                                EdgeField::Cursor => Some(string(cursor)),
                                EdgeField::Node(shape) => node(shape, item),
                            })
                        })
                        .collect::<Option<_>>()?,
                ),
                ConnField::Nodes(shape) => Value::List(
                    page.items
                        .iter()
                        .map(|(item, _)| node(shape, item))
                        .collect::<Option<_>>()?,
                ),
                ConnField::TotalCount => Value::from(page.total?),
            })
        })
    }
}
