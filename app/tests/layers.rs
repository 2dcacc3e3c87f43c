//! The layers of ARCHITECTURE.md, checked: each top-level module of the `app`
//! crate names (`crate::…`) only the modules its layer may import, so the
//! domain stays free of storage and HTTP and no import cycle comes back.

use std::collections::BTreeSet;
use std::path::Path;

/// Each module and what it may name, as ARCHITECTURE.md's table says.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("clock", &[]),
    ("mail", &[]),
    ("error", &["domain"]),
    ("i18n", &["domain", "error"]),
    ("model", &["domain", "i18n"]),
    ("store", &["domain", "i18n", "model"]),
    ("sms", &["domain", "store"]),
    ("push", &["domain", "store"]),
    ("live", &["clock", "domain", "model", "store"]),
    ("notify", &["clock", "domain", "mail", "push", "sms", "store"]),
    ("webhook", &["clock", "domain", "push", "store"]),
    ("api", &["clock", "domain", "error", "i18n", "live", "model", "notify", "push", "sms", "store"]),
    ("pages", &["api", "domain", "error", "i18n", "model"]),
];

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The crate modules a file names, comments left out.
fn named_modules(source: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            named.insert(name);
        }
    }
    named
}

#[test]
fn every_module_imports_only_what_its_layer_may() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|(name, _)| *name == module)
            .unwrap_or_else(|| panic!("{module} is not in ARCHITECTURE.md's layers (and this test's table)"))
            .1;
        for named in named_modules(&std::fs::read_to_string(file).unwrap()) {
            if named != module && !allowed.contains(&named.as_str()) {
                wrong.push(format!("{} names crate::{named}", relative.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports across the layers:\n{}", wrong.join("\n"));
}

#[test]
fn a_store_import_in_the_domain_would_be_caught() {
    assert!(named_modules("use crate::store::Db; // crate::api").contains("store"));
    assert!(!named_modules("// use crate::store::Db;").contains("store"));
}
