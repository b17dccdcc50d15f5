//! The lexical side of prefab RON: a cursor over the text that skips
//! whitespace and comments, keeps the line and column, and reads
//! identifiers, strings (borrowed from the text unless they hold escapes),
//! characters and numbers.

use std::borrow::Cow;

use super::text::PrefabParseError;

pub(super) type PResult<T> = Result<T, PrefabParseError>;

/// 10^0 ..= 10^22, each exact in an f64.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number literal.
pub(super) enum Number {
    Int(i64),
    Float(f64),
}

/// A position in prefab text.
pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    pub(super) src: &'a [u8],
    pub(super) pos: usize,
    pub(super) line: u32,
    line_start: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self { text, src: text.as_bytes(), pos: 0, line: 1, line_start: 0 }
    }

    /// A syntax error at the current position.
    pub(super) fn err(&self, message: impl Into<String>) -> PrefabParseError {
        let column =
            u32::try_from(self.pos.saturating_sub(self.line_start) + 1).unwrap_or(u32::MAX);
        PrefabParseError::Syntax { line: self.line, column, message: message.into() }
    }

    /// Where the cursor is, to come back to with [`restore`](Self::restore).
    pub(super) fn save(&self) -> (usize, u32, usize) {
        (self.pos, self.line, self.line_start)
    }

    pub(super) fn restore(&mut self, save: (usize, u32, usize)) {
        (self.pos, self.line, self.line_start) = save;
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    pub(super) fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line = self.line.saturating_add(1);
            self.line_start = self.pos;
        }
        Some(c)
    }

    /// Skips whitespace and comments.
    #[inline]
    pub(super) fn skip_ws(&mut self) -> PResult<()> {
        match self.peek() {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'/') => self.skip_ws_slow(),
            _ => Ok(()),
        }
    }

    fn skip_ws_slow(&mut self) -> PResult<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line = self.line.saturating_add(1);
                    self.line_start = self.pos;
                }
                Some(b'/') => match self.peek_at(1) {
                    Some(b'/') => {
                        while self.peek().is_some_and(|c| c != b'\n') {
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => self.block_comment()?,
                    _ => return Ok(()),
                },
                _ => return Ok(()),
            }
        }
    }

    /// A `/* … */` comment (nested ones too) starting here.
    fn block_comment(&mut self) -> PResult<()> {
        self.pos += 2;
        let mut open = 1u32;
        while open > 0 {
            match (self.bump(), self.peek()) {
                (Some(b'*'), Some(b'/')) => {
                    self.pos += 1;
                    open -= 1;
                }
                (Some(b'/'), Some(b'*')) => {
                    self.pos += 1;
                    open = open.saturating_add(1);
                }
                (None, _) => return Err(self.err("unterminated block comment")),
                _ => {}
            }
        }
        Ok(())
    }

    /// Skips whitespace, then consumes `c` if it is next.
    #[inline]
    pub(super) fn eat(&mut self, c: u8) -> PResult<bool> {
        self.skip_ws()?;
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    pub(super) fn expect(&mut self, c: u8) -> PResult<()> {
        if self.eat(c)? {
            return Ok(());
        }
        let found =
            self.peek().map_or_else(|| "end of text".to_owned(), |b| format!("'{}'", b as char));
        Err(self.err(format!("expected '{}', found {found}", c as char)))
    }

    pub(super) fn expect_now(&mut self, c: u8) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(());
        }
        Err(self.err(format!("expected '{}'", c as char)))
    }

    pub(super) fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') {
            return None;
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        self.text.get(start..self.pos)
    }

    /// The text from `start` to the current position (both on ASCII
    /// characters, so on character boundaries).
    fn text(&self, start: usize) -> PResult<&'a str> {
        self.text.get(start..self.pos).ok_or_else(|| self.err("invalid UTF-8"))
    }

    /// Whether a string literal (`"…"` or raw `r"…"`, `r#"…"#`) starts here.
    pub(super) fn at_string(&self) -> bool {
        match self.peek() {
            Some(b'"') => true,
            Some(b'r') => matches!(self.peek_at(1), Some(b'"' | b'#')),
            _ => false,
        }
    }

    /// A number: decimal integer, `0x`/`0b`/`0o` integer, float, `-inf`.
    pub(super) fn number(&mut self) -> PResult<Number> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        let negative = self.src[start] == b'-';
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'b')) => 2,
            (Some(b'0'), Some(b'o')) => 8,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_hexdigit() || c == b'_') {
                self.pos += 1;
            }
            let digits: String = self.text(digits_start)?.chars().filter(|&c| c != '_').collect();
            let v = i64::from_str_radix(&digits, radix)
                .map_err(|e| self.err(format!("bad integer: {e}")))?;
            return Ok(Number::Int(if negative { -v } else { v }));
        }
        let (mut float, mut underscore, mut exponent, mut points) = (false, false, false, 0);
        // Decimal digits as an integer and how many follow the point, for
        // the exact fast path below.
        let (mut mantissa, mut digits, mut fraction) = (0u64, 0u32, 0u32);
        let mut prev = 0u8;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' if !exponent => {
                    digits += 1;
                    fraction += u32::from(float);
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                }
                b'0'..=b'9' => {}
                b'_' => underscore = true,
                b'.' => (float, points) = (true, points + 1),
                b'e' | b'E' => (float, exponent) = (true, true),
                b'-' | b'+' if matches!(prev, b'e' | b'E') => {}
                _ => break,
            }
            prev = c;
            self.pos += 1;
        }
        if !float && !underscore && (1..=18).contains(&digits) {
            let v = mantissa as i64;
            return Ok(Number::Int(if negative { -v } else { v }));
        }
        // Up to 15 digits are exact in an f64, as are powers of ten up to
        // 1e22, and one division rounds correctly: the same value as the
        // full parse.
        if points == 1 && !exponent && !underscore && (1..=15).contains(&digits) && fraction <= 22 {
            let v = mantissa as f64 / POWERS_OF_TEN[fraction as usize];
            return Ok(Number::Float(if negative { -v } else { v }));
        }
        if prev == b'.' && self.peek() == Some(b'.') {
            return Err(self.err("unexpected '..'"));
        }
        let raw = self.text(start)?;
        let owned;
        let text = if underscore {
            owned = raw.replace('_', "");
            owned.as_str()
        } else {
            raw
        };
        if text == "-inf" || (text == "-" && self.ident() == Some("inf")) {
            return Ok(Number::Float(f64::NEG_INFINITY));
        }
        if float {
            text.parse::<f64>()
                .map(Number::Float)
                .map_err(|_| self.err(format!("bad number '{text}'")))
        } else {
            text.parse::<i64>()
                .map(Number::Int)
                .map_err(|e| self.err(format!("bad integer '{text}': {e}")))
        }
    }

    /// A character literal `'c'` as a string.
    pub(super) fn char_lit(&mut self) -> PResult<Cow<'a, str>> {
        self.pos += 1;
        let c = if self.peek() == Some(b'\\') {
            Cow::Owned(self.escape()?.to_string())
        } else {
            let start = self.pos;
            self.utf8_char()?;
            Cow::Borrowed(self.text(start)?)
        };
        if self.peek() != Some(b'\'') {
            return Err(self.err("unterminated character literal"));
        }
        self.pos += 1;
        Ok(c)
    }

    fn utf8_char(&mut self) -> PResult<char> {
        let rest = &self.src[self.pos..self.src.len().min(self.pos + 4)];
        let s = match std::str::from_utf8(rest) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
        };
        let c = s.chars().next().ok_or_else(|| self.err("invalid UTF-8 or end of text"))?;
        for _ in 0..c.len_utf8() {
            self.bump();
        }
        Ok(c)
    }

    /// A string literal: `"…"` with escapes, or raw `r#"…"#`; borrowed from
    /// the text when it holds no escape.
    pub(super) fn string(&mut self) -> PResult<Cow<'a, str>> {
        if self.peek() == Some(b'r') {
            self.pos += 1;
            let mut hashes = 0usize;
            while self.peek() == Some(b'#') {
                self.pos += 1;
                hashes += 1;
            }
            self.expect_now(b'"')?;
            let start = self.pos;
            loop {
                match self.bump() {
                    None => return Err(self.err("unterminated raw string")),
                    Some(b'"')
                        if self.src[self.pos..]
                            .iter()
                            .take(hashes)
                            .filter(|&&c| c == b'#')
                            .count()
                            == hashes =>
                    {
                        let s = self.text.get(start..self.pos - 1);
                        self.pos += hashes;
                        return s
                            .map(Cow::Borrowed)
                            .ok_or_else(|| self.err("invalid UTF-8 in string"));
                    }
                    _ => {}
                }
            }
        }
        self.expect_now(b'"')?;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != b'"' && c != b'\\' && c != b'\n') {
            self.pos += 1;
        }
        if self.peek() == Some(b'"') {
            let s = self.text(start)?;
            self.pos += 1;
            return Ok(Cow::Borrowed(s));
        }
        let mut out = self.text(start)?.to_owned();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => {
                    self.bump();
                    out.push('\n');
                }
                None => return Err(self.err("unterminated string")),
            }
            let start = self.pos;
            while self.peek().is_some_and(|c| c != b'"' && c != b'\\' && c != b'\n') {
                self.pos += 1;
            }
            out.push_str(self.text(start)?);
        }
    }

    fn escape(&mut self) -> PResult<char> {
        self.pos += 1;
        let c = self.bump().ok_or_else(|| self.err("unterminated escape"))?;
        Ok(match c {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'0' => '\0',
            b'\\' => '\\',
            b'"' => '"',
            b'\'' => '\'',
            b'u' => {
                self.expect_now(b'{')?;
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) && self.pos - start < 6 {
                    self.pos += 1;
                }
                let hex = self.text(start)?;
                let code = u32::from_str_radix(hex, 16).map_err(|_| self.err("bad \\u escape"))?;
                self.expect_now(b'}')?;
                char::from_u32(code).ok_or_else(|| self.err("\\u escape is not a character"))?
            }
            other => return Err(self.err(format!("unknown escape '\\{}'", other as char))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Result<f64, String> {
        match Cursor::new(text).number() {
            Ok(Number::Float(f)) => Ok(f),
            Ok(Number::Int(i)) => Ok(i as f64),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn decimal_fast_path_matches_the_full_parse() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let int = next() % 1_000_000;
            let frac_digits = (next() % 12) as usize;
            let frac = next() % 10u64.pow(frac_digits as u32).max(1);
            let sign = if next() % 2 == 0 { "-" } else { "" };
            let text = format!("{sign}{int}.{frac:0frac_digits$}");
            let want: f64 = text.parse().unwrap();
            assert_eq!(number(&text).unwrap().to_bits(), want.to_bits(), "{text}");
        }
        for text in [
            "0.1",
            "-0.0",
            ".5",
            "1.",
            "123456789012345.6",
            "1.5e3",
            "1_0.5",
            "0.30000000000000004",
        ] {
            let want: f64 = text.replace('_', "").parse().unwrap();
            assert_eq!(number(text).unwrap().to_bits(), want.to_bits(), "{text}");
        }
        for (text, want) in [
            ("-42", -42i64),
            ("+7", 7),
            ("007", 7),
            ("123456789012345678", 123_456_789_012_345_678),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("1_000", 1000),
        ] {
            assert!(
                matches!(Cursor::new(text).number(), Ok(Number::Int(v)) if v == want),
                "{text}"
            );
        }
        for bad in [".", "1.2.3", "-.", "1e", "9223372036854775808", "99999999999999999999"] {
            assert!(number(bad).is_err(), "{bad}");
        }
    }
}
