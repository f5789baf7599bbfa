//! What every list page shares: its filters kept in the URL, the page size, sortable column
//! headers, the total and the Previous and Next links (`templates/pager.html`).

use std::collections::HashMap;

use twotier_core::customers::ListSort;

/// The page sizes a person can choose; the first list is the default.
pub const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];
const DEFAULT_SIZE: i64 = 50;

/// A list page's address with its filters: `path?name=value…`, empty values left out.
pub fn href(path: &str, params: &[(&str, &str)]) -> String {
    let kept: Vec<&(&str, &str)> = params.iter().filter(|(_, v)| !v.is_empty()).collect();
    if kept.is_empty() {
        return path.to_owned();
    }
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

/// The orders of a list of partners or customers, by their `sort=` value; the first is the
/// default.
const SORTS: [(&str, ListSort); 4] = [
    ("name", ListSort::Name),
    ("name-desc", ListSort::NameDescending),
    ("newest", ListSort::Newest),
    ("oldest", ListSort::Oldest),
];

/// The order asked for (`sort=`), by its `sort=` value, else by name.
pub fn sort_asked(q: &HashMap<String, String>) -> (&'static str, ListSort) {
    SORTS
        .iter()
        .find(|(name, _)| q.get("sort").map(String::as_str) == Some(*name))
        .copied()
        .unwrap_or(SORTS[0])
}

/// A sorted list page's address: its filters, its order and page size (each left out when
/// the default, or empty) and the cursor of a page (`("after" | "before", key, id)`).
pub fn list_href(
    path: &str,
    filters: &[(&str, &str)],
    (sort, size): (&str, i64),
    cursor: Option<(&str, &str, &str)>,
) -> String {
    let size = size.to_string();
    let mut params = filters.to_vec();
    params.push(("sort", if sort == SORTS[0].0 { "" } else { sort }));
    params.push((
        "size",
        if size == DEFAULT_SIZE.to_string() {
            ""
        } else {
            &size
        },
    ));
    if let Some((dir, key, id)) = cursor {
        params.push((dir, key));
        params.push((
            if dir == "after" {
                "after_id"
            } else {
                "before_id"
            },
            id,
        ));
    }
    href(path, &params)
}

/// What a sorted list page was asked for: the filters it keeps in its links, its order, its
/// page size and the cursor of the page (`after`/`after_id` or `before`/`before_id`).
#[derive(Debug, Clone)]
pub struct Asked {
    path: String,
    filters: Vec<(&'static str, String)>,
    /// The order's `sort=` value, and the order.
    pub sort_name: &'static str,
    pub sort: ListSort,
    pub size: i64,
    pub after: Option<(String, String)>,
    pub before: Option<(String, String)>,
}

impl Asked {
    /// The list at `path` as `q` asks for it, keeping the filters named `filters`.
    pub fn new(
        path: impl Into<String>,
        q: &HashMap<String, String>,
        filters: &[&'static str],
    ) -> Self {
        let (sort_name, sort) = sort_asked(q);
        let cursor = |key: &str, id: &str| q.get(key).cloned().zip(q.get(id).cloned());
        Self {
            path: path.into(),
            filters: filters
                .iter()
                .map(|name| (*name, q.get(*name).cloned().unwrap_or_default()))
                .collect(),
            sort_name,
            sort,
            size: page_size(q),
            after: cursor("after", "after_id"),
            before: cursor("before", "before_id"),
        }
    }

    /// The value of the filter `name` as typed ("" when not given).
    pub fn filter(&self, name: &str) -> &str {
        self.filters
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The value of the filter `name` when it holds more than spaces.
    pub fn given(&self, name: &str) -> Option<String> {
        Some(self.filter(name).trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The list's address in the order `sort`, at the page a cursor names.
    pub fn link(&self, sort: &str, cursor: Option<(&str, &(String, String))>) -> String {
        let filters: Vec<(&str, &str)> =
            self.filters.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let cursor = cursor.map(|(dir, (key, id))| (dir, key.as_str(), id.as_str()));
        list_href(&self.path, &filters, (sort, self.size), cursor)
    }

    /// Headers for `columns`: (label, (ascending, descending) `sort=` values).
    pub fn headers(&self, columns: &[(&'static str, (&str, &str))]) -> Vec<SortHeader> {
        columns
            .iter()
            .map(|(label, values)| {
                SortHeader::new(label, *values, self.sort_name, |to| self.link(to, None))
            })
            .collect()
    }

    /// The pager of a page with `total` (in words) and the cursors around it.
    pub fn pager(
        &self,
        total: String,
        previous: Option<&(String, String)>,
        next: Option<&(String, String)>,
    ) -> Pager {
        Pager {
            total,
            previous: previous.map(|c| self.link(self.sort_name, Some(("before", c)))),
            next: next.map(|c| self.link(self.sort_name, Some(("after", c)))),
            size: self.size,
        }
    }
}

/// The page size asked for (`size=`), one of [`PAGE_SIZES`], else the default.
pub fn page_size(q: &HashMap<String, String>) -> i64 {
    q.get("size")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| PAGE_SIZES.contains(n))
        .unwrap_or(DEFAULT_SIZE)
}

/// A column header that sorts: its link (to the other direction when it is the current
/// sort) and its `aria-sort` state.
#[derive(Debug, Clone)]
pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    /// "ascending" or "descending" for the current sort column, else empty.
    pub aria_sort: &'static str,
}

impl SortHeader {
    /// `ascending` and `descending` are the column's two `sort=` values; `current` is the
    /// list's; `link` builds the list's address for a sort value (page cursors dropped).
    pub fn new(
        label: &'static str,
        (ascending, descending): (&str, &str),
        current: &str,
        link: impl Fn(&str) -> String,
    ) -> Self {
        let (aria_sort, to) = if current == ascending {
            ("ascending", descending)
        } else if current == descending {
            ("descending", ascending)
        } else {
            ("", ascending)
        };
        Self {
            label,
            href: link(to),
            aria_sort,
        }
    }
    /// The arrow drawn after the label.
    pub fn arrow(&self) -> &'static str {
        match self.aria_sort {
            "ascending" => " ▲",
            "descending" => " ▼",
            _ => "",
        }
    }
}

/// The line under a list: how many match, and the links to the pages around this one.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// "1,234 customers match" or "More than 10,000 customers match".
    pub total: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub size: i64,
}

impl Pager {
    pub fn sizes(&self) -> [i64; 4] {
        PAGE_SIZES
    }
}

/// "1 customer", "1,234 customers", "more than 10,000 customers".
pub fn count_text(count: i64, cap: i64, one: &str, many: &str) -> String {
    if count >= cap {
        format!("More than {} {many}", thousands(cap))
    } else if count == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(count))
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count_text(1, 10_000, "customer", "customers"), "1 customer");
        assert_eq!(
            count_text(0, 10_000, "customer", "customers"),
            "0 customers"
        );
        assert_eq!(
            count_text(10_000, 10_000, "customer", "customers"),
            "More than 10,000 customers"
        );
    }

    #[test]
    fn a_header_links_to_the_other_direction_of_its_column() {
        let link = |s: &str| format!("/customers?sort={s}");
        let name = SortHeader::new("Company", ("name", "name-desc"), "name", link);
        assert_eq!(
            (name.aria_sort, name.href.as_str()),
            ("ascending", "/customers?sort=name-desc")
        );
        let since = SortHeader::new("Since", ("oldest", "newest"), "name", link);
        assert_eq!(
            (since.aria_sort, since.href.as_str()),
            ("", "/customers?sort=oldest")
        );
        assert_eq!(
            href("/x", &[("q", ""), ("size", "25")]),
            "/x?size=25",
            "empty filters are left out"
        );
    }
}
