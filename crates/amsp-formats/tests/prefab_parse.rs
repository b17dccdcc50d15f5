//! Prefab text, schemas and the cooked binary form, without a cook.

use amsp_core::AssetPath;
use amsp_formats::prefab::{
    FieldSchema, FieldType, PrefabParseError, SchemaRegistry, Value, decode_prefab, encode_prefab,
    parse_prefab,
};

fn parse(text: &str) -> Result<amsp_formats::prefab::ParsedPrefab, PrefabParseError> {
    parse_prefab(text, &SchemaRegistry::with_defaults())
}

fn floats(v: &[f64]) -> Value {
    Value::Tuple { name: None, items: v.iter().map(|&f| Value::Float(f)).collect() }
}

#[test]
fn the_issue_example_parses_with_transform_defaults() {
    let text = r#"(name: "crate", entities: [(name: "root", components: {"Transform": (translation: (1.0, 0.0, 0.0))})])"#;
    let p = parse(text).expect("parses");
    assert_eq!(p.data.name, "crate");
    assert_eq!(p.data.entities.len(), 1);
    let t = &p.data.entities[0].components["Transform"];
    assert_eq!(t.field("translation"), Some(&floats(&[1.0, 0.0, 0.0])));
    assert_eq!(t.field("rotation"), Some(&floats(&[0.0, 0.0, 0.0, 1.0])));
    assert_eq!(t.field("scale"), Some(&floats(&[1.0, 1.0, 1.0])));
    // Without the schema the component is kept as written.
    let raw = parse_prefab(text, &SchemaRegistry::new()).expect("parses");
    let t = &raw.data.entities[0].components["Transform"];
    assert_eq!(t.field("rotation"), None);
}

