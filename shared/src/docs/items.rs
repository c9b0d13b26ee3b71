//! Building blocks of every document: ordered collections that merge under
//! concurrent edits, sets, dates and amounts.
//!
//! Lists of records are maps from a random id to the record, each record
//! carrying a fractional `pos`. Two people adding items at once both keep
//! theirs; two people moving the same item end with one of the moves (last
//! writer wins on `pos`), never a duplicate or a loss, and every path into a
//! record is made of keys that concurrent edits cannot shift.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

/// Records by id; show them with [`ordered`].
pub type Items<T> = BTreeMap<String, T>;

/// Ids of other records (needs, consultations, outputs…): a map to `true`, so
/// that concurrent additions and removals of different ids both survive.
pub type IdSet = BTreeMap<String, bool>;

/// A record kept in an [`Items`] collection.
pub trait Positioned {
    fn pos(&self) -> f64;
    fn set_pos(&mut self, pos: f64);
}

/// Implements [`Positioned`] for records with a `pos: f64` field.
#[macro_export]
macro_rules! positioned {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::docs::items::Positioned for $t {
            fn pos(&self) -> f64 {
                self.pos
            }
            fn set_pos(&mut self, pos: f64) {
                self.pos = pos;
            }
        }
    )*};
}

/// A new record id: 64 random bits as 16 hex digits.
pub fn new_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id[..16].to_string()
}

/// The records in display order (by position, ties by id so every replica agrees).
pub fn ordered<T: Positioned>(items: &Items<T>) -> Vec<(&str, &T)> {
    let mut list: Vec<(&str, &T)> = items.iter().map(|(k, v)| (k.as_str(), v)).collect();
    list.sort_by(|a, b| a.1.pos().total_cmp(&b.1.pos()).then(a.0.cmp(b.0)));
    list
}

/// The ids in display order.
pub fn ordered_ids<T: Positioned>(items: &Items<T>) -> Vec<String> {
    ordered(items)
        .into_iter()
        .map(|(k, _)| k.to_string())
        .collect()
}

/// A position after every record.
pub fn next_pos<T: Positioned>(items: &Items<T>) -> f64 {
    items
        .values()
        .map(|v| v.pos())
        .filter(|p| p.is_finite())
        .fold(0.0, f64::max)
        + 1.0
}

/// Adds a record at the end; returns its new id.
pub fn push<T: Positioned>(items: &mut Items<T>, mut item: T) -> String {
    item.set_pos(next_pos(items));
    let id = new_id();
    items.insert(id.clone(), item);
    id
}

/// Moves a record to `index` of the display order (clamped). Returns whether it moved.
pub fn move_to<T: Positioned>(items: &mut Items<T>, id: &str, index: usize) -> bool {
    let order: Vec<(String, f64)> = ordered(items)
        .into_iter()
        .filter(|(k, _)| *k != id)
        .map(|(k, v)| (k.to_string(), v.pos()))
        .collect();
    if !items.contains_key(id) {
        return false;
    }
    let index = index.min(order.len());
    let before = index.checked_sub(1).map(|i| order[i].1);
    let after = order.get(index).map(|(_, p)| *p);
    let pos = match (before, after) {
        (None, None) => 1.0,
        (Some(b), None) => b + 1.0,
        (None, Some(a)) => a - 1.0,
        (Some(b), Some(a)) => (b + a) / 2.0,
    };
    let item = items.get_mut(id).expect("checked above");
    if item.pos() == pos {
        return false;
    }
    item.set_pos(pos);
    true
}

/// The members of an id set that are really in it.
pub fn members(set: &IdSet) -> impl Iterator<Item = &str> {
    set.iter().filter(|(_, v)| **v).map(|(k, _)| k.as_str())
}

/// An amount of money in minor units (cents) of an ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Money {
    #[autosurgeon(missing = "Default::default")]
    pub minor: i64,
    #[autosurgeon(missing = "Default::default")]
    pub currency: String,
}

impl Money {
    /// `12,500.00 USD`-like rendering without locale (the app formats per language).
    pub fn units(&self) -> f64 {
        self.minor as f64 / 100.0
    }
}

/// Whether a stored date (`YYYY-MM-DD`) is well formed.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

/// Whether `end` comes before `start` (both set and well formed).
pub fn ends_before_start(start: &str, end: &str) -> bool {
    is_date(start) && is_date(end) && end < start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default)]
    struct Row {
        pos: f64,
    }
    positioned!(Row);

    #[test]
    fn moves_keep_every_item_and_the_order_asked() {
        let mut items = Items::new();
        let a = push(&mut items, Row::default());
        let b = push(&mut items, Row::default());
        let c = push(&mut items, Row::default());
        assert!(move_to(&mut items, &c, 0));
        assert_eq!(ordered_ids(&items), vec![c.clone(), a.clone(), b.clone()]);
        assert!(move_to(&mut items, &c, 1));
        assert_eq!(ordered_ids(&items), vec![a.clone(), c.clone(), b.clone()]);
        assert!(move_to(&mut items, &a, 9));
        assert_eq!(ordered_ids(&items), vec![c, b, a]);
    }

    #[test]
    fn dates() {
        assert!(is_date("2027-01-31"));
        assert!(!is_date("2027-13-01"));
        assert!(!is_date("27-01-01"));
        assert!(ends_before_start("2027-02-01", "2027-01-31"));
        assert!(!ends_before_start("2027-02-01", ""));
    }
}
