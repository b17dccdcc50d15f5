//! Reading prefab RON: a parser for RON's value syntax that writes the
//! [cooked form](super::binary) as it reads (strings interned, no tree of
//! values in between), checks typed components against their schemas, and
//! keeps the line of every component and asset reference, so that cook
//! errors can name them.
//!
//! Accepted: `(name: "crate", entities: [(name: "root", components:
//! {"Transform": (translation: (1.0, 0.0, 0.0))}, children: [ … ],
//! prefab: Some("props/barrel.prefab.ron"))])`, with an optional type name
//! before each parenthesis (`Prefab(…)`, `Entity(…)`), comments (`//`,
//! `/* */`), trailing commas and `#![enable(…)]` attributes. Component
//! values are any RON value; a string `"asset:PATH"` is a reference to the
//! asset at `PATH`.

use std::borrow::Cow;

use amsp_core::AssetPath;
use foldhash::HashMap;

use super::binary::decode_prefab;
use super::bytes::ByteReader;
use super::cursor::{Cursor, Number, PResult};
use super::schema::{FieldPath, FieldType, SchemaRegistry, conform};
use super::value::{ASSET_PREFIX, PrefabData};
use super::writer::{Writer, field, tag, zigzag};

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

/// A prefab read and checked into its [cooked form](super::binary), with
/// what the cook records about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompiledPrefab {
    /// The cooked form, as [`decode_prefab`] reads it.
    pub bytes: Vec<u8>,
    /// The prefab's name.
    pub name: String,
    /// Number of entities, children included.
    pub entity_count: usize,
    /// The distinct component names, sorted.
    pub components: Vec<String>,
    /// The distinct referenced paths (component references and nested
    /// prefabs), in order of first appearance.
    pub paths: Vec<AssetPath>,
    /// Every reference in source order: its index in `paths` and its
    /// 1-based line.
    pub references: Vec<(usize, u32)>,
}

impl CompiledPrefab {
    /// The distinct referenced paths, each with the line of its first
    /// appearance, in that order.
    pub fn first_references(&self) -> impl Iterator<Item = (&AssetPath, u32)> {
        let mut next = 0;
        self.references.iter().filter_map(move |&(i, line)| {
            if i != next {
                return None;
            }
            next += 1;
            self.paths.get(i).map(|p| (p, line))
        })
    }
}

/// Reads prefab text straight into its cooked form, checking components
/// against `schemas` (which fills in their defaults).
///
/// # Errors
/// [`PrefabParseError`] naming the line of the first problem.
pub fn compile_prefab<'a>(
    text: &'a str,
    schemas: &'a SchemaRegistry,
) -> Result<CompiledPrefab, PrefabParseError> {
    let mut p = Parser {
        c: Cursor::new(text),
        w: Writer::default(),
        schemas,
        depth: 0,
        entities: 0,
        components: Vec::new(),
        component_seen: Vec::new(),
        schema_of: Vec::new(),
        block: Vec::new(),
        scratch: Vec::new(),
        raw_paths: HashMap::default(),
        path_of_string: HashMap::default(),
        path_strings: Vec::new(),
        paths: Vec::new(),
        refs: Vec::new(),
    };
    p.w.body.reserve(text.len());
    let name = p.prefab()?;
    let mut components: Vec<String> =
        p.components.iter().map(|&i| p.w.strings.get(i).to_owned()).collect();
    components.sort_unstable();
    Ok(CompiledPrefab {
        name: p.w.strings.get(name).to_owned(),
        entity_count: p.entities,
        components,
        paths: p.paths,
        references: p.refs,
        bytes: p.w.finish(name),
    })
}

/// Parses prefab text into a [`PrefabData`], checking components against
/// `schemas` (which fills in their defaults): [`compile_prefab`], then
/// [`decode_prefab`].
///
/// # Errors
/// [`PrefabParseError`] naming the line of the first problem.
pub fn parse_prefab(
    text: &str,
    schemas: &SchemaRegistry,
) -> Result<ParsedPrefab, PrefabParseError> {
    let compiled = compile_prefab(text, schemas)?;
    let data = decode_prefab(&compiled.bytes).map_err(|e| PrefabParseError::Syntax {
        line: 1,
        column: 1,
        message: format!("the cooked form does not read back: {e}"),
    })?;
    let references =
        compiled.references.iter().map(|&(i, line)| (compiled.paths[i].clone(), line)).collect();
    Ok(ParsedPrefab { data, references })
}

