//! Reading prefab RON: a small parser for RON's value syntax that keeps the
//! line of every component and asset reference, so that cook errors can name
//! them.
//!
//! Accepted: `(name: "crate", entities: [(name: "root", components:
//! {"Transform": (translation: (1.0, 0.0, 0.0))}, children: [ … ],
//! prefab: Some("props/barrel.prefab.ron"))])`, with an optional type name
//! before each parenthesis (`Prefab(…)`, `Entity(…)`), comments (`//`,
//! `/* */`), trailing commas and `#![enable(…)]` attributes. Component
//! values are any RON value; a string `"asset:PATH"` is a reference to the
//! asset at `PATH`.

use std::collections::BTreeMap;

use amsp_core::AssetPath;

use super::schema::SchemaRegistry;
use super::value::{ASSET_PREFIX, EntityData, PrefabData, Value};

/// Deepest nesting of values and of child entities accepted.
pub const MAX_DEPTH: u32 = 64;

/// Why prefab text was rejected; every variant names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrefabParseError {
    /// The text is not valid RON, or not shaped like a prefab.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: u32,
        /// 1-based column (in bytes).
        column: u32,
        /// What is wrong.
        message: String,
    },
    /// A component does not match its registered schema.
    #[error("line {line}: component '{component}': {message}")]
    Component {
        /// 1-based line of the component's name.
        line: u32,
        /// The component.
        component: String,
        /// What is wrong.
        message: String,
    },
}

impl PrefabParseError {
    /// The 1-based line the error is about.
    #[must_use]
    pub fn line(&self) -> u32 {
        match self {
            Self::Syntax { line, .. } | Self::Component { line, .. } => *line,
        }
    }
}

/// A parsed prefab with the line of each asset reference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedPrefab {
    /// The prefab.
    pub data: PrefabData,
    /// Every asset reference (component values and nested prefabs) with its
    /// 1-based line, in source order.
    pub references: Vec<(AssetPath, u32)>,
}

/// Parses prefab text, checking components against `schemas` (which fills
/// in their defaults).
///
/// # Errors
/// [`PrefabParseError`] naming the line of the first problem.
pub fn parse_prefab(
    text: &str,
    schemas: &SchemaRegistry,
) -> Result<ParsedPrefab, PrefabParseError> {
    let mut p = Parser {
        text,
        src: text.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        depth: 0,
        refs: Vec::new(),
    };
    p.skip_ws()?;
    while p.src[p.pos..].starts_with(b"#![") {
        while p.peek() != Some(b']') {
            p.bump().ok_or_else(|| p.err("unterminated attribute"))?;
        }
        p.pos += 1;
        p.skip_ws()?;
    }
    let mut data = PrefabData::default();
    p.open_record()?;
    p.fields(|p, field| {
        match field {
            "name" => data.name = p.string()?,
            "entities" => data.entities = p.entities(schemas)?,
            other => {
                return Err(
                    p.err(format!("unknown prefab field '{other}' (expected name, entities)"))
                );
            }
        }
        Ok(())
    })?;
    p.skip_ws()?;
    if p.pos < p.src.len() {
        return Err(p.err("unexpected text after the prefab"));
    }
    Ok(ParsedPrefab { data, references: p.refs })
}

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
    depth: u32,
    refs: Vec<(AssetPath, u32)>,
}

type PResult<T> = Result<T, PrefabParseError>;

impl<'a> Parser<'a> {
    fn err(&self, message: impl Into<String>) -> PrefabParseError {
        let column =
            u32::try_from(self.pos.saturating_sub(self.line_start) + 1).unwrap_or(u32::MAX);
        PrefabParseError::Syntax { line: self.line, column, message: message.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line = self.line.saturating_add(1);
            self.line_start = self.pos;
        }
        Some(c)
    }

