//! The Lua 5.4 syntax check: realistic scripts pass, each kind of syntax
//! error names its line, deep nesting is an error, and any bytes give a
//! summary or an error.

use amsp_formats::prefab::lua::{MAX_LUA_DEPTH, check_lua};

/// A behaviour script of the kind games ship: a class with methods,
/// closures, varargs, integer division and bitwise operators.
const ENEMY_AI: &str = r#"#!/usr/bin/env lua
-- Enemy behaviour.
local vec = require("math.vec")
local log <const> = require "log"

local Enemy = {}
Enemy.__index = Enemy

--[==[
  States: idle, chase, attack.
  A long comment with ]] inside.
]==]
local STATES = { idle = 1, chase = 2, attack = 3; [4] = "dead", }

function Enemy.new(pos, opts)
  local self = setmetatable({}, Enemy)
  self.pos = pos or vec(0, 0)
  self.hp = opts and opts.hp or 100
  self.flags = 0x0F & ~0x02 | 1 << 4
  self.speed = 2.5e0 // 1
  return self
end

function Enemy:think(dt, ...)
  local targets = { ... }
  if #targets == 0 then
    self.state = STATES.idle
  elseif self.hp <= 10 and not self.fleeing then
    self:flee(targets[1])
  else
    for i, t in ipairs(targets) do
      local d = (t.pos - self.pos):length()
      if d < 5 then goto attack end
    end
    do return end
    ::attack::
    self.state = STATES.attack
  end
  local n = 0
  while n < 3 do n = n + 1 end
  repeat local k = n - 1; n = k until k <= 0
  for i = 10, 1, -1 do
    if i % 2 == 0 then break end
  end
  log.debug(("%s thinks in %.2fs"):format(self.name, dt), 2 ^ -1, "a" .. "b" .. 'c')
end

function Enemy:flee(from)
  local dir = (self.pos - from.pos):normalized()
  self.pos = self.pos + dir * self.speed
  self.fleeing = true
end

return Enemy
"#;

const UI_SCRIPT: &str = r#"
local ui = require 'ui'
local strings = [[
Press [E] to open.
]]
local function clamp(x, lo, hi)
  return math.max(lo, math.min(hi, x))
end
counter = 0
local handlers = {
  open = function(self) counter = counter + 1; return counter end,
  ["close"] = function() return nil end,
}
do
  local f <close> = setmetatable({}, { __close = function() end })
  local a, b, c = 1, 2
  a, b = b, a
  handlers.open(handlers)
