//! Lua 5.4 tokens: names and keywords, numerals (decimal and hexadecimal,
//! with fractions and exponents), short strings with every escape, long
//! strings and comments with levels (`[==[ … ]==]`), and the operators.

use super::LuaSyntaxError;

/// A token kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum T {
    Name,
    Str,
    Number,
    Eof,
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    Plus,
    Minus,
    Star,
    Slash,
    DSlash,
    Percent,
    Caret,
    Hash,
    Amp,
    Tilde,
    Pipe,
    Shl,
    Shr,
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
    Assign,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    DColon,
    Semi,
    Colon,
    Comma,
    Dot,
    Concat,
    Dots,
    /// A character that starts no token of Lua.
    Other,
}

/// A token: its kind, its text in the source and its line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub(super) t: T,
    pub(super) text: &'a str,
    pub(super) line: u32,
}

fn keyword(name: &str) -> Option<T> {
    Some(match name {
        "and" => T::And,
        "break" => T::Break,
        "do" => T::Do,
        "else" => T::Else,
        "elseif" => T::Elseif,
        "end" => T::End,
        "false" => T::False,
        "for" => T::For,
        "function" => T::Function,
        "goto" => T::Goto,
        "if" => T::If,
        "in" => T::In,
        "local" => T::Local,
        "nil" => T::Nil,
        "not" => T::Not,
        "or" => T::Or,
        "repeat" => T::Repeat,
        "return" => T::Return,
        "then" => T::Then,
        "true" => T::True,
        "until" => T::Until,
        "while" => T::While,
        _ => return None,
    })
}

