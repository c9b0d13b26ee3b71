//! Turning an edited field's new value into the smallest Automerge splice.
//!
//! Browsers report a text field's whole new value; Automerge wants a splice.
//! Positions are UTF-16 code units, the unit of the DOM's selection offsets.

/// The smallest splice turning `old` into `new`, in UTF-16 code units:
/// (position, units deleted, text inserted).
pub fn text_diff(old: &str, new: &str) -> (usize, usize, String) {
    let a: Vec<u16> = old.encode_utf16().collect();
    let b: Vec<u16> = new.encode_utf16().collect();
    let mut prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    // Never split a surrogate pair.
    if prefix > 0 && is_high_surrogate(a[prefix - 1]) {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    if suffix > 0 && is_low_surrogate(a[a.len() - suffix]) {
        suffix -= 1;
    }
    let deleted = a.len() - prefix - suffix;
    let inserted = String::from_utf16_lossy(&b[prefix..b.len() - suffix]);
    (prefix, deleted, inserted)
}

fn is_high_surrogate(u: u16) -> bool {
    (0xD800..0xDC00).contains(&u)
}

fn is_low_surrogate(u: u16) -> bool {
    (0xDC00..0xE000).contains(&u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn diff_finds_the_changed_middle() {
        assert_eq!(text_diff("hello", "help"), (3, 2, "p".into()));
        assert_eq!(text_diff("", "abc"), (0, 0, "abc".into()));
        assert_eq!(text_diff("aaa", "aaaa"), (3, 0, "a".into()));
        assert_eq!(text_diff("abc", ""), (0, 3, String::new()));
    }

    #[test]
    fn diff_counts_utf16_and_keeps_surrogate_pairs_whole() {
        // "é" is one unit, "😀" two.
        assert_eq!(text_diff("é😀", "é😀x"), (3, 0, "x".into()));
        assert_eq!(text_diff("😀", "😃"), (0, 2, "😃".into()));
    }

    /// Applies a splice the way Automerge Text (UTF-16 indexing) would.
    fn apply(old: &str, (at, deleted, inserted): (usize, usize, String)) -> String {
        let units: Vec<u16> = old.encode_utf16().collect();
        let mut out: Vec<u16> = units[..at].to_vec();
        out.extend(inserted.encode_utf16());
        out.extend(&units[at + deleted..]);
        String::from_utf16(&out).expect("splice keeps surrogate pairs whole")
    }

    proptest! {
        #[test]
        fn the_splice_turns_old_into_new(old in "[a-cé😀 ]{0,12}", new in "[a-cé😀 ]{0,12}") {
            prop_assert_eq!(apply(&old, text_diff(&old, &new)), new);
        }
    }
}
