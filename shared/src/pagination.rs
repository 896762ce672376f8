//! Cursor pagination: `?limit=` (default 50, at most 500) and an opaque `?cursor=`.
//!
//! Lists are ordered newest first by their UUIDv7 id, which sorts by creation time
//! and breaks ties itself; the cursor carries the last id seen. Callers must treat
//! it as opaque: its form may change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{ApiError, Text};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A validated page request.
#[derive(Clone, Debug)]
pub struct Page {
    pub limit: i64,
    /// Rows strictly older than this id.
    pub before: Option<String>,
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
        Ok(Page { limit, before })
    }

    /// Rows to fetch: one more than asked, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
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

/// Pages a short list read whole in an order of its own (tasks in plan order, agencies
/// by code): the same `limit`, `cursor` and `next_cursor` as the lists paged in SQL,
/// the cursor carrying the key of the last item seen. A key no longer in the list
/// (the item was removed meanwhile) is an invalid cursor, not a silent restart.
pub fn page_read_whole<T>(
    rows: Vec<T>,
    limit: Option<i64>,
    cursor: Option<&str>,
    key_of: impl Fn(&T) -> &str,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let page = Page::parse(limit, None)?;
    let start = match cursor {
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
    let rows: Vec<T> = rows.into_iter().skip(start).collect();
    let (rows, next) = page.finish(rows, &key_of);
    let next = next.and(
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(format!("k1:{}", key_of(r)))),
    );
    Ok((rows, next))
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