end
ui.text("\65\066\x43\u{44}\z
         E\tF\n", clamp(0.5, 0, 1), #strings, - - 3, not not true)
"#;

#[test]
fn realistic_scripts_pass_and_are_summarised() {
    let s = check_lua(ENEMY_AI).expect("the AI script is valid");
    assert_eq!(s.lines, ENEMY_AI.lines().count());
    assert_eq!(s.requires, ["math.vec", "log"]);
    assert_eq!(s.functions, 3);
    assert!(s.globals.is_empty(), "{:?}", s.globals);
    let s = check_lua(UI_SCRIPT).expect("the UI script is valid");
    assert_eq!(s.requires, ["ui"]);
    assert_eq!(s.globals, ["counter"]);
    assert_eq!(s.functions, 4);
    for ok in [
        "",
        "return",
        "return 1;",
        "local t = {} t.x, t[1] = 1, 2",
        "f{...}",
        "a.b.c:d 'x' [[y]] {z}",
        "local x <const>, y <close> = 1, nil",
        "goto done; local x = 1 ::done::",
        "do goto l; local a ::l:: ; ; end",
        "while true do local x; goto continue; local y; ::continue:: end",
        "::a:: do goto a end",
        "x = -2 ^ 2 .. 3 == 4 or 1 < 2 and 3 ~= 4 >= 5",
        "x = 1 // 2 % 3 & 4 | 5 ~ 6 >> 7 << 8",
        "local function f(...) return select('#', ...) end",
        "for k, v in next, {} do end for i = 1, 2 do end",
        "x = 0x1p-2 + .5 + 5. + 0xA.8 + 3e+2 + 1E-1",
        "x = [==[ ]] ]=] ]==]",
        "--[[ comment ]] x = 1 -- trailing",
    ] {
        check_lua(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
    }
}

#[test]
fn each_kind_of_syntax_error_names_the_line() {
    // (source, line, message)
    let rows: &[(&str, u32, &str)] = &[
        ("if x then\n  y = 1\n", 3, "'end' expected (to close 'if' at line 1) near <eof>"),
        ("x = = 1", 1, "unexpected symbol near '='"),
        ("\n\nlocal = 1", 3, "<name> expected near '='"),
        ("x", 1, "syntax error near <eof>"),
        ("f() = 1", 1, "syntax error near '='"),
        ("(a) = 1", 1, "syntax error near '='"),
        ("x = 1 +", 1, "unexpected symbol near <eof>"),
        ("x = (1", 1, "')' expected near <eof>"),
        ("x = {1, 2", 1, "'}' expected near <eof>"),
        ("for i do end", 1, "'=' or 'in' expected near 'do'"),
        ("for i = 1 do end", 1, "',' expected near 'do'"),
        ("while true end", 1, "'do' expected near 'end'"),
        ("repeat x = 1", 1, "'until' expected near <eof>"),
        ("repeat\n x = 1", 2, "'until' expected (to close 'repeat' at line 1) near <eof>"),
        ("function f(a,) end", 1, "<name> or '...' expected near ')'"),
        ("function f() return 1 x = 2 end", 1, "'end' expected near 'x'"),
        ("x = function(a) return ... end", 1, "cannot use '...' outside a vararg function"),
        ("\nbreak", 2, "break outside a loop at line 2"),
        ("goto nowhere", 1, "no visible label 'nowhere' for <goto> at line 1"),
        ("::a:: ::a::", 1, "label 'a' already defined on line 1"),
        (
            "goto l\nlocal x = 1\n::l::\nprint(x)",
            4,
            "<goto l> at line 1 jumps into the scope of local 'x'",
        ),
        ("do goto l end ::l:: do ::l:: end", 1, "label 'l' already defined"),
        ("local x <const> = 1\nx = 2", 2, "attempt to assign to const variable 'x'"),
        (
            "local x <close> = nil\nfunction f() x = 1 end",
            2,
            "attempt to assign to const variable 'x'",
        ),
        ("local x <bogus> = 1", 1, "unknown attribute 'bogus'"),
        ("local a <close>, b <close> = 1, 2", 1, "multiple to-be-closed variables"),
        ("x = 3x", 1, "malformed number near '3x'"),
        ("x = 'abc\ny'", 1, "unfinished string near ''abc'"),
        ("x = [[abc", 1, "unfinished long string (starting at line 1) near <eof>"),
        ("x = '\\9999'", 1, "decimal escape too large"),
        ("x = a:b", 1, "function arguments expected near <eof>"),
        ("end", 1, "<eof> expected near 'end'"),
        ("x = 1 @", 1, "unexpected symbol near '@'"),
        ("\nx = @", 2, "unexpected symbol near '@'"),
        ("x = [=[ a ]=] .. [= a", 1, "invalid long string delimiter near '[='"),
    ];
    for (src, line, needle) in rows {
        let err = check_lua(src).expect_err(src);
        assert_eq!(err.line, *line, "{src:?}: {err}");
        assert!(err.message.contains(needle), "{src:?}: {err}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 10_000;
    let cases = [
        format!("x = {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("x = {}1", "- ".repeat(n)),
        format!("x = {}1{}", "{".repeat(n), "}".repeat(n)),
        format!("x = 1{}", " .. 1".repeat(n)),
        format!("{} x = 1 {}", "do ".repeat(n), "end ".repeat(n)),
        format!("{}{}", "if x then ".repeat(n), "end ".repeat(n)),
        format!("x = {}1{}", "function() return ".repeat(n), " end".repeat(n)),
    ];
    for src in &cases {
        let err = check_lua(src).expect_err("too deep");
        assert!(err.message.contains("too many nested levels"), "{err}");
    }
    // Just under the limit is fine.
    let ok = format!("x = {}1{}", "(".repeat(MAX_LUA_DEPTH as usize / 2 - 2), ")".repeat(98));
    check_lua(&ok).expect("moderate nesting is valid");
}

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn any_text_gives_a_summary_or_an_error_never_a_panic() {
    for src in [ENEMY_AI, UI_SCRIPT] {
        for end in 0..src.len() {
            if src.is_char_boundary(end) {
                let _ = check_lua(&src[..end]);
            }
        }
    }
    let mut seed = 0xdead_beef_cafe_f00du64;
    let alphabet: &[u8] = b"()[]{}=<>~:;,.'\"\\-+*/%^#&|0x1e9 \n\tabz_[[]]==";
    for _ in 0..30_000 {
        let mut bytes = ENEMY_AI.as_bytes().to_vec();
        for _ in 0..1 + xorshift(&mut seed) % 4 {
            let i = (xorshift(&mut seed) % bytes.len() as u64) as usize;
            let c = alphabet[(xorshift(&mut seed) % alphabet.len() as u64) as usize];
            match xorshift(&mut seed) % 3 {
                0 => bytes[i] = c,
                1 => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, c),
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = check_lua(text);
        }
    }
    for _ in 0..3_000 {
        let len = (xorshift(&mut seed) % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = check_lua(&text);
    }
}

#[test]
fn the_importer_reports_syntax_errors_with_file_and_line_and_records_what_it_found() {
    use amsp_cook::{AssetMeta, ImportInput, Importer};
    use amsp_core::{AssetId, AssetPath};
    use amsp_formats::prefab::ScriptImporter;

    let meta = AssetMeta::with_id(AssetId::from_u128(3));
    let path = AssetPath::new("scripts/enemy.lua").unwrap();
    let input = ImportInput { path: &path, bytes: ENEMY_AI.as_bytes(), meta: &meta };
    let asset = ScriptImporter.import(&input).expect("valid script imports");
    assert_eq!(asset.asset_type, "lua");
    assert_eq!(asset.chunks, [ENEMY_AI.as_bytes()]);
    assert_eq!(asset.metadata["lines"], ENEMY_AI.lines().count());
    assert_eq!(asset.metadata["functions"], 3);
    assert_eq!(asset.metadata["requires"], serde_json::json!(["math.vec", "log"]));
    let broken = ENEMY_AI.replace("while n < 3 do", "while n < 3");
    let input = ImportInput { path: &path, bytes: broken.as_bytes(), meta: &meta };
    let err = ScriptImporter.import(&input).unwrap_err().to_string();
    assert!(
        err.contains("scripts/enemy.lua:40: Lua syntax error: 'do' expected near 'n'"),
        "{err}"
    );
}