struct Parser<'a> {
    c: Cursor<'a>,
    w: Writer<'a>,
    schemas: &'a SchemaRegistry,
    depth: u32,
    entities: usize,
    /// Distinct component names (string indices), in order of appearance.
    components: Vec<u32>,
    /// Per string index: whether it names a component.
    component_seen: Vec<bool>,
    /// Per string index, once looked up: the schema of the component it names.
    schema_of: Vec<Option<Option<&'a FieldType>>>,
    /// Component names of the `components` block being read.
    block: Vec<u32>,
    /// A component's value moved aside while its schema check rewrites it.
    scratch: Vec<u8>,
    /// Path text as written → index in `paths`.
    raw_paths: HashMap<&'a str, usize>,
    /// String index of a normalised path → index in `paths`.
    path_of_string: HashMap<u32, usize>,
    /// Per path: the string index of its normalised text.
    path_strings: Vec<u32>,
    paths: Vec<AssetPath>,
    refs: Vec<(usize, u32)>,
}

impl<'a> Parser<'a> {
    fn err(&self, message: impl Into<String>) -> PrefabParseError {
        self.c.err(message)
    }

    fn intern(&mut self, s: Cow<'a, str>) -> u32 {
        match s {
            Cow::Borrowed(s) => self.w.strings.intern(s),
            Cow::Owned(s) => self.w.strings.intern_owned(s),
        }
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
        self.c.skip_ws()?;
        let _ = self.c.ident();
        self.c.expect(b'(')
    }

