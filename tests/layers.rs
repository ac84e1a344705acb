//! The layering of `src/`, read from its `use crate::…` paths: arrows point
//! down only (http → app → domain/storage/search/mail; domain → nothing).
//! Unit-test modules are left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules and what each may not import.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "app", "storage", "http", "mail", "search", "server", "cli", "jobs", "demo", "config",
            "content", "export",
        ],
    ),
    (
        "storage",
        &["app", "http", "search", "mail", "server", "cli"],
    ),
    (
        "search",
        &["app", "http", "storage", "mail", "server", "cli"],
    ),
    ("mail", &["app", "http", "search", "server", "cli"]),
    ("app", &["http", "server", "cli"]),
    ("http", &["storage", "cli"]),
];

/// Outside crates that only some layers may use.
const FOREIGN: &[(&str, &[&str])] = &[
    ("poem", &["http", "server"]),
    ("poem_openapi", &["http", "server"]),
    ("surrealdb", &["storage"]),
    ("tantivy", &["search"]),
    ("lettre", &["mail"]),
];

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `text` names the crate `name`: in a `use` (`use name::…`,
/// `use name;`, `use name as …`, `use ::name::…`) or as the first segment of
/// any path, such as `name::Object` inside a derive attribute or
/// `#[name::attr]`. A path inside another (`other::name::…`) or a longer
/// name (`poem_openapi` when looking for `poem`) does not count.
fn uses_crate(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let head = &text[..i];
        let after = &text[i + name.len()..];
        let leading = head.strip_suffix("::").unwrap_or(head);
        let starts_path = leading
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident_char(c) && c != ':');
        if !starts_path || after.starts_with(is_ident_char) {
            return false;
        }
        let keyword = leading.trim_end();
        let whole_crate = after.starts_with(';') || after.starts_with(" as ");
        after.starts_with("::")
            || whole_crate && (keyword.ends_with("use") || keyword.ends_with("extern crate"))
    })
}

#[test]
fn crate_use_is_found_in_imports_paths_and_attributes() {
    let found = |text: &str| uses_crate(text, "poem_openapi");
    assert!(found("use poem_openapi::Object;"));
    assert!(found("use poem_openapi::{Enum, Object};"));
    assert!(found("use poem_openapi;"));
    assert!(found("use poem_openapi as oa;"));
    assert!(found("use ::poem_openapi::Object;"));
    assert!(found("#[derive(Debug, poem_openapi::Object)]"));
    assert!(found("#[derive(poem_openapi::Enum)]"));
    assert!(found("#[derive(Debug,\n    poem_openapi::Object,\n)]"));
    assert!(found("fn f() -> poem_openapi::payload::Json<u8>"));
    assert!(found("let x = <poem_openapi::types::Any<u8>>::default();"));
    assert!(!found("use crate::http::poem_openapi_views;"));
    assert!(!found("use other::poem_openapi::Object;"));
    assert!(!found("// poem_openapi derives live in http"));
    assert!(!found("//! views use poem_openapi to describe the API"));
    assert!(uses_crate("use poem::web::Data;", "poem"));
    assert!(uses_crate("x: poem::Result<()>", "poem"));
    assert!(!uses_crate("use poem_openapi::Object;", "poem"));
    assert!(found("extern crate poem_openapi;"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's text without its unit-test module.
fn production_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn crate_paths(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .map(|(i, _)| {
            text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

struct Layers {
    /// module → (imported module → a file that imports it)
    edges: BTreeMap<String, BTreeMap<String, String>>,
    foreign: Vec<String>,
}

fn read_layers() -> Layers {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut layers = Layers {
        edges: BTreeMap::new(),
        foreign: Vec::new(),
    };
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        let text = production_text(&file);
        for imported in crate_paths(&text) {
            if imported != module {
                layers
                    .edges
                    .entry(module.clone())
                    .or_default()
                    .entry(imported)
                    .or_insert_with(|| rel.clone());
            }
        }
        for (name, allowed) in FOREIGN {
            if uses_crate(&text, name) && !allowed.contains(&module.as_str()) {
                layers.foreign.push(format!("{rel} uses {name}"));
            }
        }
    }
    layers
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let layers = read_layers();
    let mut broken = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        for (imported, file) in layers.edges.get(*module).into_iter().flatten() {
            if forbidden.contains(&imported.as_str()) {
                broken.push(format!("{file}: {module} imports crate::{imported}"));
            }
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

#[test]
fn outside_crates_stay_in_their_layer() {
    assert_eq!(read_layers().foreign, Vec::<String>::new());
}

#[test]
fn top_level_modules_have_no_cycle() {
    let layers = read_layers();
    let mut cycles = Vec::new();
    for start in layers.edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in layers.edges.get(&at).into_iter().flat_map(|m| m.keys()) {
                if next == start {
                    cycles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if !path.contains(next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert_eq!(cycles, Vec::<String>::new());
}
