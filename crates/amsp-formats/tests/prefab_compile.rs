//! Prefab text read straight into the cooked form: what `compile_prefab`
//! records, counts of any size, field order, and that any bytes give a
//! prefab or an error.

use amsp_core::AssetPath;
use amsp_formats::prefab::{
    PrefabParseError, SchemaRegistry, Value, compile_prefab, decode_prefab, parse_prefab,
};

fn compile(text: &str) -> amsp_formats::prefab::CompiledPrefab {
    compile_prefab(text, &SchemaRegistry::with_defaults()).expect(text)
}

#[test]
fn compiled_prefab_records_names_counts_and_references() {
    let text = r#"(entities: [
        (components: {"Sprite": (texture: "asset:t/a.png"), "Health": 3}, children: [
            (components: {"Sprite": (texture: "asset:t//b.png"), "Ai": "asset:s/ai.lua"}),
            (prefab: "asset:p/door.prefab.ron", components: {"Sprite": (texture: "asset:t/a.png")}),
        ]),
    ], name: "level")"#;
    let c = compile(text);
    assert_eq!(c.name, "level");
    assert_eq!(c.entity_count, 3);
    assert_eq!(c.components, ["Ai", "Health", "Sprite"]);
    let paths: Vec<&str> = c.paths.iter().map(AssetPath::as_str).collect();
    // Paths are normalised, each listed once, in order of first appearance.
    assert_eq!(paths, ["t/a.png", "t/b.png", "s/ai.lua", "p/door.prefab.ron"]);
    assert_eq!(c.references, [(0, 2), (1, 3), (2, 3), (3, 4), (0, 4)]);
    let firsts: Vec<(&str, u32)> = c.first_references().map(|(p, l)| (p.as_str(), l)).collect();
    assert_eq!(firsts, [("t/a.png", 2), ("t/b.png", 3), ("s/ai.lua", 3), ("p/door.prefab.ron", 4)]);
    // The cooked bytes read back to the same prefab as parse_prefab gives.
    let data = decode_prefab(&c.bytes).expect("decodes");
    assert_eq!(data, parse_prefab(text, &SchemaRegistry::with_defaults()).unwrap().data);
    let child = &data.entities[0].children[1];
    assert_eq!(child.prefab.as_ref().map(AssetPath::as_str), Some("p/door.prefab.ron"));
    let b = &data.entities[0].children[0].components["Sprite"];
    assert_eq!(b.field("texture"), Some(&Value::Asset(AssetPath::new("t/b.png").unwrap())));
}

