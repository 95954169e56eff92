//! The documented registry example must load into the registry types, and the
//! schema must name every field the types accept.

use std::path::Path;

use minesafe_formats::registry::parse_registry;
use minesafe_model::LocationClass;

fn docs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

#[test]
fn documented_example_loads() {
    let text = std::fs::read_to_string(docs().join("registry.example.json")).unwrap();
    let reg = parse_registry(&text, false).unwrap();
    assert_eq!(reg.mines.len(), 2);
    let m = reg.mine("999902000001").unwrap();
    assert_eq!(m.point_class("99990200000101MN00010001"), Some(LocationClass::LongwallFace));
    assert!(!m.authorisations.is_empty());
    // The legacy G1 code finds the same mine.
    let legacy = m.legacy_code.clone().unwrap();
    assert_eq!(reg.mine(&legacy).map(|x| x.code.as_str()), Some("999902000001"));
}

#[test]
fn unknown_fields_are_rejected_with_a_clear_error() {
    let err = parse_registry(r#"{"mines":[{"code":"999902000001","gas_grad":"high"}]}"#, false).unwrap_err();
    assert!(err.to_string().contains("gas_grad"), "{err}");
    let err = parse_registry(r#"{"mines":[{"code":"12345"}]}"#, false).unwrap_err();
    assert!(err.to_string().contains("not a mine code"), "{err}");
}

#[test]
fn schema_names_every_mine_field() {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(docs().join("registry.schema.json")).unwrap()).unwrap();
    let text = schema.to_string();
    for field in [
        "legacy_code",
        "jurisdiction",
        "approved_capacity_tpa",
        "approved_headcount",
        "gas_grade",
        "hydro_class",
        "rock_burst",
        "status_history",
        "duty_contacts",
        "licences",
        "shifts",
        "faces",
        "points",
        "air_paths",
        "areas",
        "authorisations",
        "manual_events",
        "overtime_hours",
    ] {
        assert!(text.contains(&format!("\"{field}\"")), "schema lacks {field}");
    }
}

#[test]
fn toml_registry_loads_too() {
    let toml = r#"
[[mines]]
code = "999902000001"
name = "虚构矿"
gas_grade = "outburst"
[[mines.points]]
code = "P1"
class = "return_corner"
"#;
    let reg = parse_registry(toml, true).unwrap();
    assert_eq!(reg.mines[0].point_class("P1"), Some(LocationClass::ReturnCorner));
}
