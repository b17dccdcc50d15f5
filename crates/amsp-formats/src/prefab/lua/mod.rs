//! A syntax check of Lua 5.4 source, run by the cook on every `.lua`
//! script: the errors `luac` would report at compile time, each with its
//! line.
//!
//! The lexer reads every token of Lua 5.4 (long strings and comments with
//! levels, decimal and hexadecimal numerals with exponents, every string
//! escape); the recursive-descent parser follows the reference grammar
//! (statements, expressions with Lua's operator precedence, `goto` and
//! labels with their visibility rules, `<const>`/`<close>` attributes,
//! `...` only in vararg functions, `break` only in loops, no assignment
//! to a constant). Nesting deeper than [`MAX_LUA_DEPTH`] levels is an
//! error, never a stack overflow.
//!
//! ```
//! use amsp_formats::prefab::lua::check_lua;
//!
//! let summary = check_lua("local m = require('mod')\nfunction greet(n) return 'hi ' .. n end\n")?;
//! assert_eq!(summary.requires, ["mod"]);
//! assert_eq!(summary.globals, ["greet"]);
//! let err = check_lua("if x then\n  y = 1\n").unwrap_err();
//! assert_eq!(err.line, 3);
//! assert_eq!(err.message, "'end' expected (to close 'if' at line 1) near <eof>");
//! # Ok::<(), amsp_formats::prefab::lua::LuaSyntaxError>(())
//! ```

mod lex;
mod parse;

/// Deepest nesting of statements and expressions accepted (Lua's own
/// parser stops at 200 C levels too).
pub const MAX_LUA_DEPTH: u32 = 200;

/// A syntax error in Lua source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LuaSyntaxError {
    /// The 1-based line.
    pub line: u32,
    /// What is wrong, in Lua's words where it has some (`'=' expected near
    /// 'x'`, `unfinished string near '"abc'`).
    pub message: String,
}

impl LuaSyntaxError {
    fn new(line: u32, message: String, near: Option<&str>) -> Self {
        let message = match near {
            Some("<eof>") => format!("{message} near <eof>"),
            Some(text) => {
                let cut: String = text.chars().take(40).collect();
                format!("{message} near '{cut}'")
            }
            None => message,
        };
        Self { line, message }
    }
}

/// What the check found in a valid script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LuaSummary {
    /// Number of lines.
    pub lines: usize,
    /// Number of function bodies (the main chunk not counted).
    pub functions: usize,
    /// Global variables the script assigns (including `function name()`),
    /// sorted.
    pub globals: Vec<String>,
    /// Modules loaded with a literal name (`require "m"`, `require("m")`),
    /// in order of first appearance.
    pub requires: Vec<String>,
}

/// Checks the syntax of Lua 5.4 source.
///
/// # Errors
/// [`LuaSyntaxError`] for the first syntax error, with its line.
pub fn check_lua(source: &str) -> Result<LuaSummary, LuaSyntaxError> {
    let mut summary = parse::parse(source)?;
    summary.lines = source.lines().count();
    Ok(summary)
}