#[test]
fn entity_fields_in_any_order_and_each_once() {
    let a = compile(
        r#"(name: "p", entities: [(name: "e", prefab: "x.prefab.ron", components: {"A": 1}, children: [(name: "c")])])"#,
    );
    let b = compile(
        r#"(entities: [(children: [(name: "c")], components: {"A": 1}, prefab: "x.prefab.ron", name: "e")], name: "p")"#,
    );
    assert_eq!(decode_prefab(&a.bytes).unwrap(), decode_prefab(&b.bytes).unwrap());
    let rows: &[(&str, &str)] = &[
        (r#"(entities: [(name: "a", name: "b")])"#, "entity field 'name' appears twice"),
        (r#"(entities: [(components: {}, components: {})])"#, "'components' appears twice"),
        (r#"(name: "a", name: "b")"#, "prefab field 'name' appears twice"),
        (r#"(entities: [], entities: [])"#, "prefab field 'entities' appears twice"),
    ];
    for (text, needle) in rows {
        let err = compile_prefab(text, &SchemaRegistry::new()).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
}

#[test]
fn counts_of_128_and_more_and_escaped_strings_round_trip() {
    let items: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let entities: Vec<String> = (0..130).map(|i| format!("(name: \"e{i}\")")).collect();
    let text = format!(
        "(entities: [(components: {{\"L\": [{}], \"S\": \"a\\u{{62}}\", \"T\": \"ab\"}}, children: [{}])])",
        items.join(", "),
        entities.join(",")
    );
    let c = compile(&text);
    let data = decode_prefab(&c.bytes).expect("decodes");
    let e = &data.entities[0];
    let Value::List(list) = &e.components["L"] else { panic!("list") };
    assert_eq!(list.len(), 300);
    assert_eq!(list[299], Value::Int(299));
    assert_eq!(e.children.len(), 130);
    assert_eq!(e.children[129].name, "e129");
    // "a\u{62}" and "ab" are one string.
    assert_eq!(e.components["S"], Value::String("ab".into()));
    assert_eq!(e.components["T"], e.components["S"]);
    assert_eq!(c.entity_count, 131);
}

#[test]
fn schema_check_of_a_value_orders_fields_and_fills_defaults() {
    let schemas = SchemaRegistry::with_defaults();
    let v = Value::Struct {
        name: None,
        fields: vec![
            ("scale".into(), Value::Tuple { name: None, items: vec![Value::Int(2); 3] }),
            ("translation".into(), Value::List(vec![Value::Float(1.5); 3])),
        ],
    };
    let checked = schemas.check("Transform", v).expect("valid");
    let Value::Struct { fields, .. } = &checked else { panic!("struct") };
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["translation", "rotation", "scale"]);
    let floats = |v: &[f64]| Value::Tuple {
        name: None,
        items: v.iter().map(|&f| Value::Float(f)).collect(),
    };
    assert_eq!(fields[0].1, floats(&[1.5; 3]));
    assert_eq!(fields[1].1, floats(&[0.0, 0.0, 0.0, 1.0]));
    assert_eq!(fields[2].1, floats(&[2.0; 3]));
    let err = schemas.check("Transform", Value::Int(1)).unwrap_err();
    assert_eq!(err, "expected a struct, found integer");
    // Components without a schema come back unchanged.
    assert_eq!(schemas.check("Other", Value::Int(1)), Ok(Value::Int(1)));
}

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn any_text_gives_a_prefab_or_an_error_never_a_panic() {
    let good = r##"#![enable(implicit_some)]
Prefab(name: "level", entities: [
    Entity(name: "a", components: {
        "Transform": (translation: (1, 2.5, -3e2), scale: [1, 1, 1]),
        "Tag": (name: "x"),
        "Body": Rigid(mass: 3, shape: Box((1, 2, 3)), kinematic: false),
        "Lookup": {"k": 'c', 1: r#"raw "q""#, '\u{263a}': None},
        "Opt": Some((1, 0x10, 0b11, 0o7, -inf, NaN)),
        /* comment /* nested */ */ "Sprite": (texture: "asset:t/a.png"),
    }, children: [(name: "c", prefab: Some("p/x.prefab.ron"))]),
])"##;
    let schemas = SchemaRegistry::with_defaults();
    let base = compile_prefab(good, &schemas).expect("the base text compiles");
    assert!(decode_prefab(&base.bytes).is_ok());
    let check = |text: &str| {
        if let Ok(c) = compile_prefab(text, &schemas) {
            decode_prefab(&c.bytes).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
    };
    for end in 0..good.len() {
        if good.is_char_boundary(end) {
            check(&good[..end]);
        }
    }
    let mut seed = 0x1234_5678_9abc_def0u64;
    let alphabet = b"()[]{}:,\"'#r/*\\ \n-+.e_0123456789xabSomeNone";
    for _ in 0..20_000 {
        let mut bytes = good.as_bytes().to_vec();
        for _ in 0..1 + xorshift(&mut seed) % 4 {
            let i = (xorshift(&mut seed) % bytes.len() as u64) as usize;
            match xorshift(&mut seed) % 3 {
                0 => bytes[i] = alphabet[(xorshift(&mut seed) % alphabet.len() as u64) as usize],
                1 => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, alphabet[i % alphabet.len()]),
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check(text);
        }
    }
    for _ in 0..2_000 {
        let len = (xorshift(&mut seed) % 64) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8 & 0x7f).collect();
        check(std::str::from_utf8(&bytes).unwrap());
    }
}

#[test]
fn deep_values_inside_schema_components_are_errors() {
    let deep = format!(
        "(entities: [(components: {{\"Transform\": (translation: {}1{})}})])",
        "Some(".repeat(10_000),
        ")".repeat(10_000)
    );
    let err = compile_prefab(&deep, &SchemaRegistry::with_defaults()).unwrap_err();
    assert!(matches!(err, PrefabParseError::Syntax { .. }), "{err}");
    assert!(err.to_string().contains("nested deeper"), "{err}");
}
