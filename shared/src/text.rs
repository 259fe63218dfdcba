//! Vietnamese text: folding for search (case and diacritics ignored) and
//! the Vietnamese alphabetical order for lists.
//!
//! The order is CLDR's Vietnamese collation: the alphabet
//! a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (with f j w z in
//! their Latin places), letters compared first, tones only to break ties in
//! the order ngang, huyền, hỏi, ngã, sắc, nặng; digraphs (ch, ng, nh …) are
//! letter sequences, as in CLDR. A table, because the Vietnamese letters are
//! few and a collation library's data would weigh more than the whole app.

use std::cmp::Ordering;

/// Each toned vowel's six forms, in tone order (ngang, huyền, hỏi, ngã, sắc,
/// nặng); the first is the letter itself.
const TONES: [&str; 12] = [
    "aàảãáạ",
    "ăằẳẵắặ",
    "âầẩẫấậ",
    "eèẻẽéẹ",
    "êềểễếệ",
    "iìỉĩíị",
    "oòỏõóọ",
    "ôồổỗốộ",
    "ơờởỡớợ",
    "uùủũúụ",
    "ưừửữứự",
    "yỳỷỹýỵ",
];

/// The alphabet in Vietnamese order (with the Latin letters Vietnamese does
/// not use in their usual places).
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/// A lower-case character as (letter without tone, tone 0–5).
fn untoned(c: char) -> (char, u8) {
    for row in TONES {
        if let Some(tone) = row.chars().position(|t| t == c) {
            return (row.chars().next().unwrap_or(c), tone as u8);
        }
    }
    (c, 0)
}

/// The plain Latin letter under a Vietnamese one (ă, â → a; đ → d; ơ → o).
fn latin(c: char) -> char {
    match c {
        'ă' | 'â' => 'a',
        'đ' => 'd',
        'ê' => 'e',
        'ô' | 'ơ' => 'o',
        'ư' => 'u',
        other => other,
    }
}

/// Text for search: lower case, no tones or letter marks (đ → d), words
/// separated by one space. "  Nguyễn  VĂN " → "nguyen van".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            out.push(latin(untoned(c).0));
        }
    }
    out
}

/// Whether every word of a folded query occurs in the folded text ("van
/// nguyen" matches "nguyen van an"); an empty query matches everything.
pub fn matches(folded_text: &str, folded_query: &str) -> bool {
    folded_query
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|w| folded_text.contains(w))
}

/// A sort key: comparing keys compares the texts in Vietnamese order
/// (letters first, case and tones only to break ties).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, minicbor::Encode, minicbor::Decode,
)]
#[cbor(transparent)]
pub struct SortKey(#[n(0)] Vec<u32>);

/// The key of one text, for sorting many (compute once, compare often).
pub fn sort_key(text: &str) -> SortKey {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut primary = Vec::with_capacity(text.len());
    let mut tones = Vec::new();
    let mut cases = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            // A space sorts before every letter: "Lò Văn" before "Lòa".
            primary.push(1);
        }
        for c in word.chars() {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let (letter, tone) = untoned(lower);
            primary.push(weight(letter));
            tones.push(u32::from(tone));
            cases.push(u32::from(lower != c));
        }
    }
    // Primary, then tones, then case, each after a separator lower than any
    // weight, so a shorter text that is a prefix sorts first.
    primary.push(0);
    primary.extend(tones);
    primary.push(0);
    primary.extend(cases);
    SortKey(primary)
}

/// A letter's primary weight: digits, then the Vietnamese alphabet, then
/// everything else by code point.
fn weight(letter: char) -> u32 {
    if let Some(d) = letter.to_digit(10) {
        return 2 + d;
    }
    match ALPHABET.chars().position(|a| a == letter) {
        Some(i) => 20 + i as u32,
        None => 100 + letter as u32,
    }
}

/// A person's name in the order Vietnamese lists use: by given name (the
/// last word), then by the whole name ("Lò Văn An" before "Giàng A Bình").
pub fn name_sort_key(full_name: &str) -> SortKey {
    let given = full_name.split_whitespace().last().unwrap_or("");
    let mut key = sort_key(given).0;
    key.push(0);
    key.extend(sort_key(full_name).0);
    SortKey(key)
}

/// Compares two texts in Vietnamese order.
pub fn compare(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_tones_and_letter_marks() {
        assert_eq!(fold("  Nguyễn  VĂN Đức "), "nguyen van duc");
        assert_eq!(fold("Thào A Chứ"), "thao a chu");
        assert_eq!(fold("Ơ Ư Ê Ô Â Ă"), "o u e o a a");
        assert!(matches(&fold("Nguyễn Văn Thắng"), &fold("nguyen van")));
        assert!(matches(&fold("Nguyễn Văn Thắng"), &fold("thang  NGUYEN")));
        assert!(!matches(&fold("Nguyễn Văn Thắng"), &fold("nguyen thi")));
        assert!(matches("anything", ""));
    }

    #[test]
    fn vietnamese_alphabet_order() {
        let mut words = vec![
            "đá", "dê", "ưa", "ăn", "ân", "an", "ôm", "om", "ơn", "ua", "ê", "e", "b",
        ];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(
            words,
            ["an", "ăn", "ân", "b", "dê", "đá", "e", "ê", "om", "ôm", "ơn", "ua", "ưa"]
        );
    }

    #[test]
    fn tones_break_ties_in_dictionary_order() {
        let mut words = vec!["mạ", "má", "mã", "mả", "mà", "ma"];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words, ["ma", "mà", "mả", "mã", "má", "mạ"]);
        // Letters decide before tones: "mà" < "mai" although à has a tone.
        assert_eq!(compare("mà", "mai"), Ordering::Less);
        assert_eq!(compare("Lò Văn", "Lòa"), Ordering::Less);
        assert_eq!(compare("an", "An"), Ordering::Less);
        assert_eq!(compare("An", "an"), Ordering::Greater);
    }

    #[test]
    fn names_sort_by_given_name_first() {
        let mut names = vec!["Giàng A Bình", "Lò Văn An", "Vàng Thị Ánh", "Đỗ Chí"];
        names.sort_by_key(|n| name_sort_key(n));
        assert_eq!(
            names,
            ["Lò Văn An", "Vàng Thị Ánh", "Giàng A Bình", "Đỗ Chí"]
        );
    }
}
