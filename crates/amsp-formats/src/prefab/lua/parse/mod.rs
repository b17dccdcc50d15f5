//! The Lua 5.4 grammar, checked by recursive descent in the shape of Lua's
//! own `lparser.c`: blocks with their locals, labels and pending gotos,
//! operator precedence by priority pairs (in [`expr`]), and a depth counter.

use std::collections::BTreeSet;

mod expr;

use super::lex::{Lexer, T, Token};
use super::{LuaSummary, LuaSyntaxError, MAX_LUA_DEPTH};

type R<T> = Result<T, LuaSyntaxError>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Attr {
    Regular,
    Const,
    Close,
}

struct Local<'a> {
    name: &'a str,
    attr: Attr,
}

struct Goto<'a> {
    name: &'a str,
    line: u32,
    /// Locals in scope at the goto.
    nactvar: usize,
}

struct Label<'a> {
    name: &'a str,
    line: u32,
}

struct Block {
    nactvar: usize,
    is_loop: bool,
    first_label: usize,
    first_goto: usize,
}

/// One function being read: its locals, blocks, visible labels and gotos
/// not yet matched to a label.
struct Func<'a> {
    vararg: bool,
    locals: Vec<Local<'a>>,
    blocks: Vec<Block>,
    labels: Vec<Label<'a>>,
    gotos: Vec<Goto<'a>>,
}

/// What an expression is, as far as a statement cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exp<'a> {
    Call,
    /// A variable: a plain name, or `None` for `a.b` / `a[b]`.
    Var(Option<&'a str>),
    Other,
}

/// How a token kind is written, for messages.
fn spelling(t: T) -> &'static str {
    match t {
        T::Name => "<name>",
        T::Eof => "<eof>",
        T::End => "end",
        T::Then => "then",
        T::Do => "do",
        T::Until => "until",
        T::If => "if",
        T::While => "while",
        T::For => "for",
        T::Repeat => "repeat",
        T::Function => "function",
        T::In => "in",
        T::Assign => "=",
        T::LParen => "(",
        T::RParen => ")",
        T::LBrace => "{",
        T::RBrace => "}",
        T::LBracket => "[",
        T::RBracket => "]",
        T::DColon => "::",
        T::Comma => ",",
        T::Gt => ">",
        _ => "?",
    }
}

/// A token kind in a message: keywords and symbols quoted, `<name>` and
/// `<eof>` not (as Lua writes them).
fn quoted(t: T) -> String {
    match t {
        T::Name | T::Eof => spelling(t).to_owned(),
        _ => format!("'{}'", spelling(t)),
    }
}

