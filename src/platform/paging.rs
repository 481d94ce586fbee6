//! Relay cursor pagination shared by every connection: argument checks, opaque cursors and
//! the keyset window a service needs.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::platform::error::{AppError, AppResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// Which way a page is read relative to the connection's natural order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Backward,
}

/// A validated page request: `limit` rows after (or before) `cursor`, in `direction`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<K> {
    pub limit: u64,
    pub cursor: Option<K>,
    pub direction: Direction,
}

/// A cursor is base64url("<kind>:<key>"); the kind stops a block cursor being used on a
/// transaction list.
pub fn encode_cursor(kind: &str, key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

pub fn decode_cursor<K: std::str::FromStr>(
    kind: &str,
    cursor: &str,
    field: &'static str,
) -> AppResult<K> {
    let invalid = || AppError::bad_input(field, format!("{field} is not a valid cursor"));
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let key = text
        .strip_prefix(kind)
        .and_then(|t| t.strip_prefix(':'))
        .ok_or_else(invalid)?;
    key.parse().map_err(|_| invalid())
}

fn limit(field: &'static str, value: Option<i32>) -> AppResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(AppError::bad_input(
            field,
            format!("{field} must not be negative"),
        )),
        Some(n) if n as u64 > MAX_PAGE => Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_PAGE}"),
        )),
        Some(n) => Ok(Some(n as u64)),
    }
}

/// Forward-only connections (`first`/`after`).
pub fn forward<K: std::str::FromStr>(
    kind: &str,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<PageRequest<K>> {
    Ok(PageRequest {
        limit: limit("first", first)?.unwrap_or(DEFAULT_PAGE),
        cursor: after.map(|c| decode_cursor(kind, c, "after")).transpose()?,
        direction: Direction::Forward,
    })
}

/// Connections that also page backward (`last`/`before`); mixing both directions is refused.
pub fn bidirectional<K: std::str::FromStr>(
    kind: &str,
    first: Option<i32>,
    after: Option<&str>,
    last: Option<i32>,
    before: Option<&str>,
) -> AppResult<PageRequest<K>> {
    if (first.is_some() || after.is_some()) && (last.is_some() || before.is_some()) {
        return Err(AppError::bad_input(
            "last",
            "use first/after or last/before, not both",
        ));
    }
    if last.is_some() || before.is_some() {
        return Ok(PageRequest {
            limit: limit("last", last)?.unwrap_or(DEFAULT_PAGE),
            cursor: before
                .map(|c| decode_cursor(kind, c, "before"))
                .transpose()?,
            direction: Direction::Backward,
        });
    }
    forward(kind, first, after)
}

/// Query complexity of a list field: its page size (`first` or `last`, else the default)
/// times the cost of one item, so a request for 100 of something costs 100 times as much.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let page = first.or(last).map_or(DEFAULT_PAGE as usize, |n| {
        n.clamp(0, MAX_PAGE as i32) as usize
    });
    page.max(1).saturating_mul(child_complexity.max(1))
}

/// Rows fetched with `limit + 1` become a page and whether more lay beyond it.
pub fn split_page<T>(mut rows: Vec<T>, page_limit: u64) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > page_limit;
    rows.truncate(page_limit as usize);
    (rows, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_check_kind() {
        let c = encode_cursor("blk", 42);
        assert_eq!(decode_cursor::<i64>("blk", &c, "after").unwrap(), 42);
        assert!(decode_cursor::<i64>("tx", &c, "after").is_err());
        assert!(decode_cursor::<i64>("blk", "%%%", "after").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(
            forward::<i64>("blk", None, None).unwrap().limit,
            DEFAULT_PAGE
        );
        assert!(forward::<i64>("blk", Some(101), None).is_err());
        assert!(forward::<i64>("blk", Some(-1), None).is_err());
        assert!(bidirectional::<i64>("blk", Some(1), None, Some(1), None).is_err());
        let back = bidirectional::<i64>("blk", None, None, Some(5), None).unwrap();
        assert_eq!((back.limit, back.direction), (5, Direction::Backward));
    }
}
