//! Lua 5.4 expressions: operators by Lua's priority pairs, primary and
//! suffixed expressions, calls (recording `require` of a literal name) and
//! table constructors.

use super::super::lex::T;
use super::{Exp, Parser, R};

/// Lua's operator priorities (left, right); unary operators bind at 12.
fn binop(t: T) -> Option<(u8, u8)> {
    Some(match t {
        T::Or => (1, 1),
        T::And => (2, 2),
        T::Eq | T::Ne | T::Lt | T::Le | T::Gt | T::Ge => (3, 3),
        T::Pipe => (4, 4),
        T::Tilde => (5, 5),
        T::Amp => (6, 6),
        T::Shl | T::Shr => (7, 7),
        T::Concat => (9, 8),
        T::Plus | T::Minus => (10, 10),
        T::Star | T::Slash | T::DSlash | T::Percent => (11, 11),
        T::Caret => (14, 13),
        _ => return None,
    })
}

const UNARY_PRIORITY: u8 = 12;

impl<'a> Parser<'a> {
    pub(super) fn explist(&mut self) -> R<()> {
        self.expr()?;
        while self.test_next(T::Comma)? {
            self.expr()?;
        }
        Ok(())
    }

    pub(super) fn expr(&mut self) -> R<Exp<'a>> {
        self.subexpr(0)
    }

    fn subexpr(&mut self, limit: u8) -> R<Exp<'a>> {
        self.enter()?;
        let mut e = if matches!(self.tok.t, T::Not | T::Minus | T::Tilde | T::Hash) {
            self.next()?;
            self.subexpr(UNARY_PRIORITY)?;
            Exp::Other
        } else {
            self.simple_exp()?
        };
        while let Some((left, right)) = binop(self.tok.t) {
            if left <= limit {
                break;
            }
            self.next()?;
            self.subexpr(right)?;
            e = Exp::Other;
        }
        self.depth -= 1;
        Ok(e)
    }

    fn simple_exp(&mut self) -> R<Exp<'a>> {
        match self.tok.t {
            T::Number | T::Str | T::Nil | T::True | T::False => self.next()?,
            T::Dots => {
                if !self.func().vararg {
                    return Err(self.error("cannot use '...' outside a vararg function"));
                }
                self.next()?;
            }
            T::LBrace => self.constructor()?,
            T::Function => {
                let line = self.tok.line;
                self.next()?;
                self.body(false, line)?;
            }
            _ => return self.suffixed_exp(),
        }
        Ok(Exp::Other)
    }

    fn primary_exp(&mut self) -> R<Exp<'a>> {
        match self.tok.t {
            T::Name => Ok(Exp::Var(Some(self.name()?))),
            T::LParen => {
                let line = self.tok.line;
                self.next()?;
                self.expr()?;
                self.check_match(T::RParen, T::LParen, line)?;
                Ok(Exp::Other)
            }
            _ => Err(self.error("unexpected symbol")),
        }
    }

    pub(super) fn suffixed_exp(&mut self) -> R<Exp<'a>> {
        let mut e = self.primary_exp()?;
        let mut require = e == Exp::Var(Some("require")) && self.local("require").is_none();
        loop {
            match self.tok.t {
                T::Dot => {
                    self.next()?;
                    self.name()?;
                    e = Exp::Var(None);
                }
                T::LBracket => {
                    self.next()?;
                    self.expr()?;
                    self.check_next(T::RBracket)?;
                    e = Exp::Var(None);
                }
                T::Colon => {
                    self.next()?;
                    self.name()?;
                    self.call_args(false)?;
                    e = Exp::Call;
                }
                T::LParen | T::Str | T::LBrace => {
                    self.call_args(require)?;
                    e = Exp::Call;
                }
                _ => return Ok(e),
            }
            require = false;
        }
    }

    /// A call's arguments; with `require`, a single literal name is
    /// recorded as a required module.
    fn call_args(&mut self, require: bool) -> R<()> {
        match self.tok.t {
            T::Str => {
                if require {
                    self.record_require(self.tok.text);
                }
                self.next()
            }
            T::LBrace => self.constructor(),
            T::LParen => {
                let line = self.tok.line;
                self.next()?;
                if self.tok.t != T::RParen {
                    if require && self.tok.t == T::Str && self.peek()?.t == T::RParen {
                        self.record_require(self.tok.text);
                    }
                    self.explist()?;
                }
                self.check_match(T::RParen, T::LParen, line)
            }
            _ => Err(self.error("function arguments expected")),
        }
    }

    /// Records the module named by a string literal without escapes.
    fn record_require(&mut self, literal: &str) {
        let inner = literal
            .strip_prefix(['"', '\''])
            .and_then(|s| s.strip_suffix(['"', '\'']))
            .filter(|s| !s.contains('\\'));
        if let Some(name) = inner
            && !self.requires.iter().any(|r| r == name)
        {
            self.requires.push(name.to_owned());
        }
    }

    fn constructor(&mut self) -> R<()> {
        let line = self.tok.line;
        self.check_next(T::LBrace)?;
        while self.tok.t != T::RBrace {
            let named = self.tok.t == T::Name && self.peek()?.t == T::Assign;
            match self.tok.t {
                T::Name if named => {
                    self.next()?;
                    self.next()?;
                    self.expr()?;
                }
                T::LBracket => {
                    self.next()?;
                    self.expr()?;
                    self.check_next(T::RBracket)?;
                    self.check_next(T::Assign)?;
                    self.expr()?;
                }
                _ => {
                    self.expr()?;
                }
            }
            if !(self.test_next(T::Comma)? || self.test_next(T::Semi)?) {
                break;
            }
        }
        self.check_match(T::RBrace, T::LBrace, line)
    }
}