/// Splits Lua source into tokens.
pub(super) struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    pub(super) line: u32,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        let mut lex = Self { src, b: src.as_bytes(), pos: 0, line: 1 };
        // A first line starting with '#' (`#!/usr/bin/env lua`) is skipped,
        // as `luaL_loadfile` does.
        if lex.b.first() == Some(&b'#') {
            while lex.peek().is_some_and(|c| c != b'\n') {
                lex.pos += 1;
            }
        }
        lex
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.pos + ahead).copied()
    }

    fn err(&self, message: String, near: &str) -> LuaSyntaxError {
        LuaSyntaxError::new(self.line, message, Some(near))
    }

    /// The source from `start` to the current position, cut at a character
    /// boundary.
    fn slice(&self, start: usize) -> &'a str {
        let mut end = self.pos.min(self.b.len());
        while !self.src.is_char_boundary(end) {
            end -= 1;
        }
        self.src.get(start..end).unwrap_or("")
    }

    /// Consumes a line break (`\n`, `\r`, `\n\r` or `\r\n`) at the cursor.
    fn newline(&mut self) {
        let first = self.b[self.pos];
        self.pos += 1;
        if let Some(c @ (b'\n' | b'\r')) = self.peek()
            && c != first
        {
            self.pos += 1;
        }
        self.line = self.line.saturating_add(1);
    }

    /// The next token.
    pub(super) fn next(&mut self) -> Result<Token<'a>, LuaSyntaxError> {
        loop {
            let Some(c) = self.peek() else {
                return Ok(Token { t: T::Eof, text: "<eof>", line: self.line });
            };
            match c {
                b'\n' | b'\r' => self.newline(),
                b' ' | b'\t' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.peek_at(1) == Some(b'-') => {
                    self.pos += 2;
                    if self.peek() == Some(b'[')
                        && let Some(level) = self.long_bracket_level()
                    {
                        self.long_string(level, "comment")?;
                    } else {
                        while self.peek().is_some_and(|c| c != b'\n' && c != b'\r') {
                            self.pos += 1;
                        }
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let line = self.line;
        let c = self.b[self.pos];
        // A token's line is where it ends, as in Lua's messages.
        let tok = |lex: &Self, t| Token { t, text: lex.slice(start), line: lex.line };
        if c.is_ascii_alphabetic() || c == b'_' {
            while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                self.pos += 1;
            }
            let text = self.slice(start);
            return Ok(Token { t: keyword(text).unwrap_or(T::Name), text, line });
        }
        if c.is_ascii_digit() || (c == b'.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.numeral()?;
            return Ok(tok(self, T::Number));
        }
        if c == b'"' || c == b'\'' {
            self.short_string(c)?;
            return Ok(tok(self, T::Str));
        }
        if c == b'[' {
            if let Some(level) = self.long_bracket_level() {
                self.long_string(level, "string")?;
                return Ok(tok(self, T::Str));
            }
            if self.peek_at(1) == Some(b'=') {
                self.pos += 2;
                return Err(self.err("invalid long string delimiter".into(), self.slice(start)));
            }
        }
        let two = [c, self.peek_at(1).unwrap_or(0)];
        let (t, len) = match &two {
            b"//" => (T::DSlash, 2),
            b"<<" => (T::Shl, 2),
            b">>" => (T::Shr, 2),
            b"==" => (T::Eq, 2),
            b"~=" => (T::Ne, 2),
            b"<=" => (T::Le, 2),
            b">=" => (T::Ge, 2),
            b"::" => (T::DColon, 2),
            b".." if self.peek_at(2) == Some(b'.') => (T::Dots, 3),
            b".." => (T::Concat, 2),
            _ => {
                let t = match c {
                    b'+' => T::Plus,
                    b'-' => T::Minus,
                    b'*' => T::Star,
                    b'/' => T::Slash,
                    b'%' => T::Percent,
                    b'^' => T::Caret,
                    b'#' => T::Hash,
                    b'&' => T::Amp,
                    b'~' => T::Tilde,
                    b'|' => T::Pipe,
                    b'<' => T::Lt,
                    b'>' => T::Gt,
                    b'=' => T::Assign,
                    b'(' => T::LParen,
                    b')' => T::RParen,
                    b'{' => T::LBrace,
                    b'}' => T::RBrace,
                    b'[' => T::LBracket,
                    b']' => T::RBracket,
                    b';' => T::Semi,
                    b':' => T::Colon,
                    b',' => T::Comma,
                    b'.' => T::Dot,
                    _ => {
                        // Any other character is a token of its own, which
                        // no rule of the grammar accepts.
                        self.pos += 1;
                        while !self.src.is_char_boundary(self.pos) {
                            self.pos += 1;
                        }
                        return Ok(tok(self, T::Other));
                    }
                };
                (t, 1)
            }
        };
        self.pos += len;
        Ok(tok(self, t))
    }

    /// At `[`: the level of a long bracket that opens here (`[[` is 0,
    /// `[==[` is 2), or `None` when this `[` opens none.
    fn long_bracket_level(&mut self) -> Option<usize> {
        let mut n = 1;
        while self.peek_at(n) == Some(b'=') {
            n += 1;
        }
        (self.peek_at(n) == Some(b'[')).then(|| {
            self.pos += n + 1;
            n - 1
        })
    }

    /// The rest of a long string or comment of `level` whose opening
    /// bracket was read.
    fn long_string(&mut self, level: usize, what: &str) -> Result<(), LuaSyntaxError> {
        let line = self.line;
        loop {
            match self.peek() {
                None => {
                    return Err(LuaSyntaxError::new(
                        self.line,
                        format!("unfinished long {what} (starting at line {line})"),
                        Some("<eof>"),
                    ));
                }
                Some(b'\n' | b'\r') => self.newline(),
                Some(b']') => {
                    let mut n = 1;
                    while self.peek_at(n) == Some(b'=') {
                        n += 1;
                    }
                    if n - 1 == level && self.peek_at(n) == Some(b']') {
                        self.pos += n + 1;
                        return Ok(());
                    }
                    self.pos += n;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// A numeral, read the way Lua reads one: hex digits, points and
    /// signed exponents, then checked as a whole.
    fn numeral(&mut self) -> Result<(), LuaSyntaxError> {
        let start = self.pos;
        let hex = self.b[start] == b'0' && matches!(self.peek_at(1), Some(b'x' | b'X'));
        let expo: &[u8] = if hex {
            self.pos += 2;
            b"Pp"
        } else {
            b"Ee"
        };
        loop {
            match self.peek() {
                Some(c) if expo.contains(&c) => {
                    self.pos += 1;
                    if matches!(self.peek(), Some(b'+' | b'-')) {
                        self.pos += 1;
                    }
                }
                Some(c) if c.is_ascii_hexdigit() || c == b'.' => self.pos += 1,
                _ => break,
            }
        }
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') {
            self.pos += 1;
        }
        let text = self.slice(start);
        if valid_numeral(text) { Ok(()) } else { Err(self.err("malformed number".into(), text)) }
    }

    /// A short string opened by `quote`.
    fn short_string(&mut self, quote: u8) -> Result<(), LuaSyntaxError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.err("unfinished string".into(), "<eof>")),
                Some(b'\n' | b'\r') => {
                    return Err(self.err("unfinished string".into(), self.slice(start)));
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape(start)?,
                Some(_) => self.pos += 1,
            }
        }
    }

    /// An escape sequence in a short string that started at `start`.
    fn escape(&mut self, start: usize) -> Result<(), LuaSyntaxError> {
        self.pos += 1;
        let bad = |lex: &mut Self, what: &str| {
            let end = (lex.pos + 1).min(lex.b.len());
            lex.pos = end;
            Err(lex.err(what.to_owned(), lex.slice(start)))
        };
        match self.peek() {
            None => Err(self.err("unfinished string".into(), "<eof>")),
            Some(b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'"' | b'\'') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'\n' | b'\r') => {
                self.newline();
                Ok(())
            }
            Some(b'z') => {
                self.pos += 1;
                loop {
                    match self.peek() {
                        Some(b'\n' | b'\r') => self.newline(),
                        Some(b' ' | b'\t' | 0x0b | 0x0c) => self.pos += 1,
                        _ => return Ok(()),
                    }
                }
            }
            Some(b'x') => {
                self.pos += 1;
                for _ in 0..2 {
                    if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                        return bad(self, "hexadecimal digit expected");
                    }
                    self.pos += 1;
                }
                Ok(())
            }
            Some(b'u') => {
                self.pos += 1;
                if self.peek() != Some(b'{') {
                    return bad(self, "missing '{'");
                }
                self.pos += 1;
                let mut value: u64 = 0;
                let mut digits = 0;
                while let Some(c) = self.peek().filter(u8::is_ascii_hexdigit) {
                    value = value * 16 + u64::from((c as char).to_digit(16).unwrap_or(0));
                    if value > 0x7FFF_FFFF {
                        return bad(self, "UTF-8 value too large");
                    }
                    digits += 1;
                    self.pos += 1;
                }
                if digits == 0 {
                    return bad(self, "hexadecimal digit expected");
                }
                if self.peek() != Some(b'}') {
                    return bad(self, "missing '}'");
                }
                self.pos += 1;
                Ok(())
            }
            Some(c) if c.is_ascii_digit() => {
                let mut value = 0u32;
                for _ in 0..3 {
                    match self.peek() {
                        Some(d) if d.is_ascii_digit() => {
                            value = value * 10 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                if value > 255 {
                    return bad(self, "decimal escape too large");
                }
                Ok(())
            }
            Some(_) => bad(self, "invalid escape sequence"),
        }
    }
}

/// Whether `text` is a Lua numeral: decimal `12`, `1.5`, `.5`, `3.`,
/// `1e-3`, or hexadecimal `0xff`, `0x1p4`, `0x.8`, `0xA.8p-1`.
fn valid_numeral(text: &str) -> bool {
    let b = text.as_bytes();
    let (digits, expo): (fn(&u8) -> bool, &[u8]) =
        if b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'X') {
            (u8::is_ascii_hexdigit, b"pP")
        } else {
            (u8::is_ascii_digit, b"eE")
        };
    let mut i = if expo == b"pP" { 2 } else { 0 };
    let mut mantissa = 0;
    while b.get(i).is_some_and(digits) {
        i += 1;
        mantissa += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(digits) {
            i += 1;
            mantissa += 1;
        }
    }
    if mantissa == 0 {
        return false;
    }
    if b.get(i).is_some_and(|c| expo.contains(c)) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Result<Vec<T>, LuaSyntaxError> {
        let mut lex = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lex.next()?;
            if t.t == T::Eof {
                return Ok(out);
            }
            out.push(t.t);
        }
    }

    #[test]
    fn numerals_strings_and_long_brackets() {
        for ok in ["3", "3.0", "3.1416", "314.16e-2", "0.31416E1", "34e1", "0xff", "0xBEBADA"] {
            assert_eq!(kinds(ok).unwrap(), [T::Number], "{ok}");
        }
        for ok in ["0x0.1E", "0xA23p-4", "0X1.921FB54442D18P+1", ".5", "5.", "0x.8p1"] {
            assert_eq!(kinds(ok).unwrap(), [T::Number], "{ok}");
        }
        for bad in ["3x", "0x", "1e", "1e+", "0xp1", "3..2", "08f", "1.2.3"] {
            let e = kinds(bad).unwrap_err();
            assert!(e.message.contains("malformed number"), "{bad}: {e}");
        }
        let strings = r#"'a\'b' "\x41\65\u{48}\u{7FFFFFFF}\z
              x" [[
line]] [==[ ]] ]=] ]==] "a\
b""#;
        assert_eq!(kinds(strings).unwrap(), [T::Str; 5]);
        assert_eq!(kinds("--[==[ long\n comment ]==] x -- line\n y").unwrap(), [T::Name; 2]);
        assert_eq!(kinds("a..b...c//d<<e~=f::").unwrap().len(), 12);
    }

    #[test]
    fn lexical_errors_name_the_line() {
        let rows: &[(&str, u32, &str)] = &[
            ("x = 'abc\n'", 1, "unfinished string"),
            ("x = \"abc", 1, "unfinished string"),
            ("\n\nx = [==[ abc ]=]", 3, "unfinished long string (starting at line 3)"),
            ("--[[ never closed\n\n", 3, "unfinished long comment"),
            ("x = '\\q'", 1, "invalid escape sequence"),
            ("x = '\\x4'", 1, "hexadecimal digit expected"),
            ("x = '\\256'", 1, "decimal escape too large"),
            ("x = '\\u{80000000}'", 1, "UTF-8 value too large"),
            ("x = '\\u{}'", 1, "hexadecimal digit expected"),
            ("x = 'é\u{0}", 1, "unfinished string"),
        ];
        for (src, line, needle) in rows {
            let e = kinds(src).unwrap_err();
            assert_eq!(e.line, *line, "{src}: {e}");
            assert!(e.to_string().contains(needle), "{src}: {e}");
        }
    }
}
