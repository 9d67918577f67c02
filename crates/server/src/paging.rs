//! Page ids of `list_chats` and `list_threads`. A request that names a `page_id` may not
//! repeat the first request's `sort_order`, `limit` or `min_events_count`, so the id carries
//! them along with where its page starts. Clients treat it as opaque.

use crate::errors::{validation, ApiResult};

/// How big a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageSize {
    /// This many items.
    Limit(usize),
    /// As many threads as it takes to hold this many events (`min_events_count`).
    MinEvents(usize),
}

/// Where a page starts, in which order, and how big it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Oldest first.
    pub ascending: bool,
    /// Page size.
    pub size: PageSize,
    /// Index of the page's first item in that order.
    pub offset: usize,
}

impl Cursor {
    /// The first page of a listing: its order and size from the request, or everything from
    /// its `page_id`, which then must come alone.
    pub(crate) fn start(
        page_id: Option<&str>,
        sort_order: Option<&str>,
        size: impl FnOnce() -> ApiResult<PageSize>,
    ) -> ApiResult<Cursor> {
        if let Some(page_id) = page_id {
            return Cursor::decode(page_id).ok_or_else(|| validation("page_id is not valid"));
        }
        let ascending = match sort_order {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(other) => return Err(validation(format!("sort_order must be asc or desc, not {other:?}"))),
        };
        Ok(Cursor { ascending, size: size()?, offset: 0 })
    }

    /// The same listing from another offset.
    pub(crate) fn at(self, offset: usize) -> Cursor {
        Cursor { offset, ..self }
    }

    /// `a` or `d`, `l` (limit) or `e` (events) with the number, a dot and the offset:
    /// `dl3.6` is the third page of three threads, newest first.
    pub(crate) fn encode(&self) -> String {
        let (kind, n) = match self.size {
            PageSize::Limit(n) => ('l', n),
            PageSize::MinEvents(n) => ('e', n),
        };
        format!("{}{kind}{n}.{}", if self.ascending { 'a' } else { 'd' }, self.offset)
    }

    fn decode(page_id: &str) -> Option<Cursor> {
        let ascending = match page_id.get(..1)? {
            "a" => true,
            "d" => false,
            _ => return None,
        };
        let (size, offset) = page_id.get(2..)?.split_once('.')?;
        let size: usize = size.parse().ok().filter(|n| (1..=100).contains(n))?;
        let size = match page_id.get(1..2)? {
            "l" => PageSize::Limit(size),
            "e" => PageSize::MinEvents(size),
            _ => return None,
        };
        Some(Cursor { ascending, size, offset: offset.parse().ok()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ids_carry_order_size_and_offset() {
        for cursor in [
            Cursor { ascending: false, size: PageSize::Limit(3), offset: 6 },
            Cursor { ascending: true, size: PageSize::MinEvents(25), offset: 0 },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        for bad in ["", "o3", "dl0.1", "dl101.1", "xl3.1", "dq3.1", "dl3.", "dl3.-1", "dl3"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_page_id_stands_alone() {
        let first = Cursor::start(None, Some("asc"), || Ok(PageSize::Limit(5))).unwrap();
        assert_eq!(first, Cursor { ascending: true, size: PageSize::Limit(5), offset: 0 });
        let again = Cursor::start(Some(&first.at(5).encode()), None, || unreachable!()).unwrap();
        assert_eq!(again.offset, 5);
        assert!(Cursor::start(None, Some("sideways"), || Ok(PageSize::Limit(5))).is_err());
    }
}
