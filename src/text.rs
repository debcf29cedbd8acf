//! Text normalisation for Vietnamese names.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Names are stored in NFC, trimmed, with runs of white space made one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The search and sort key of a text: lower case, diacritics removed, `đ` folded to `d`,
/// white space collapsed. "HTX Như Hoa" and "htx nhu  hoa" fold alike.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_to_ascii_lower_case() {
        assert_eq!(fold("HTX Như Hoa"), "htx nhu hoa");
        assert_eq!(fold("Đông Hưng"), "dong hung");
        assert_eq!(fold("  Lục   Ngạn "), "luc ngan");
        assert_eq!(fold("Hiệp Hòa"), fold("Hiệp Hoà"));
    }

    #[test]
    fn folds_decomposed_input_like_composed() {
        let decomposed: String = "Việt Yên".nfd().collect();
        assert_eq!(fold(&decomposed), "viet yen");
        assert_eq!(clean(&decomposed), "Việt Yên");
    }

    #[test]
    fn cleans_white_space() {
        assert_eq!(clean("  HTX \t Như\nHoa "), "HTX Như Hoa");
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
