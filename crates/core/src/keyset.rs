//! Pages of a list read by keyset (a cursor of the sort key and the id of the row next to
//! the page), forwards and backwards, as every list of partners and customers is.

use twotier_store::customers::{Cursor, ListSort};

/// The cursor of a page asked for by `after` (the next page) or `before` (the previous);
/// a time cursor that is not a number is no cursor (the list starts at its beginning).
pub(crate) fn cursor<'a>(
    sort: ListSort,
    after: Option<&'a (String, String)>,
    before: Option<&'a (String, String)>,
) -> Option<Cursor<'a>> {
    let valid = |(key, _): &&(String, String)| {
        matches!(sort, ListSort::Name | ListSort::NameDescending) || key.parse::<i64>().is_ok()
    };
    match (after.filter(valid), before.filter(valid)) {
        (Some((key, id)), _) => Some(Cursor {
            key,
            id,
            backwards: false,
        }),
        (None, Some((key, id))) => Some(Cursor {
            key,
            id,
            backwards: true,
        }),
        (None, None) => None,
    }
}

/// Cuts the page read with one row more than `limit` from `cursor` to its size, and says
/// whether there is a next page and a previous one.
pub(crate) fn cut<T>(found: &mut Vec<T>, limit: i64, cursor: Option<Cursor<'_>>) -> (bool, bool) {
    cut_page(
        found,
        limit,
        cursor.is_some(),
        cursor.is_some_and(|c| c.backwards),
    )
}

/// [`cut`] for a page read from a cursor (`from_cursor`) of any kind, forwards or
/// `backwards` (its rows turned round into the list's order already).
pub(crate) fn cut_page<T>(
    found: &mut Vec<T>,
    limit: i64,
    from_cursor: bool,
    backwards: bool,
) -> (bool, bool) {
    let more = found.len() as i64 > limit;
    if more {
        // The extra row is the one furthest from the cursor: the last, or going backwards
        // the first.
        if backwards {
            found.remove(0);
        } else {
            found.truncate(limit as usize);
        }
    }
    // Forwards there is a next page when a row was left over, and a previous one when the
    // page started after a cursor; backwards the other way round.
    if backwards {
        (true, more)
    } else {
        (more, from_cursor)
    }
}
