//! Cursor pagination: `?limit=` (default 50, at most 500) and an opaque `?cursor=`.
//!
//! Lists are ordered newest first by their UUIDv7 id, which sorts by creation time
//! and breaks ties itself; the cursor carries the last id seen. Callers must treat
//! it as opaque: its form may change.
//!
//! Every list also answers `?total=true` with `"total": N`, the items matching its
//! filters over all pages. Counting costs a second query, so it is done only when
//! asked and `total` is absent otherwise (see [`PageQuery`] and [`count_if`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::{ApiError, Text};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The paging parameters of a list that has no filters of its own; lists with filters
/// repeat these three fields in their own parameters (a flattened struct would lose
/// the parameter names of query errors).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// The `total` of a list: counted only when `?total=true` asked for it.
pub fn count_if<E>(
    asked: Option<bool>,
    count: impl FnOnce() -> Result<i64, E>,
) -> Result<Option<i64>, E> {
    asked.unwrap_or(false).then(count).transpose()
}

/// The `total` of a list read whole before paging: its length, when asked for.
#[must_use]
pub fn total_of<T>(asked: Option<bool>, rows: &[T]) -> Option<i64> {
    asked
        .unwrap_or(false)
        .then(|| i64::try_from(rows.len()).unwrap_or(i64::MAX))
}

/// A validated page request.
#[derive(Clone, Debug)]
pub struct Page {
    pub limit: i64,
    /// Rows strictly older than this id.
    pub before: Option<String>,
    /// Whether the caller asked for `total` (`?total=true`).
    pub count: bool,
}

impl Page {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Page, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_parameter(
                "limit",
                "invalid_limit",
                Text::new(
                    format!("limit phải từ 1 đến {MAX_LIMIT}."),
                    format!("limit must be between 1 and {MAX_LIMIT}."),
                ),
            ));
        }
        let before = cursor.map(decode).transpose()?;
        Ok(Page {
            limit,
            before,
            count: false,
        })
    }

    /// The same page, counting the matching rows when `?total=true` asked for it.
    #[must_use]
    pub fn with_total(mut self, asked: Option<bool>) -> Page {
        self.count = asked.unwrap_or(false);
        self
    }

    /// The total the list answers with: `count` run only when it was asked for.
    pub fn total<E>(&self, count: impl FnOnce() -> Result<i64, E>) -> Result<Option<i64>, E> {
        self.count.then(count).transpose()
    }

    /// Rows to fetch: one more than asked, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// [`Page::finish`] with the list's total (from [`Page::total`]).
    pub fn finish_counted<T>(
        &self,
        rows: Vec<T>,
        total: Option<i64>,
        id_of: impl Fn(&T) -> &str,
    ) -> Paged<T> {
        let (items, next_cursor) = self.finish(rows, id_of);
        Paged {
            items,
            next_cursor,
            total,
        }
    }

    /// Cuts the extra row and returns the items with the cursor of the next page.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> &str,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(|r| encode(id_of(r)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

/// A page of a list read whole, with its cursor and, when asked, its total.
#[derive(Debug)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
}

impl<T> Paged<T> {
    /// The items, the next page's cursor and the total, for a handler to answer with.
    pub fn into_parts(self) -> (Vec<T>, Option<String>, Option<i64>) {
        (self.items, self.next_cursor, self.total)
    }
}

/// Pages a short list read whole in an order of its own (tasks in plan order, agencies
/// by code, revisions by version): the same `limit`, `cursor`, `next_cursor` and
/// `total` as the lists paged in SQL, the cursor carrying the key of the last item
/// seen. A key no longer in the list (the item was removed meanwhile) is an invalid
/// cursor, not a silent restart.
pub fn page_whole<T>(
    rows: Vec<T>,
    query: &PageQuery,
    key_of: impl Fn(&T) -> String,
) -> Result<Paged<T>, ApiError> {
    let page = Page::parse(query.limit, None)?;
    let total = total_of(query.total, &rows);
    let start = match query.cursor.as_deref() {
        None => 0,
        Some(cursor) => {
            let key = URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.strip_prefix("k1:").map(str::to_owned))
                .ok_or_else(invalid_cursor)?;
            rows.iter()
                .position(|r| key_of(r) == key)
                .ok_or_else(invalid_cursor)?
                + 1
        }
    };
    let mut items: Vec<T> = rows.into_iter().skip(start).collect();
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|r| URL_SAFE_NO_PAD.encode(format!("k1:{}", key_of(r))))
    } else {
        None
    };
    Ok(Paged {
        items,
        next_cursor,
        total,
    })
}

/// [`page_whole`] without a total, for lists keyed by a text field.
pub fn page_read_whole<T>(
    rows: Vec<T>,
    limit: Option<i64>,
    cursor: Option<&str>,
    key_of: impl Fn(&T) -> &str,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let query = PageQuery {
        limit,
        cursor: cursor.map(str::to_owned),
        total: None,
    };
    let page = page_whole(rows, &query, |r| key_of(r).to_owned())?;
    Ok((page.items, page.next_cursor))
}

fn encode(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

/// The answer to a `cursor` this service did not issue (or that was altered).
pub fn invalid_cursor() -> ApiError {
    ApiError::bad_parameter(
        "cursor",
        "invalid_cursor",
        Text::new(
            "cursor không hợp lệ; hãy dùng đúng giá trị next_cursor đã nhận.",
            "Invalid cursor; pass back the next_cursor value exactly as received.",
        ),
    )
}

fn decode(cursor: &str) -> Result<String, ApiError> {
    let invalid = invalid_cursor;
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let id = text.strip_prefix("v1:").ok_or_else(invalid)?;
    Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let id = Uuid::now_v7().to_string();
        let page = Page::parse(Some(10), Some(&encode(&id))).ok();
        assert_eq!(page.and_then(|p| p.before), Some(id));
    }

    #[test]
    fn limits_are_bounded() {
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(501), None).is_err());
        assert_eq!(
            Page::parse(None, None).map(|p| p.limit).ok(),
            Some(DEFAULT_LIMIT)
        );
    }

    #[test]
    fn a_list_read_whole_pages_in_its_own_order() {
        fn key(row: &String) -> &str {
            row
        }
        let rows: Vec<String> = ["SNV", "SYT", "BHXH", "CA"].map(String::from).to_vec();
        let (first, next) = page_read_whole(rows.clone(), Some(3), None, key).unwrap_or_default();
        assert_eq!(first, ["SNV", "SYT", "BHXH"]);
        let (rest, last) =
            page_read_whole(rows.clone(), Some(3), next.as_deref(), key).unwrap_or_default();
        assert_eq!((rest, last), (vec!["CA".to_owned()], None));
        assert!(page_read_whole(rows, Some(3), Some("bm90LWEta2V5"), key).is_err());
    }

    #[test]
    fn forged_cursors_are_refused() {
        assert!(Page::parse(None, Some("not-a-cursor")).is_err());
        assert!(Page::parse(None, Some(&URL_SAFE_NO_PAD.encode("v1:'; DROP TABLE x"))).is_err());
    }

    #[test]
    fn finish_reports_a_next_page_only_when_there_is_one() {
        let page = Page {
            limit: 2,
            before: None,
            count: false,
        };
        let (items, next) = page
            .finish(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()], |s| {
                s.as_str()
            });
        assert_eq!(items.len(), 2);
        assert_eq!(next, Some(encode("b")));
        let (_, next) = page.finish(vec!["a".to_owned()], |s| s.as_str());
        assert_eq!(next, None);
    }
}