/// Checks `source`; the summary's `lines` is left for the caller.
pub(super) fn parse(source: &str) -> R<LuaSummary> {
    let mut lex = Lexer::new(source);
    let tok = lex.next()?;
    let mut p = Parser {
        lex,
        tok,
        ahead: None,
        depth: 0,
        funcs: Vec::new(),
        functions: 0,
        globals: BTreeSet::new(),
        requires: Vec::new(),
    };
    p.open_func(true);
    p.statlist()?;
    p.check(T::Eof)?;
    p.close_func()?;
    Ok(LuaSummary {
        lines: 0,
        functions: p.functions,
        globals: p.globals.into_iter().map(str::to_owned).collect(),
        requires: p.requires,
    })
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Token<'a>,
    ahead: Option<Token<'a>>,
    depth: u32,
    funcs: Vec<Func<'a>>,
    functions: usize,
    globals: BTreeSet<&'a str>,
    requires: Vec<String>,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> R<()> {
        self.tok = match self.ahead.take() {
            Some(t) => t,
            None => self.lex.next()?,
        };
        Ok(())
    }

    fn peek(&mut self) -> R<Token<'a>> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lex.next()?);
        }
        Ok(self.ahead.unwrap_or(self.tok))
    }

    /// An error about the current token.
    fn error(&self, message: impl Into<String>) -> LuaSyntaxError {
        LuaSyntaxError::new(self.tok.line, message.into(), Some(self.tok.text))
    }

    /// An error that names no token (Lua's "semantic" errors).
    fn sem_error(&self, message: String) -> LuaSyntaxError {
        LuaSyntaxError::new(self.tok.line, message, None)
    }

    fn test_next(&mut self, t: T) -> R<bool> {
        if self.tok.t == t {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn check(&self, t: T) -> R<()> {
        if self.tok.t == t {
            return Ok(());
        }
        Err(self.error(format!("{} expected", quoted(t))))
    }

    fn check_next(&mut self, t: T) -> R<()> {
        self.check(t)?;
        self.next()
    }

    /// `what` closing `who` opened at `line`.
    fn check_match(&mut self, what: T, who: T, line: u32) -> R<()> {
        if self.tok.t == what {
            return self.next();
        }
        if line == self.tok.line {
            return Err(self.error(format!("{} expected", quoted(what))));
        }
        Err(self.error(format!(
            "{} expected (to close {} at line {line})",
            quoted(what),
            quoted(who)
        )))
    }

    fn name(&mut self) -> R<&'a str> {
        self.check(T::Name)?;
        let name = self.tok.text;
        self.next()?;
        Ok(name)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_LUA_DEPTH {
            return Err(self.error(format!("too many nested levels (limit is {MAX_LUA_DEPTH})")));
        }
        Ok(())
    }

    fn func(&mut self) -> &mut Func<'a> {
        let last = self.funcs.len() - 1;
        &mut self.funcs[last]
    }

    fn open_func(&mut self, vararg: bool) {
        self.funcs.push(Func {
            vararg,
            locals: Vec::new(),
            blocks: Vec::new(),
            labels: Vec::new(),
            gotos: Vec::new(),
        });
        self.enter_block(false);
    }

    fn close_func(&mut self) -> R<()> {
        self.leave_block()?;
        self.funcs.pop();
        Ok(())
    }

    fn enter_block(&mut self, is_loop: bool) {
        let f = self.func();
        let block = Block {
            nactvar: f.locals.len(),
            is_loop,
            first_label: f.labels.len(),
            first_goto: f.gotos.len(),
        };
        f.blocks.push(block);
    }

    fn leave_block(&mut self) -> R<()> {
        let f = self.func();
        let Some(bl) = f.blocks.pop() else { return Ok(()) };
        f.locals.truncate(bl.nactvar);
        if bl.is_loop {
            // Pending `break`s of the loop end here.
            let mut i = bl.first_goto;
            while i < f.gotos.len() {
                if f.gotos[i].name == "break" {
                    f.gotos.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        f.labels.truncate(bl.first_label);
        if f.blocks.is_empty() {
            if let Some(g) = f.gotos.get(bl.first_goto) {
                let message = if g.name == "break" {
                    format!("break outside a loop at line {}", g.line)
                } else {
                    format!("no visible label '{}' for <goto> at line {}", g.name, g.line)
                };
                return Err(self.sem_error(message));
            }
        } else {
            // Gotos still pending leave the block: its locals are out of scope.
            for g in &mut f.gotos[bl.first_goto..] {
                g.nactvar = g.nactvar.min(bl.nactvar);
            }
        }
        Ok(())
    }

    fn add_local(&mut self, name: &'a str, attr: Attr) {
        self.func().locals.push(Local { name, attr });
    }

    /// The attribute of the local `name` visible here (in this function or
    /// an enclosing one), if there is one.
    fn local(&self, name: &str) -> Option<Attr> {
        self.funcs
            .iter()
            .rev()
            .find_map(|f| f.locals.iter().rev().find(|l| l.name == name).map(|l| l.attr))
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.tok.t {
            T::Else | T::Elseif | T::End | T::Eof => true,
            T::Until => with_until,
            _ => false,
        }
    }

    fn statlist(&mut self) -> R<()> {
        while !self.block_follow(true) {
            if self.tok.t == T::Return {
                self.next()?;
                if !self.block_follow(true) && self.tok.t != T::Semi {
                    self.explist()?;
                }
                self.test_next(T::Semi)?;
                return Ok(());
            }
            self.statement()?;
        }
        Ok(())
    }

    fn block(&mut self) -> R<()> {
        self.enter_block(false);
        self.statlist()?;
        self.leave_block()
    }

    fn statement(&mut self) -> R<()> {
        let line = self.tok.line;
        self.enter()?;
        match self.tok.t {
            T::Semi => self.next()?,
            T::If => {
                self.test_then_block()?;
                while self.tok.t == T::Elseif {
                    self.test_then_block()?;
                }
                if self.test_next(T::Else)? {
                    self.block()?;
                }
                self.check_match(T::End, T::If, line)?;
            }
            T::While => {
                self.next()?;
                self.expr()?;
                self.enter_block(true);
                self.check_next(T::Do)?;
                self.block()?;
                self.check_match(T::End, T::While, line)?;
                self.leave_block()?;
            }
            T::Do => {
                self.next()?;
                self.block()?;
                self.check_match(T::End, T::Do, line)?;
            }
            T::For => self.for_stat(line)?,
            T::Repeat => {
                self.next()?;
                self.enter_block(true);
                self.enter_block(false);
                self.statlist()?;
                self.check_match(T::Until, T::Repeat, line)?;
                self.expr()?;
                self.leave_block()?;
                self.leave_block()?;
            }
            T::Function => self.function_stat(line)?,
            T::Local => {
                self.next()?;
                if self.test_next(T::Function)? {
                    let name = self.name()?;
                    self.add_local(name, Attr::Regular);
                    self.body(false, line)?;
                } else {
                    self.local_stat()?;
                }
            }
            T::DColon => {
                self.next()?;
                let name = self.name()?;
                self.check_next(T::DColon)?;
                self.label_stat(name, line)?;
            }
            T::Break => {
                self.next()?;
                let nactvar = self.func().locals.len();
                self.func().gotos.push(Goto { name: "break", line, nactvar });
            }
            T::Goto => {
                self.next()?;
                let name = self.name()?;
                let f = self.func();
                // A visible label is a backward jump; otherwise it waits
                // for a label later in an enclosing block.
                if !f.labels.iter().any(|l| l.name == name) {
                    let nactvar = f.locals.len();
                    f.gotos.push(Goto { name, line, nactvar });
                }
            }
            _ => self.expr_stat()?,
        }
        self.depth -= 1;
        Ok(())
    }

    fn test_then_block(&mut self) -> R<()> {
        self.next()?;
        self.expr()?;
        self.check_next(T::Then)?;
        self.block()
    }

    fn for_stat(&mut self, line: u32) -> R<()> {
        self.enter_block(true);
        self.next()?;
        let first = self.name()?;
        let mut names = vec![first];
        match self.tok.t {
            T::Assign => {
                self.next()?;
                self.expr()?;
                self.check_next(T::Comma)?;
                self.expr()?;
                if self.test_next(T::Comma)? {
                    self.expr()?;
                }
            }
            T::Comma | T::In => {
                while self.test_next(T::Comma)? {
                    names.push(self.name()?);
                }
                self.check_next(T::In)?;
                self.explist()?;
            }
            _ => return Err(self.error("'=' or 'in' expected")),
        }
        self.check_next(T::Do)?;
        self.enter_block(false);
        for name in names {
            self.add_local(name, Attr::Regular);
        }
        self.block()?;
        self.leave_block()?;
        self.check_match(T::End, T::For, line)?;
        self.leave_block()
    }

    fn function_stat(&mut self, line: u32) -> R<()> {
        self.next()?;
        let base = self.name()?;
        let mut plain = true;
        while self.test_next(T::Dot)? {
            self.name()?;
            plain = false;
        }
        let method = self.test_next(T::Colon)?;
        if method {
            self.name()?;
            plain = false;
        }
        if plain {
            self.assign_to(base)?;
        }
        self.body(method, line)
    }

    /// Checks an assignment to the variable `name`: not a constant; a
    /// global if no local of that name is visible.
    fn assign_to(&mut self, name: &'a str) -> R<()> {
        match self.local(name) {
            Some(Attr::Const | Attr::Close) => {
                Err(self.sem_error(format!("attempt to assign to const variable '{name}'")))
            }
            Some(Attr::Regular) => Ok(()),
            None => {
                self.globals.insert(name);
                Ok(())
            }
        }
    }

    fn local_stat(&mut self) -> R<()> {
        let mut names = Vec::new();
        let mut closes = 0;
        loop {
            let name = self.name()?;
            let attr = if self.test_next(T::Lt)? {
                let attr = self.name()?;
                self.check_next(T::Gt)?;
                match attr {
                    "const" => Attr::Const,
                    "close" => Attr::Close,
                    other => return Err(self.sem_error(format!("unknown attribute '{other}'"))),
                }
            } else {
                Attr::Regular
            };
            if attr == Attr::Close {
                closes += 1;
                if closes > 1 {
                    return Err(
                        self.sem_error("multiple to-be-closed variables in local list".into())
                    );
                }
            }
            names.push((name, attr));
            if !self.test_next(T::Comma)? {
                break;
            }
        }
        if self.test_next(T::Assign)? {
            self.explist()?;
        }
        for (name, attr) in names {
            self.add_local(name, attr);
        }
        Ok(())
    }

    fn label_stat(&mut self, name: &'a str, line: u32) -> R<()> {
        // Other no-op statements may follow before the block ends.
        while matches!(self.tok.t, T::Semi | T::DColon) {
            self.statement()?;
        }
        if let Some(l) = self.func().labels.iter().find(|l| l.name == name) {
            let message = format!("label '{name}' already defined on line {}", l.line);
            return Err(self.sem_error(message));
        }
        let last = self.block_follow(false);
        let f = self.func();
        let Some(block) = f.blocks.last() else { return Ok(()) };
        // A label at the end of its block is outside the scope of the
        // block's locals.
        let nactvar = if last { block.nactvar } else { f.locals.len() };
        let first_goto = block.first_goto;
        f.labels.push(Label { name, line });
        let mut i = first_goto;
        while i < f.gotos.len() {
            let g = &f.gotos[i];
            if g.name != name {
                i += 1;
                continue;
            }
            if g.nactvar < nactvar {
                let local = f.locals.get(g.nactvar).map_or("?", |l| l.name);
                let message = format!(
                    "<goto {name}> at line {} jumps into the scope of local '{local}'",
                    g.line
                );
                return Err(self.sem_error(message));
            }
            f.gotos.remove(i);
        }
        Ok(())
    }

    fn expr_stat(&mut self) -> R<()> {
        let e = self.suffixed_exp()?;
        if matches!(self.tok.t, T::Assign | T::Comma) {
            self.assign_target(e)?;
            while self.test_next(T::Comma)? {
                let e = self.suffixed_exp()?;
                self.assign_target(e)?;
            }
            self.check_next(T::Assign)?;
            return self.explist();
        }
        if e != Exp::Call {
            return Err(self.error("syntax error"));
        }
        Ok(())
    }

    fn assign_target(&mut self, e: Exp<'a>) -> R<()> {
        match e {
            Exp::Var(Some(name)) => self.assign_to(name),
            Exp::Var(None) => Ok(()),
            _ => Err(self.error("syntax error")),
        }
    }

    /// `(params) block end` of a function whose `function` keyword (and
    /// name) were read at `line`.
    fn body(&mut self, method: bool, line: u32) -> R<()> {
        self.functions += 1;
        self.open_func(false);
        if method {
            self.add_local("self", Attr::Regular);
        }
        self.check_next(T::LParen)?;
        if self.tok.t != T::RParen {
            loop {
                match self.tok.t {
                    T::Name => {
                        let name = self.name()?;
                        self.add_local(name, Attr::Regular);
                    }
                    T::Dots => {
                        self.next()?;
                        self.func().vararg = true;
                        break;
                    }
                    _ => return Err(self.error("<name> or '...' expected")),
                }
                if !self.test_next(T::Comma)? {
                    break;
                }
            }
        }
        self.check_next(T::RParen)?;
        self.statlist()?;
        self.check_match(T::End, T::Function, line)?;
        self.close_func()
    }
}