#[test]
fn any_component_names_and_values() {
    let text = r##"
        #![enable(implicit_some)]
        Prefab(
            name: "level", // a comment
            entities: [
                Entity(name: "a", components: {
                    "Health": 100,
                    Speed: -2.5e1,
                    "Tags": ["x", "y"],
                    "Body": Rigid(mass: 3, kinematic: false),
                    "Mode": Static,
                    "Lookup": {"k": 'c', 1: r#"raw "quoted""#},
                    "Opt": Some((1, 0x10)),
                    "Unit": (),
                    /* nested /* block */ comment */
                    "Sprite": (texture: "asset:textures/a.png"),
                }, children: [(name: "child", prefab: "props/lid.prefab.ron")]),
            ],
        )"##;
    let p = parse(text).expect("parses");
    let a = &p.data.entities[0];
    assert_eq!(a.components["Health"], Value::Int(100));
    assert_eq!(a.components["Speed"], Value::Float(-25.0));
    assert_eq!(a.components["Mode"], Value::Ident("Static".into()));
    assert_eq!(a.components["Unit"], Value::Unit);
    assert!(matches!(&a.components["Body"], Value::Struct { name: Some(n), .. } if n == "Rigid"));
    let Value::Map(entries) = &a.components["Lookup"] else { panic!("map") };
    assert_eq!(entries[0].1, Value::String("c".into()));
    assert_eq!(entries[1], (Value::Int(1), Value::String(r#"raw "quoted""#.into())));
    let tex = AssetPath::new("textures/a.png").unwrap();
    assert_eq!(a.components["Sprite"].field("texture"), Some(&Value::Asset(tex.clone())));
    let lid = AssetPath::new("props/lid.prefab.ron").unwrap();
    assert_eq!(a.children[0].prefab.as_ref(), Some(&lid));
    assert_eq!(p.references, vec![(tex, 16), (lid, 17)]);
    assert_eq!(p.data.entity_count(), 2);
}

#[test]
fn syntax_and_schema_errors_name_the_line() {
    // (text, line, needle)
    let rows: &[(&str, u32, &str)] = &[
        ("(name: \"x\",\n entities: [\n (name: 1)])", 3, "expected '\"'"),
        ("(name: \"x\", entities: [], extra: 1)", 1, "unknown prefab field 'extra'"),
        ("(entities: [(nmae: \"a\")])", 1, "unknown entity field 'nmae'"),
        ("(entities: [(components: {\"A\": [1, 2}])])", 1, "expected ']'"),
        ("(entities: [])\n junk", 2, "unexpected text"),
        ("(entities: [(components: {\"A\": \"unterminated})])", 1, "unterminated string"),
        ("(entities: [(components: {\"A\": 99999999999999999999})])", 1, "bad integer"),
        ("(entities: [(components: {\"A\": 1, \"A\": 2})])", 1, "appears twice"),
        ("(entities: [(components: {\"A\": \"asset:../x.png\"})])", 1, "invalid asset path"),
        (
            "(entities: [\n(components: {\n\"Transform\": (translation: (1.0, 2.0))})])",
            3,
            "expected 3 numbers",
        ),
        ("(entities: [\n(components: {\n\n\"Transform\": (scale: \"big\")})])", 4, "field 'scale'"),
        ("(entities: [(components: {\"Transform\": (spin: 1)})])", 1, "unknown field 'spin'"),
        ("(entities: [(components: {\"Transform\": 5})])", 1, "expected a struct"),
        ("(entities: [(components: {\"Tag\": ()})])", 1, "missing field 'name'"),
    ];
    for (text, line, needle) in rows {
        let err = parse(text).expect_err(text);
        assert_eq!(err.line(), *line, "{text}: {err}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
    let err = parse("(entities: [(components: {\"Transform\": (scale: \"big\")})])").unwrap_err();
    assert!(
        matches!(err, PrefabParseError::Component { ref component, .. } if component == "Transform")
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "(entities: [(components: {{\"A\": {}1{}}})])",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(parse(&deep).unwrap_err().to_string().contains("nested deeper"));
    let mut children = String::from("(name: \"leaf\")");
    for _ in 0..200 {
        children = format!("(children: [{children}])");
    }
    assert!(
        parse(&format!("(entities: [{children}])"))
            .unwrap_err()
            .to_string()
            .contains("nested deeper")
    );
}

#[test]
fn registered_schemas_type_components() {
    let mut schemas = SchemaRegistry::with_defaults();
    schemas.register(
        "Light",
        FieldType::Struct(vec![
            FieldSchema::new("intensity", FieldType::Float, Some(Value::Float(1.0))),
            FieldSchema::new(
                "cookie",
                FieldType::Option(Box::new(FieldType::Asset)),
                Some(Value::Option(None)),
            ),
            FieldSchema::new("layers", FieldType::List(Box::new(FieldType::Int)), None),
        ]),
    );
    let ok = r#"(entities: [(components: {"Light": (intensity: 3, cookie: Some("asset:c.png"), layers: [1, 2])})])"#;
    let p = parse_prefab(ok, &schemas).expect("valid");
    let light = &p.data.entities[0].components["Light"];
    assert_eq!(light.field("intensity"), Some(&Value::Float(3.0)));
    let bad = r#"(entities: [(components: {"Light": (layers: [1, "two"])})])"#;
    let err = parse_prefab(bad, &schemas).unwrap_err().to_string();
    assert!(err.contains("field 'layers[1]': expected an integer, found string"), "{err}");
}

#[test]
fn binary_round_trip_and_bad_bytes() {
    let text = r#"(name: "n", entities: [(name: "a", components: {"Transform": (), "X": [1, -7, 2.5, "s", "asset:a/b.png", None, Some(true), {"k": E}]}, children: [(name: "c", prefab: "p.prefab.ron")])])"#;
    let p = parse(text).expect("parses");
    let bytes = encode_prefab(&p.data);
    assert_eq!(decode_prefab(&bytes).expect("decodes"), p.data);
    // Every truncation and every single-byte corruption is an error or a
    // valid prefab, never a panic.
    for len in 0..bytes.len() {
        assert!(decode_prefab(&bytes[..len]).is_err(), "truncated to {len}");
    }
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            let _ = decode_prefab(&b);
        }
    }
    let err = decode_prefab(b"AMPF\x02\xff\xff\xff\xff\x0f").unwrap_err();
    assert!(err.message.contains("exceeds"), "{err}");
    assert!(decode_prefab(b"garbage").unwrap_err().message.contains("magic"));
}
