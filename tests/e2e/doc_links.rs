//! Every Markdown file a source file (Rust, SQL, shell) or a Markdown file (the READMEs,
//! docs/) names exists in the repository: a comment that points at notes nobody can
//! open explains nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Directories that are not the project's own text.
const SKIPPED: &[&str] = &["target", ".git", "node_modules"];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !SKIPPED.contains(&name.as_ref()) {
                walk(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// The `*.md` names in a text: runs of path characters ending in `.md`. Web
/// addresses are left out (their run starts with `//`).
fn md_names(text: &str) -> Vec<String> {
    let is_path = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let mut names = Vec::new();
    for (at, _) in text.match_indices(".md") {
        let end = at + 3;
        if text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_path(c))
            .last()
            .map_or(at, |(i, _)| i);
        let name = text[start..end].trim_start_matches("./");
        if name.len() > 3 && !name.starts_with('/') {
            names.push(name.to_owned());
        }
    }
    names
}

/// The crate a file belongs to: its nearest directory with a `Cargo.toml`.
fn crate_dir<'a>(file: &'a Path, root: &'a Path) -> &'a Path {
    file.ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(root))
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(root)
}

/// A name with a directory resolves from the repository root, the citing file's
/// crate or its directory; a bare name matches any Markdown file of that name.
fn exists(name: &str, file: &Path, root: &Path, basenames: &HashSet<String>) -> bool {
    if !name.contains('/') {
        return basenames.contains(name);
    }
    let dir = file.parent().unwrap_or(root);
    [root, crate_dir(file, root), dir]
        .iter()
        .any(|base| base.join(name).is_file())
}

#[test]
fn every_markdown_file_named_in_code_or_the_readme_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(root, &mut files);
    let basenames: HashSet<String> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
        .filter_map(|f| Some(f.file_name()?.to_string_lossy().into_owned()))
        .collect();
    let cited = files.iter().filter(|f| {
        f.extension()
            .is_some_and(|e| ["rs", "sql", "sh", "md"].iter().any(|c| e == *c))
    });
    let mut missing = Vec::new();
    for file in cited {
        let text = std::fs::read_to_string(file).unwrap();
        for (line_no, line) in text.lines().enumerate() {
            for name in md_names(line) {
                if !exists(&name, file, root, &basenames) {
                    let shown = file.strip_prefix(root).unwrap_or(file).display();
                    missing.push(format!("{shown}:{}: {name}", line_no + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these Markdown files are named but not in the repository:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_finds_names_and_leaves_web_addresses_alone() {
    // Names of missing files are built at run time, so that this file names none.
    let md = |stem: &str| format!("{stem}.{}", "md");
    let missing = format!("see {}, §2", md("nowhere"));
    assert_eq!(md_names(&missing), [md("nowhere")]);
    assert_eq!(
        md_names("(docs/domain.md, \"Severity\") and ./README.md."),
        ["docs/domain.md", "README.md"]
    );
    assert!(md_names(&format!("https://example.org/{} and x.mdx", md("a/b"))).is_empty());

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let none = HashSet::new();
    let vsic = root.join("shared/src/refdata/vsic.rs");
    assert!(exists(&md("refdata/SOURCES"), &vsic, root, &none));
    assert!(exists("docs/domain.md", &vsic, root, &none));
    assert!(!exists(&md("docs/nowhere"), &vsic, root, &none));
}