    fn skip_ws(&mut self) -> PResult<()> {
        loop {
            match (self.peek(), self.src.get(self.pos + 1)) {
                (Some(b' ' | b'\t' | b'\n' | b'\r'), _) => {
                    self.bump();
                }
                (Some(b'/'), Some(b'/')) => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
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
                }
                _ => return Ok(()),
            }
        }
    }

    /// Skips whitespace, then consumes `c` if it is next.
    fn eat(&mut self, c: u8) -> PResult<bool> {
        self.skip_ws()?;
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, c: u8) -> PResult<()> {
        if self.eat(c)? {
            return Ok(());
        }
        let found =
            self.peek().map_or_else(|| "end of text".to_owned(), |b| format!("'{}'", b as char));
        Err(self.err(format!("expected '{}', found {found}", c as char)))
    }

    fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') {
            return None;
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        self.text.get(start..self.pos)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// `(` of a record, after an optional type name.
    fn open_record(&mut self) -> PResult<()> {
        self.skip_ws()?;
        let _ = self.ident();
        self.expect(b'(')
    }

    /// `field: value, …)` of a record whose `(` was read.
    fn fields(&mut self, mut field: impl FnMut(&mut Self, &str) -> PResult<()>) -> PResult<()> {
        loop {
            if self.eat(b')')? {
                return Ok(());
            }
            let name = self.ident().ok_or_else(|| self.err("expected a field name or ')'"))?;
            self.expect(b':')?;
            self.skip_ws()?;
            field(self, name)?;
            if !self.eat(b',')? {
                return self.expect(b')');
            }
        }
    }

    /// `[item, …]`.
    fn seq(&mut self, mut item: impl FnMut(&mut Self) -> PResult<()>) -> PResult<()> {
        self.expect(b'[')?;
        loop {
            if self.eat(b']')? {
                return Ok(());
            }
            self.skip_ws()?;
            item(self)?;
            if !self.eat(b',')? {
                return self.expect(b']');
            }
        }
    }

    fn entities(&mut self, schemas: &SchemaRegistry) -> PResult<Vec<EntityData>> {
        self.enter()?;
        let mut out = Vec::new();
        self.seq(|p| {
            out.push(p.entity(schemas)?);
            Ok(())
        })?;
        self.depth -= 1;
        Ok(out)
    }

    fn entity(&mut self, schemas: &SchemaRegistry) -> PResult<EntityData> {
        let mut e = EntityData::default();
        self.open_record()?;
        self.fields(|p, field| {
            match field {
                "name" => e.name = p.string()?,
                "components" => e.components = p.components(schemas)?,
                "children" => e.children = p.entities(schemas)?,
                "prefab" => e.prefab = p.nested_prefab()?,
                other => {
                    return Err(p.err(format!(
                        "unknown entity field '{other}' (expected name, components, children, prefab)"
                    )));
                }
            }
            Ok(())
        })?;
        Ok(e)
    }

    fn nested_prefab(&mut self) -> PResult<Option<AssetPath>> {
        let line = self.line;
        let text = match self.ident() {
            Some("None") => return Ok(None),
            Some("Some") => {
                self.expect(b'(')?;
                self.skip_ws()?;
                let s = self.string()?;
                self.expect(b')')?;
                s
            }
            Some(_) => return Err(self.err("expected a prefab path, Some(path) or None")),
            None => self.string()?,
        };
        let text = text.strip_prefix(ASSET_PREFIX).unwrap_or(&text);
        let path = self.asset_path(text, line)?;
        Ok(Some(path))
    }

    fn asset_path(&mut self, text: &str, line: u32) -> PResult<AssetPath> {
        let path = AssetPath::new(text).map_err(|e| PrefabParseError::Syntax {
            line,
            column: 1,
            message: format!("invalid asset path {text:?}: {e}"),
        })?;
        self.refs.push((path.clone(), line));
        Ok(path)
    }

    fn components(&mut self, schemas: &SchemaRegistry) -> PResult<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        self.expect(b'{')?;
        loop {
            if self.eat(b'}')? {
                return Ok(out);
            }
            self.skip_ws()?;
            let line = self.line;
            let name = match self.peek() {
                Some(b'"') => self.string()?,
                _ => self.ident().ok_or_else(|| self.err("expected a component name"))?.to_owned(),
            };
            self.expect(b':')?;
            self.skip_ws()?;
            let value = self.value()?;
            let value = schemas.check(&name, value).map_err(|message| {
                PrefabParseError::Component { line, component: name.clone(), message }
            })?;
            if out.contains_key(&name) {
                return Err(PrefabParseError::Component {
                    line,
                    component: name,
                    message: "appears twice".into(),
                });
            }
            out.insert(name, value);
            if !self.eat(b',')? {
                self.expect(b'}')?;
                return Ok(out);
            }
        }
    }

    fn value(&mut self) -> PResult<Value> {
        self.enter()?;
        let v = self.value_inner();
        self.depth -= 1;
        v
    }

    fn value_inner(&mut self) -> PResult<Value> {
        match self.peek() {
            Some(b'"') | Some(b'r')
                if self.peek() == Some(b'"')
                    || matches!(self.src.get(self.pos + 1), Some(b'"' | b'#')) =>
            {
                let line = self.line;
                let s = self.string()?;
                match s.strip_prefix(ASSET_PREFIX) {
                    Some(path) => Ok(Value::Asset(self.asset_path(path, line)?)),
                    None => Ok(Value::String(s)),
                }
            }
            Some(b'\'') => self.char_lit(),
            Some(b'[') => {
                let mut items = Vec::new();
                self.seq(|p| {
                    items.push(p.value()?);
                    Ok(())
                })?;
                Ok(Value::List(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                loop {
                    if self.eat(b'}')? {
                        return Ok(Value::Map(entries));
                    }
                    self.skip_ws()?;
                    let k = self.value()?;
                    self.expect(b':')?;
                    self.skip_ws()?;
                    entries.push((k, self.value()?));
                    if !self.eat(b',')? {
                        self.expect(b'}')?;
                        return Ok(Value::Map(entries));
                    }
                }
            }
            Some(b'(') => self.record(None),
            Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => self.number(),
            Some(_) => {
                let Some(id) = self.ident() else {
                    return Err(self.err("expected a value"));
                };
                match id {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "None" => Ok(Value::Option(None)),
                    "inf" => Ok(Value::Float(f64::INFINITY)),
                    "NaN" => Ok(Value::Float(f64::NAN)),
                    "Some" => {
                        self.expect(b'(')?;
                        self.skip_ws()?;
                        let v = self.value()?;
                        self.eat(b',')?;
                        self.expect(b')')?;
                        Ok(Value::Option(Some(Box::new(v))))
                    }
                    _ => {
                        let name = id.to_owned();
                        if self.eat(b'(')? {
                            self.pos -= 1;
                            self.record(Some(name))
                        } else {
                            Ok(Value::Ident(name))
                        }
                    }
                }
            }
            None => Err(self.err("expected a value, found end of text")),
        }
    }

    /// `(…)`: unit, tuple or struct (a struct when an identifier and ':' come first).
    fn record(&mut self, name: Option<String>) -> PResult<Value> {
        self.expect(b'(')?;
        self.skip_ws()?;
        let save = (self.pos, self.line, self.line_start);
        let is_struct = self.ident().is_some() && self.eat(b':')?;
        (self.pos, self.line, self.line_start) = save;
        if is_struct {
            let mut fields: Vec<(String, Value)> = Vec::new();
            self.fields(|p, field| {
                let v = p.value()?;
                fields.push((field.to_owned(), v));
                Ok(())
            })?;
            return Ok(Value::Struct { name, fields });
        }
        let mut items = Vec::with_capacity(4);
        loop {
            if self.eat(b')')? {
                break;
            }
            self.skip_ws()?;
            items.push(self.value()?);
            if !self.eat(b',')? {
                self.expect(b')')?;
                break;
            }
        }
        if items.is_empty() && name.is_none() {
            return Ok(Value::Unit);
        }
        Ok(Value::Tuple { name, items })
    }

    fn number(&mut self) -> PResult<Value> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        let negative = self.src[start] == b'-';
        let radix = match (self.peek(), self.src.get(self.pos + 1)) {
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
            return Ok(Value::Int(if negative { -v } else { v }));
        }
        let mut float = false;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' | b'_' => {}
                b'.' | b'e' | b'E' => float = true,
                b'-' | b'+' if matches!(self.src[self.pos - 1], b'e' | b'E') => {}
                _ => break,
            }
            self.pos += 1;
        }
        if self.src[self.pos - 1] == b'.' && self.peek() == Some(b'.') {
            return Err(self.err("unexpected '..'"));
        }
        let raw = self.text(start)?;
        let owned;
        let text = if raw.contains('_') {
            owned = raw.replace('_', "");
            owned.as_str()
        } else {
            raw
        };
        if text == "-inf" || (text == "-" && self.ident() == Some("inf")) {
            return Ok(Value::Float(f64::NEG_INFINITY));
        }
        if float {
            text.parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.err(format!("bad number '{text}'")))
        } else {
            text.parse::<i64>()
                .map(Value::Int)
                .map_err(|e| self.err(format!("bad integer '{text}': {e}")))
        }
    }

    /// The text from `start` to the current position (both on ASCII
    /// characters, so on character boundaries).
    fn text(&self, start: usize) -> PResult<&'a str> {
        self.text.get(start..self.pos).ok_or_else(|| self.err("invalid UTF-8"))
    }

    fn char_lit(&mut self) -> PResult<Value> {
        self.pos += 1;
        let c = if self.peek() == Some(b'\\') { self.escape()? } else { self.utf8_char()? };
        if self.peek() != Some(b'\'') {
            return Err(self.err("unterminated character literal"));
        }
        self.pos += 1;
        Ok(Value::String(c.to_string()))
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

    /// A string literal: `"…"` with escapes, or raw `r#"…"#`.
    fn string(&mut self) -> PResult<String> {
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
                        let s = self.src[start..self.pos - 1].to_vec();
                        self.pos += hashes;
                        return String::from_utf8(s)
                            .map_err(|_| self.err("invalid UTF-8 in string"));
                    }
                    _ => {}
                }
            }
        }
        self.expect_now(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self.peek().is_some_and(|c| c != b'"' && c != b'\\' && c != b'\n') {
                self.pos += 1;
            }
            out.push_str(self.text(start)?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => {
                    self.bump();
                    out.push('\n');
                }
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    fn expect_now(&mut self, c: u8) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(());
        }
        Err(self.err(format!("expected '{}'", c as char)))
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
