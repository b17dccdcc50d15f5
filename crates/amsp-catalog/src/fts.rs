//! Full-text search: the text indexed for an asset and the FTS5 query built
//! from user input.
//!
//! The index is an FTS5 table (`assets_fts`) with the `unicode61` tokenizer
//! (`remove_diacritics 2`), one row per asset whose rowid is `assets.key`.
//! `unicode61` splits on every character that is not a letter, digit or mark,
//! so `/ . _ -` in a path already separate words: `textures/rock_albedo.png`
//! is indexed as `textures rock albedo png`, and a folder name or a file stem
//! finds it. On top of that, [`index_path`] appends the parts of camel-case
//! words (`RockAlbedo` also yields `Rock Albedo`). The trigram tokenizer was
//! rejected: it cannot match words under three characters, roughly triples
//! the index, and ranks substring noise as highly as whole words.
//!
//! User text never reaches FTS5 syntax: [`match_expression`] splits it into
//! words, wraps each in double quotes (so `AND`, `NEAR`, `*`, `-`, `:` and `"`
//! are plain text) and lets the last one match as a prefix.

/// The text indexed in the `path` column: the path itself, then the parts of
/// any camel-case word in it.
pub(crate) fn index_path(path: &str) -> String {
    let mut text = String::with_capacity(path.len() * 2);
    text.push_str(path);
    for word in path.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()) {
        let parts = camel_parts(word);
        if parts.len() > 1 {
            for part in parts {
                text.push(' ');
                text.push_str(part);
            }
        }
    }
    text
}

/// The text indexed in the `tags` column (`tags` sorted and deduplicated).
pub(crate) fn index_tags(tags: &[&str]) -> String {
    tags.join(" ")
}

/// The FTS5 `MATCH` expression for free text typed by a user, or `None` when
/// the text holds no word (empty, blanks, punctuation only).
///
/// Every word must match (implicit AND); the last word also matches as a
/// prefix, so results appear while the user is still typing.
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let words: Vec<&str> =
        query.split(|c: char| !is_word_char(c)).filter(|w| w.chars().any(is_base_char)).collect();
    let (last, rest) = words.split_last()?;
    let mut expr = String::with_capacity(query.len() + 4 * words.len());
    for word in rest {
        push_quoted(&mut expr, word);
        expr.push(' ');
    }
    push_quoted(&mut expr, last);
    expr.push('*');
    Some(expr)
}

/// Appends `word` as an FTS5 string (a phrase), doubling any `"`.
fn push_quoted(out: &mut String, word: &str) {
    out.push('"');
    for c in word.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Characters `unicode61` keeps inside a token: letters, digits and
/// combining marks.
fn is_word_char(c: char) -> bool {
    is_base_char(c) || is_combining_mark(c)
}

/// A letter or digit: a word needs at least one, or it tokenises to nothing.
fn is_base_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The common combining-mark blocks (enough to keep a decomposed accent with
/// its letter; the tokenizer folds diacritics away anyway).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}')
}

/// Splits `RockAlbedo2k` into `Rock`, `Albedo2k` and `HTTPServer` into
/// `HTTP`, `Server`: a new part starts at a lower-to-upper step, and at the
/// last capital of a run of capitals followed by a lowercase letter.
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|&(_, n)| n.is_lowercase());
        let boundary = c.is_uppercase()
            && (prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_lower));
        if boundary {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    parts.push(&word[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_expressions() {
        let cases: &[(&str, Option<&str>)] = &[
            ("", None),
            ("   ", None),
            ("\"", None),
            ("*", None),
            ("- -- ***", None),
            ("\u{301}", None),
            ("rock", Some("\"rock\"*")),
            ("rock albedo", Some("\"rock\" \"albedo\"*")),
            ("textures/rock_alb", Some("\"textures\" \"rock\" \"alb\"*")),
            ("a AND b", Some("\"a\" \"AND\" \"b\"*")),
            ("NEAR(a b)", Some("\"NEAR\" \"a\" \"b\"*")),
            ("\"quoted\" -not +x", Some("\"quoted\" \"not\" \"x\"*")),
            ("path:col^", Some("\"path\" \"col\"*")),
            ("Größe überall", Some("\"Größe\" \"überall\"*")),
            ("e\u{301}te\u{301}", Some("\"e\u{301}te\u{301}\"*")),
            ("日本語 🎮", Some("\"日本語\"*")),
        ];
        for &(input, expected) in cases {
            assert_eq!(match_expression(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn camel_case_parts_are_indexed() {
        assert_eq!(camel_parts("RockAlbedo2k"), ["Rock", "Albedo2k"]);
        assert_eq!(camel_parts("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(camel_parts("lod2Mesh"), ["lod2", "Mesh"]);
        assert_eq!(camel_parts("plain"), ["plain"]);
        assert_eq!(camel_parts("ALLCAPS"), ["ALLCAPS"]);
        assert_eq!(index_path("ui/MainMenu.ron"), "ui/MainMenu.ron Main Menu");
        assert_eq!(index_path("a/b_c.png"), "a/b_c.png");
    }
}
