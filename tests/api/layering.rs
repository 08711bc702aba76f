//! The house stays in order: no module of `src/` names a module of a
//! floor above its own (docs/architecture.md draws the floors). The
//! check reads every `crate::…` path in the code (comments left out), so
//! a `use` and an inline path count alike.

use std::path::{Path, PathBuf};

/// Each top-level module's floor, lowest first. A module may name its own
/// module and any module on a lower floor, nothing else.
const FLOORS: &[(&str, u8)] = &[
    ("domain", 0),
    ("config", 1),
    ("error", 1),
    ("import", 1),
    ("db", 2),
    ("cache", 3),
    ("limits", 3),
    ("metrics", 4),
    ("service", 5),
    ("backup", 5),
    ("demo", 5),
    ("state", 6),
    ("delivery", 6),
    ("http", 7),
    ("housekeeping", 8),
    ("routes", 8),
    ("app", 9),
    ("lib", 10),
];

fn floor(module: &str) -> Option<u8> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
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

/// Every `crate::NAME` named on a line that is not a comment.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // `colloquy_crate::` or `a_crate::` are not ours.
            !code[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, found)| {
            code[at + found.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// The upward references of the files under `src`: `file:line names X`.
fn upward_references(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "main" {
            continue; // the binary, above everything
        }
        let own = floor(&top).unwrap_or_else(|| {
            panic!("src/{top} has no floor in tests/api/layering.rs: give it one")
        });
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for named in named_modules(line) {
                let Some(theirs) = floor(&named) else {
                    continue;
                };
                if named != top && theirs >= own {
                    found.push(format!(
                        "src/{}:{} ({top}, floor {own}) names {named} (floor {theirs})",
                        relative.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_names_a_module_on_its_own_floor_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let upward = upward_references(&src);
    assert!(
        upward.is_empty(),
        "imports that run up the house:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("db")).unwrap();
    std::fs::write(
        dir.path().join("db/posts.rs"),
        "use crate::domain::post::PostChange;\n// crate::http in a comment is fine\nuse crate::service::Ctx;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("domain.rs"),
        "fn f() -> crate::error::ApiError { todo!() }\n",
    )
    .unwrap();
    let mut upward = upward_references(dir.path());
    upward.sort();
    assert_eq!(
        upward,
        [
            "src/db/posts.rs:3 (db, floor 2) names service (floor 5)",
            "src/domain.rs:1 (domain, floor 0) names error (floor 1)",
        ]
    );
}

/// Where the code outside `src/db/` names the schema (`db::schema`), before
/// its file's tests: `file:line`.
fn schema_outside_db(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        if relative.starts_with("db") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break; // a test may look at the rows themselves
            }
            let code = line.split("//").next().unwrap_or("");
            if code.contains("db::schema") {
                found.push(format!("src/{}:{}", relative.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn queries_stay_in_the_db_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let outside = schema_outside_db(&src);
    assert!(
        outside.is_empty(),
        "the schema is named outside src/db/ (give db/ a function instead):\n{}",
        outside.join("\n")
    );
    // The check sees one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("service")).unwrap();
    std::fs::write(
        dir.path().join("service/x.rs"),
        "use crate::db::schema::comments;\n#[cfg(test)]\nmod tests { use crate::db::schema::posts; }\n",
    )
    .unwrap();
    assert_eq!(schema_outside_db(dir.path()), ["src/service/x.rs:1"]);
}
