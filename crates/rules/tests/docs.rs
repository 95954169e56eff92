//! `docs/rules.md` is generated from the tables; these tests keep it true.

use std::path::Path;

fn source_text() -> String {
    let mut all = String::new();
    // Pinning tests live beside the code they pin, in any crate of the workspace.
    for entry in walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")) {
        all.push_str(&std::fs::read_to_string(entry).unwrap());
    }
    all
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() && p.file_name().is_some_and(|n| n != "target") {
            v.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            v.push(p);
        }
    }
    v
}

#[test]
fn rules_md_is_generated_from_the_tables() {
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md")).unwrap();
    assert!(
        committed == minesafe_rules::rules_markdown(),
        "docs/rules.md is stale: run `cargo run -p minesafe -- rules --markdown > docs/rules.md`"
    );
}

#[test]
fn every_rule_names_a_test_that_exists() {
    let src = source_text();
    for r in &minesafe_rules::catalog().rule {
        let name = r.test.rsplit("::").next().unwrap();
        assert!(src.contains(&format!("fn {name}()")), "{}: pinning test {} not found", r.id, r.test);
    }
}
