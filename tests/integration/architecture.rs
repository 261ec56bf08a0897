//! The architecture, checked: dependencies between the folders of `src/` point one way, and no
//! two files of a folder import each other in a circle. Reads the `crate::` paths of every file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its rank, read from the table in `src/lib.rs` (the one statement of
/// the layers): a module may use its own rank's peers (without a circle) and every rank below,
/// never one above. `test_support` holds test-only fixtures and is left out.
fn layers() -> Vec<(String, u8)> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut layers = Vec::new();
    for row in lib.lines().filter_map(|l| l.strip_prefix("//! | ")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let Some(rank) = cells.first().and_then(|c| c.trim().parse::<u8>().ok()) else {
            continue;
        };
        for module in cells[2].split('`').skip(1).step_by(2) {
            layers.push((module.trim_end_matches(".rs").to_string(), rank));
        }
    }
    assert!(layers.len() > 10, "src/lib.rs lost its table of layers: {layers:?}");
    layers
}

fn layer(module: &str) -> u8 {
    if module == "test_support" {
        return 0;
    }
    layers()
        .into_iter()
        .find(|(m, _)| m == module)
        .map(|(_, l)| l)
        .unwrap_or_else(|| panic!("src/{module} is not in the table of layers in src/lib.rs: give it a rank"))
}

/// The layers in one line, highest first, peers joined by `/`: what the README and lib.rs show.
fn arrow() -> String {
    let mut groups: Vec<(u8, Vec<String>)> = Vec::new();
    for (module, rank) in layers() {
        match groups.iter_mut().find(|(r, _)| *r == rank) {
            Some((_, modules)) => modules.push(module),
            None => groups.push((rank, vec![module])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    let names: Vec<String> = groups.into_iter().map(|(_, m)| m.join("/")).collect();
    names.join(" → ")
}

#[test]
fn the_readme_and_lib_rs_state_the_layers_the_test_enforces() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let arrow = arrow();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&arrow), "README.md must show the layers as `{arrow}`");
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(str::trim)
        .collect();
    assert!(
        doc.join(" ").contains(&arrow),
        "src/lib.rs must say the layers in one line as `{arrow}`"
    );
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    for module in &declared {
        layer(module);
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file, e.g. `["crawl", "pager"]` for src/crawl/pager/mod.rs.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b...` path in the code (comments skipped), as its segments.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let segments: Vec<String> = rest
                .split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            if !segments.is_empty() {
                paths.push(segments);
            }
        }
    }
    paths
}

/// `super::name` uses of a sibling file (`use super::name::...` or `super::name::item`).
fn super_paths(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("super::") {
            rest = &rest[at + "super::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if rest[name.len()..].starts_with("::") && name.chars().next().is_some_and(|c| c.is_lowercase()) {
                names.push(name);
            }
        }
    }
    names
}

fn has_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

struct Source {
    module: Vec<String>,
    is_folder_root: bool,
    text: String,
}

fn read_sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .iter()
        .map(|f| Source {
            module: module_of(&src, f),
            is_folder_root: f.file_name().is_some_and(|n| n == "mod.rs"),
            text: std::fs::read_to_string(f).unwrap(),
        })
        .collect()
}

#[test]
fn no_folder_imports_a_higher_layer_and_peers_form_no_circle() {
    let mut violations = Vec::new();
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in read_sources() {
        let from = &source.module[0];
        if from == "test_support" {
            continue;
        }
        for path in crate_paths(&source.text) {
            let to = &path[0];
            if to == from || to == "test_support" {
                continue;
            }
            if layer(to) > layer(from) {
                violations.push(format!(
                    "src/{} uses crate::{}",
                    source.module.join("/"),
                    path.join("::")
                ));
            }
            if layer(to) == layer(from) {
                folders.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    assert!(
        violations.is_empty(),
        "lower layers must not import higher ones:\n{}",
        violations.join("\n")
    );
    assert_eq!(has_cycle(&folders), None, "peer folders import each other in a circle");
}

#[test]
fn no_two_files_of_a_folder_import_each_other_in_a_circle() {
    let sources = read_sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in &sources {
        // A folder's mod.rs declares its files and re-exports their items: it is their parent,
        // not a peer, so only the files' own imports count.
        if source.is_folder_root || source.module.len() < 2 {
            continue;
        }
        let me = source.module.join("::");
        let parent = &source.module[..source.module.len() - 1];
        let mut targets: Vec<Vec<String>> = crate_paths(&source.text)
            .into_iter()
            .filter_map(|path| {
                (1..=path.len())
                    .rev()
                    .map(|n| path[..n].to_vec())
                    .find(|p| modules.contains(p))
            })
            .collect();
        targets.extend(super_paths(&source.text).into_iter().map(|name| {
            let mut p = parent.to_vec();
            p.push(name);
            p
        }));
        for target in targets
            .into_iter()
            .filter(|t| modules.contains(t) && t.len() == source.module.len())
        {
            if target[..target.len() - 1] == *parent && target != source.module {
                graph.entry(me.clone()).or_default().insert(target.join("::"));
            }
        }
    }
    assert_eq!(
        has_cycle(&graph),
        None,
        "files of one folder import each other in a circle"
    );
}

#[test]
fn the_checker_sees_paths_the_way_the_code_writes_them() {
    let text = "use crate::snapshot::{Failure, store::ReportStore};\n// use crate::commands::run;\nlet x = crate::mode::MODE_PAGE_SIZE;\nuse super::rate::Rate;";
    let paths = crate_paths(text);
    assert_eq!(paths[0], ["snapshot"]);
    assert_eq!(paths[1], ["mode", "MODE_PAGE_SIZE"]);
    assert_eq!(paths.len(), 2);
    assert_eq!(super_paths(text), ["rate"]);
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(has_cycle(&g).is_some());
}

#[test]
fn src_keeps_at_most_eight_loose_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let loose: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "rs"))
        .collect();
    assert!(loose.len() <= 8, "{} files loose in src/: {loose:?}", loose.len());
}