    /// The next field of a record whose `(` was read, up to and including
    /// its `:`; `None` at the closing `)`. `after_value` says whether a
    /// field's value was just read (so a `,` or `)` must follow).
    fn next_field(&mut self, after_value: bool) -> PResult<Option<&'a str>> {
        if after_value && !self.c.eat(b',')? {
            self.c.expect(b')')?;
            return Ok(None);
        }
        if self.c.eat(b')')? {
            return Ok(None);
        }
        let name = self.c.ident().ok_or_else(|| self.err("expected a field name or ')'"))?;
        self.c.expect(b':')?;
        self.c.skip_ws()?;
        Ok(Some(name))
    }

    /// Whether another item of a sequence closed by `close` follows.
    fn next_item(&mut self, after_value: bool, close: u8) -> PResult<bool> {
        if after_value && !self.c.eat(b',')? {
            self.c.expect(close)?;
            return Ok(false);
        }
        if self.c.eat(close)? {
            return Ok(false);
        }
        Ok(true)
    }

    /// The whole text; returns the string index of the prefab's name.
    fn prefab(&mut self) -> PResult<u32> {
        self.c.skip_ws()?;
        while self.c.src[self.c.pos..].starts_with(b"#![") {
            while self.c.peek() != Some(b']') {
                self.c.bump().ok_or_else(|| self.err("unterminated attribute"))?;
            }
            self.c.pos += 1;
            self.c.skip_ws()?;
        }
        self.open_record()?;
        let (mut name, mut entities) = (None, false);
        let mut after = false;
        while let Some(f) = self.next_field(after)? {
            after = true;
            match f {
                "name" if name.is_none() => {
                    let s = self.c.string()?;
                    name = Some(self.intern(s));
                }
                "entities" if !entities => {
                    entities = true;
                    self.entity_list()?;
                }
                "name" | "entities" => {
                    return Err(self.err(format!("prefab field '{f}' appears twice")));
                }
                other => {
                    return Err(self
                        .err(format!("unknown prefab field '{other}' (expected name, entities)")));
                }
            }
        }
        self.c.skip_ws()?;
        if self.c.pos < self.c.src.len() {
            return Err(self.err("unexpected text after the prefab"));
        }
        if !entities {
            self.w.varint(0);
        }
        Ok(name.unwrap_or_else(|| self.w.strings.intern("")))
    }

    /// `[entity, …]`: a count, then the entities.
    fn entity_list(&mut self) -> PResult<()> {
        self.enter()?;
        self.c.expect(b'[')?;
        let at = self.w.begin_count();
        let mut n = 0;
        while self.next_item(n > 0, b']')? {
            self.entity()?;
            n += 1;
        }
        self.w.end_count(at, n);
        self.depth -= 1;
        Ok(())
    }

    /// An entity record, its fields written in source order.
    fn entity(&mut self) -> PResult<()> {
        self.entities += 1;
        self.open_record()?;
        let mut seen = 0u8;
        let mut after = false;
        while let Some(f) = self.next_field(after)? {
            after = true;
            let id = match f {
                "name" => field::NAME,
                "prefab" => field::PREFAB,
                "components" => field::COMPONENTS,
                "children" => field::CHILDREN,
                other => {
                    return Err(self.err(format!(
                        "unknown entity field '{other}' (expected name, components, children, prefab)"
                    )));
                }
            };
            if seen & (1 << id) != 0 {
                return Err(self.err(format!("entity field '{f}' appears twice")));
            }
            seen |= 1 << id;
            match id {
                field::NAME => {
                    let s = self.c.string()?;
                    let i = self.intern(s);
                    self.w.byte(field::NAME);
                    self.w.varint(u64::from(i));
                }
                field::PREFAB => {
                    if let Some(i) = self.nested_prefab()? {
                        self.w.byte(field::PREFAB);
                        self.w.varint(u64::from(i));
                    }
                }
                field::COMPONENTS => {
                    self.w.byte(field::COMPONENTS);
                    self.components()?;
                }
                _ => {
                    self.w.byte(field::CHILDREN);
                    self.entity_list()?;
                }
            }
        }
        self.w.byte(field::END);
        Ok(())
    }

    /// `prefab: "path"`, `Some("path")` or `None`: the path's string index.
    fn nested_prefab(&mut self) -> PResult<Option<u32>> {
        let line = self.c.line;
        let text = match self.c.ident() {
            Some("None") => return Ok(None),
            Some("Some") => {
                self.c.expect(b'(')?;
                self.c.skip_ws()?;
                let s = self.c.string()?;
                self.c.expect(b')')?;
                s
            }
            Some(_) => return Err(self.err("expected a prefab path, Some(path) or None")),
            None => self.c.string()?,
        };
        let text = match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix(ASSET_PREFIX).unwrap_or(s)),
            Cow::Owned(s) => match s.strip_prefix(ASSET_PREFIX) {
                Some(rest) => Cow::Owned(rest.to_owned()),
                None => Cow::Owned(s),
            },
        };
        self.reference(text, line).map(Some)
    }

    /// Records a reference to the asset at `text` (without the prefix),
    /// returning the string index of its normalised path.
    fn reference(&mut self, text: Cow<'a, str>, line: u32) -> PResult<u32> {
        if let Cow::Borrowed(raw) = text
            && let Some(&i) = self.raw_paths.get(raw)
        {
            self.refs.push((i, line));
            return Ok(self.path_strings[i]);
        }
        let path = AssetPath::new(&text).map_err(|e| PrefabParseError::Syntax {
            line,
            column: 1,
            message: format!("invalid asset path {text:?}: {e}"),
        })?;
        let s = match text {
            Cow::Borrowed(raw) if raw == path.as_str() => self.w.strings.intern(raw),
            _ => self.w.strings.intern_owned(path.as_str().to_owned()),
        };
        let i = match self.path_of_string.get(&s) {
            Some(&i) => i,
            None => {
                self.paths.push(path);
                self.path_strings.push(s);
                self.path_of_string.insert(s, self.paths.len() - 1);
                self.paths.len() - 1
            }
        };
        if let Cow::Borrowed(raw) = text {
            self.raw_paths.insert(raw, i);
        }
        self.refs.push((i, line));
        Ok(s)
    }

    /// `{name: value, …}`: a count, then per component its name and value
    /// (checked against its schema, if it has one).
    fn components(&mut self) -> PResult<()> {
        self.c.expect(b'{')?;
        let at = self.w.begin_count();
        self.block.clear();
        let mut n = 0;
        while self.next_item(n > 0, b'}')? {
            self.c.skip_ws()?;
            let line = self.c.line;
            let name = match self.c.peek() {
                Some(b'"') => self.c.string()?,
                _ => Cow::Borrowed(
                    self.c.ident().ok_or_else(|| self.err("expected a component name"))?,
                ),
            };
            let name = self.intern(name);
            self.c.expect(b':')?;
            self.c.skip_ws()?;
            let component = |p: &Self, message: String| PrefabParseError::Component {
                line,
                component: p.w.strings.get(name).to_owned(),
                message,
            };
            if self.block.contains(&name) {
                return Err(component(self, "appears twice".into()));
            }
            self.block.push(name);
            let i = name as usize;
            if self.component_seen.len() <= i {
                self.component_seen.resize(i + 1, false);
            }
            if !self.component_seen[i] {
                self.component_seen[i] = true;
                self.components.push(name);
            }
            self.w.varint(u64::from(name));
            let start = self.w.body.len();
            self.value()?;
            if let Some(ty) = self.schema(name) {
                let mut seg = std::mem::take(&mut self.scratch);
                seg.clear();
                seg.extend_from_slice(&self.w.body[start..]);
                self.w.body.truncate(start);
                let checked =
                    conform(ty, &mut ByteReader::new(&seg), &mut self.w, &FieldPath::Root);
                self.scratch = seg;
                checked.map_err(|m| component(self, m))?;
            }
            n += 1;
        }
        self.w.end_count(at, n);
        Ok(())
    }

    /// The schema of the component named by string `name`, if any.
    fn schema(&mut self, name: u32) -> Option<&'a FieldType> {
        let i = name as usize;
        if self.schema_of.len() <= i {
            self.schema_of.resize(i + 1, None);
        }
        *self.schema_of[i].get_or_insert_with(|| self.schemas.get(self.w.strings.get(name)))
    }

    fn value(&mut self) -> PResult<()> {
        self.enter()?;
        self.value_inner()?;
        self.depth -= 1;
        Ok(())
    }

    fn value_inner(&mut self) -> PResult<()> {
        if self.c.at_string() {
            let line = self.c.line;
            let s = self.c.string()?;
            let path = match &s {
                Cow::Borrowed(b) => b.strip_prefix(ASSET_PREFIX).map(Cow::Borrowed),
                Cow::Owned(o) => o.strip_prefix(ASSET_PREFIX).map(|p| Cow::Owned(p.to_owned())),
            };
            let (t, i) = match path {
                Some(path) => (tag::ASSET, self.reference(path, line)?),
                None => (tag::STRING, self.intern(s)),
            };
            self.w.byte(t);
            self.w.varint(u64::from(i));
            return Ok(());
        }
        match self.c.peek() {
            Some(b'\'') => {
                let s = self.c.char_lit()?;
                let i = self.intern(s);
                self.w.byte(tag::STRING);
                self.w.varint(u64::from(i));
            }
            Some(b'[') => {
                self.c.pos += 1;
                self.w.byte(tag::LIST);
                let at = self.w.begin_count();
                let mut n = 0;
                while self.next_item(n > 0, b']')? {
                    self.value()?;
                    n += 1;
                }
                self.w.end_count(at, n);
            }
            Some(b'{') => {
                self.c.pos += 1;
                self.w.byte(tag::MAP);
                let at = self.w.begin_count();
                let mut n = 0;
                while self.next_item(n > 0, b'}')? {
                    self.value()?;
                    self.c.expect(b':')?;
                    self.c.skip_ws()?;
                    self.value()?;
                    n += 1;
                }
                self.w.end_count(at, n);
            }
            Some(b'(') => self.record(None)?,
            Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                match self.c.number()? {
                    Number::Int(i) => {
                        self.w.byte(tag::INT);
                        self.w.varint(zigzag(i));
                    }
                    Number::Float(f) => self.w.float(f),
                }
            }
            Some(_) => {
                let Some(id) = self.c.ident() else {
                    return Err(self.err("expected a value"));
                };
                match id {
                    "true" => self.w.byte(tag::TRUE),
                    "false" => self.w.byte(tag::FALSE),
                    "None" => self.w.byte(tag::NONE),
                    "inf" => self.w.float(f64::INFINITY),
                    "NaN" => self.w.float(f64::NAN),
                    "Some" => {
                        self.c.expect(b'(')?;
                        self.c.skip_ws()?;
                        self.w.byte(tag::SOME);
                        self.value()?;
                        self.c.eat(b',')?;
                        self.c.expect(b')')?;
                    }
                    _ => {
                        if self.c.eat(b'(')? {
                            self.c.pos -= 1;
                            self.record(Some(id))?;
                        } else {
                            let i = self.w.strings.intern(id);
                            self.w.byte(tag::IDENT);
                            self.w.varint(u64::from(i));
                        }
                    }
                }
            }
            None => return Err(self.err("expected a value, found end of text")),
        }
        Ok(())
    }

    /// `(…)`: unit, tuple or struct (a struct when an identifier and ':'
    /// come first).
    fn record(&mut self, name: Option<&'a str>) -> PResult<()> {
        self.c.expect(b'(')?;
        self.c.skip_ws()?;
        let save = self.c.save();
        // A struct when an identifier and ':' come first: that identifier
        // is its first field.
        let first = match self.c.ident() {
            Some(field) if self.c.eat(b':')? => Some(field),
            _ => {
                self.c.restore(save);
                None
            }
        };
        let start = self.w.body.len();
        self.w.byte(if first.is_some() { tag::STRUCT } else { tag::TUPLE });
        self.w.opt_name(name);
        let at = self.w.begin_count();
        let mut n = 0;
        if let Some(first) = first {
            self.c.skip_ws()?;
            let mut field = Some(first);
            while let Some(f) = field {
                let i = self.w.strings.intern(f);
                self.w.varint(u64::from(i));
                self.value()?;
                n += 1;
                field = self.next_field(true)?;
            }
        } else {
            while self.next_item(n > 0, b')')? {
                self.value()?;
                n += 1;
            }
            if n == 0 && name.is_none() {
                self.w.body.truncate(start);
                self.w.byte(tag::UNIT);
                return Ok(());
            }
        }
        self.w.end_count(at, n);
        Ok(())
    }
}
