//! Text normalisation for Vietnamese names.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::sql::Sql;
use crate::db::Conn;
use crate::error::ApiError;

/// Names are stored in NFC, trimmed, with runs of white space made one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An optional text [`clean`]ed, `None` where nothing is left.
pub fn clean_optional(s: Option<String>) -> Option<String> {
    s.map(|s| clean(&s)).filter(|s| !s.is_empty())
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

/// A search as the list queries run it: every word must occur in the folded text.
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// `LIKE` patterns, one per word the index cannot serve.
    pub like: Vec<String>,
    /// An FTS5 `MATCH` expression for the words of three characters or more (SQLite's
    /// trigram index); `None` where no index query is needed.
    pub fts: Option<String>,
    /// The `LIKE` patterns of the words in `fts`: a walk of a list's order checks them on
    /// the search text its index entries carry (SQLite).
    pub fts_like: Vec<String>,
}

/// `{table}.id` among the rows of the table's FTS5 trigram index (`{table}_search`,
/// SQLite) that match `terms`.
pub fn fts_match(table: &str, terms: &str) -> Sql {
    Sql::new(format!("{table}.id IN (SELECT rowid FROM {table}_search WHERE {table}_search MATCH "))
        .string(terms)
        .text(")")
}

/// Whether the rows of `table` that match `terms` in its FTS5 index (SQLite) are few
/// enough that reading them all and sorting them beats walking the list's sort order:
/// at most √(27 · rows). A walk reaches a page of 20 after passing about 20 · rows /
/// matches rows, each checked for about 1.35 times what reading a match costs, so the
/// two cost the same at √(27 · rows) matches. Counting stops past that bound; the rows are
/// estimated by the largest id (nothing is deleted). PostgreSQL plans by its statistics.
pub fn few_matches(conn: &mut Conn, table: &str, terms: &str) -> Result<bool, ApiError> {
    let Conn::Sqlite(c) = conn else {
        return Ok(false);
    };
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows = diesel::sql_query(format!("SELECT coalesce(max(id), 0) AS n FROM {table}"))
        .get_result::<Count>(*c)?
        .n;
    let bound = ((27.0 * rows as f64).sqrt() as i64).max(100);
    let matches = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM {table}_search WHERE {table}_search MATCH ? LIMIT ?)"
    ))
    .bind::<Text, _>(terms)
    .bind::<BigInt, _>(bound + 1)
    .get_result::<Count>(*c)?
    .n;
    Ok(matches <= bound)
}

/// `text` as one FTS5 phrase: with the trigram index, the rows that hold it.
pub fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Splits a query into what the index serves and what `LIKE` checks. PostgreSQL's
/// trigram index serves `LIKE` itself, so there every word stays a pattern.
pub fn search(q: &str, with_fts: bool) -> Search {
    let mut out = Search::default();
    let mut phrases = Vec::new();
    for word in fold(q).split(' ').filter(|w| !w.is_empty()) {
        if with_fts && word.chars().count() >= 3 {
            phrases.push(fts_phrase(word));
            out.fts_like.push(format!("%{}%", like_escape(word)));
        } else {
            out.like.push(format!("%{}%", like_escape(word)));
        }
    }
    if !phrases.is_empty() {
        out.fts = Some(phrases.join(" "));
    }
    out
}

/// Whether PostgreSQL's trigram index narrows what a `LIKE` pattern of [`Search`]
/// (`%word%`) matches: pg_trgm takes no trigram from a word of fewer than three
/// characters, so its index would return every row.
pub fn trigram_indexed(pattern: &str) -> bool {
    let word = pattern.strip_prefix('%').and_then(|p| p.strip_suffix('%')).unwrap_or(pattern);
    let mut chars = word.chars();
    let mut n = 0;
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        }
        n += 1;
    }
    n >= 3
}

/// Lower-case hexadecimal of bytes (hashes, random suffixes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_of_three_characters_have_trigrams() {
        let patterns = search("xa ve tac a_% nong", false).like;
        let indexed: Vec<bool> = patterns.iter().map(|p| trigram_indexed(p)).collect();
        assert_eq!(indexed, [false, false, true, true, true]);
        assert!(!trigram_indexed(&format!("%{}%", like_escape("%_"))));
    }

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
    fn splits_searches_between_index_and_like() {
        let s = search("HTX Như \"Hoa\" ở", true);
        assert_eq!(s.fts.as_deref(), Some(r#""htx" "nhu" """hoa""""#));
        assert_eq!(s.fts_like, ["%htx%", "%nhu%", "%\"hoa\"%"]);
        assert_eq!(s.like, ["%o%"]);
        let s = search("Như 50%", false);
        assert_eq!(s.fts, None);
        assert_eq!(s.like, ["%nhu%", r"%50\%%"]);
    }

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
