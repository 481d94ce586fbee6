//! Which columns a selection needs: lean reads for lookahead-planned lists. A type lists the
//! columns each of its fields reads; a field it does not list (another domain's part, a field
//! added later) makes the read take every column, so a missed entry costs speed, never a wrong
//! answer.

use async_graphql::Lookahead;

/// The columns of one table that a GraphQL type's fields read.
pub struct FieldColumns {
    /// Always read: keys, and what cursors and authorization rules look at.
    pub keys: &'static [&'static str],
    /// Field name → the columns its resolver reads.
    pub fields: &'static [(&'static str, &'static [&'static str])],
    /// Everything a resolver may read (never secrets no field shows).
    pub all: &'static [&'static str],
}

impl FieldColumns {
    /// The columns the fields selected on `node` read (`node` is the object's own lookahead,
    /// e.g. `edges.node`; all its occurrences, through fragments and aliases, count).
    pub fn for_selection(&self, node: &Lookahead<'_>) -> Vec<&'static str> {
        let mut columns = self.keys.to_vec();
        for occurrence in node.selection_fields() {
            for field in occurrence.selection_set() {
                let name = field.name();
                if name == "__typename" {
                    continue;
                }
                let Some((_, reads)) = self.fields.iter().find(|(f, _)| *f == name) else {
                    return self.all.to_vec();
                };
                for column in *reads {
                    if !columns.contains(column) {
                        columns.push(column);
                    }
                }
            }
        }
        columns
    }
}
