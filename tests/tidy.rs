//! Structure rules the compiler does not enforce, checked on every test run (see
//! ARCHITECTURE.md): the widget's modules only import downwards, the server's modules
//! import each other without circles, no source file grows past about 600 lines, and the
//! protocol and shared client crates, and the agent app's core, stay free of IO.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The widget's top-level modules, lowest layer first. A module may import modules of the
/// layers below its own, never its own layer or one above.
const WIDGET_LAYERS: &[&[&str]] = &[
    // Pure building blocks: text formatting, form answers, the language tables, the
    // loader's port messages, rich-message parsing, the agent picker's lists.
    &["format", "forms", "i18n", "port", "rich", "roster"],
    // The host page's options, and the chat state with its reducer.
    &["config", "store"],
    // What the state is kept as across reloads, the rating's JSON, the sans-IO session.
    &["persist", "rating", "session"],
    // The chat handle (commands and SDK calls), and the tabs of one visitor.
    &["chat", "tabs"],
    // The views, and the connection task (the only code that opens a socket): neither may
    // import the other.
    &["components", "connection"],
    // Start-up and the loader bridge; the crate root.
    &["host", "lib"],
];

/// Files allowed over the line limit, and why (none today).
const LONG_FILES: &[(&str, &str)] = &[];

/// The line limit for one source file.
const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src` belongs to (`src/store/outbox.rs` → `store`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file of the tree");
    let first = relative.components().next().expect("a path").as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_owned).unwrap_or(first)
}

/// The code of a file without comments and without its unit-test module: what the
/// module needs to build.
fn product_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(end) => &text[..end],
        None => text,
    };
    text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every top-level module of `src` that `code` names through `crate::`.
fn crate_imports(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').map(|name| name.trim().split("::").next().unwrap_or("").trim()).collect()
        } else {
            vec![rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("")]
        };
        found.extend(names.into_iter().filter(|name| modules.contains(*name)).map(str::to_owned));
    }
    found
}

/// For each top-level module of a source tree, the other top-level modules it imports.
/// Test files (`tests.rs`, `tests/`) are left out: tests may reach anywhere.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(src, file)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        if relative.components().any(|part| part.as_os_str() == "tests" || part.as_os_str() == "tests.rs") {
            continue;
        }
        let module = module_of(src, file);
        let text = fs::read_to_string(file).unwrap();
        let imports = crate_imports(&product_code(&text), &modules);
        graph.entry(module.clone()).or_default().extend(imports.into_iter().filter(|import| *import != module));
    }
    graph
}

#[test]
fn widget_modules_import_only_lower_layers() {
    let graph = import_graph(&root().join("src"));
    // The reading itself works: the views do use the chat handle.
    assert!(graph.get("components").is_some_and(|imports| imports.contains("chat")), "{graph:?}");
    let layer = |module: &str| WIDGET_LAYERS.iter().position(|layer| layer.contains(&module));
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        if module == "main" {
            continue;
        }
        let Some(own) = layer(module) else {
            wrong.push(format!("{module} is in no layer: add it to WIDGET_LAYERS and to ARCHITECTURE.md"));
            continue;
        };
        for import in imports {
            match layer(import) {
                Some(theirs) if theirs < own => {}
                Some(_) => wrong.push(format!("{module} (layer {own}) imports {import}, which is not below it")),
                None => wrong.push(format!("{import} is in no layer")),
            }
        }
    }
    assert!(wrong.is_empty(), "the widget's layering is broken:\n{}", wrong.join("\n"));
}

/// Each circle of a graph, as the modules along it.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|seen| seen == node) {
            found.push(path[at..].to_vec());
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, found);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn server_modules_import_each_other_without_circles() {
    let mut graph = import_graph(&root().join("crates/server/src"));
    // The crate root declares every module and holds the shared `App`; it is everyone's
    // parent, not a peer.
    graph.remove("lib");
    graph.remove("main");
    for imports in graph.values_mut() {
        imports.remove("lib");
    }
    let found = circles(&graph);
    let shown: Vec<String> = found.iter().map(|circle| format!("{} → {}", circle.join(" → "), circle[0])).collect();
    assert!(found.is_empty(), "server modules import each other in circles:\n{}", shown.join("\n"));
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    for entry in fs::read_dir(root.join("crates")).unwrap().flatten() {
        rust_files(&entry.path().join("src"), &mut files);
        rust_files(&entry.path().join("tests"), &mut files);
    }
    let mut long = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let lines = fs::read_to_string(&file).unwrap().lines().count();
        if lines > MAX_LINES && !LONG_FILES.iter().any(|(allowed, _)| *allowed == relative) {
            long.push(format!("{relative}: {lines} lines"));
        }
    }
    long.sort();
    assert!(long.is_empty(), "files over {MAX_LINES} lines (split them by concern):\n{}", long.join("\n"));
}

#[test]
fn the_protocol_and_shared_client_crates_do_no_io() {
    for (krate, allowed) in [("protocol", &["serde", "serde_json"][..]), ("client", &["protocol"][..])] {
        let manifest = fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml")).unwrap();
        let dependencies: Vec<&str> = manifest
            .split("[dependencies]")
            .nth(1)
            .unwrap_or("")
            .lines()
            .take_while(|line| !line.starts_with('['))
            .filter_map(|line| line.split('=').next().map(str::trim).filter(|name| !name.is_empty() && !name.starts_with('#')))
            .collect();
        for dependency in &dependencies {
            assert!(allowed.contains(dependency), "the {krate} crate must not depend on {dependency}");
        }
        let mut files = Vec::new();
        rust_files(&root().join("crates").join(krate).join("src"), &mut files);
        for file in files {
            if file.file_name().is_some_and(|name| name == "tests.rs") {
                continue;
            }
            let code = product_code(&fs::read_to_string(&file).unwrap());
            for banned in ["std::fs", "std::net", "std::io", "std::thread", "std::process", "std::env", "SystemTime", "Instant::now"] {
                assert!(!code.contains(banned), "{} uses {banned}: the {krate} crate has no IO and reads no clock", file.display());
            }
        }
    }
}

#[test]
fn the_agent_apps_core_does_no_io() {
    let core = root().join("crates/console/src");
    let mut files = vec![core.join("session.rs"), core.join("lib.rs"), core.join("card.rs"), core.join("report.rs"), core.join("intent.rs")];
    rust_files(&core.join("desk"), &mut files);
    for file in files {
        let code = product_code(&fs::read_to_string(&file).unwrap());
        for banned in ["leptos", "web_sys", "js_sys", "wasm_bindgen", "gloo", "std::fs", "std::net", "std::thread", "SystemTime", "Instant::now"] {
            assert!(!code.contains(banned), "{} uses {banned}: the agent app's desk and session have no IO, DOM or clock", file.display());
        }
    }
}
