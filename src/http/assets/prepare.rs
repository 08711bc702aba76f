//! What a file of `static/` becomes before it is served: the widget's
//! script and every style sheet minified, the widget's word files compact,
//! and the assets' version written where a page or script names its
//! sibling files, so those can be cached for good (`?v=VERSION`).
//!
//! The sources in `static/` stay readable; a file that cannot be minified
//! is served as written (and said once in the log), never refused.

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;

/// Where a source names the assets' version; the server writes the
/// version in its place.
pub const VERSION_MARK: &str = "__COLLOQUY_ASSETS__";

/// The served form of `path`, given its source and the assets' version.
pub fn prepare(path: &str, source: &[u8], version: &str) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(source) else {
        return source.to_vec();
    };
    let prepared = if path == "embed.js" {
        minify_js(path, &text.replace(VERSION_MARK, version))
    } else if path.ends_with(".css") {
        minify_css(path, text)
    } else if path.starts_with("embed/") && path.ends_with(".json") {
        compact_json(path, text)
    } else if path.starts_with("admin/") && path.ends_with(".js") {
        version_imports(text, version)
    } else if path.ends_with(".html") {
        text.replace(VERSION_MARK, version)
    } else {
        return source.to_vec();
    };
    prepared.into_bytes()
}

/// The widget's script, minified (names shortened, whitespace and
/// comments gone) by oxc; as written if it does not parse.
pub fn minify_js(path: &str, source: &str) -> String {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::cjs()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        tracing::warn!(
            file = path,
            "static/{path} does not parse as a script; served unminified"
        );
        return source.to_owned();
    }
    let mut program = parsed.program;
    let minified = Minifier::new(MinifierOptions::default()).minify(&allocator, &mut program);
    let mut code = Codegen::new()
        .with_options(CodegenOptions::minify())
        .with_scoping(minified.scoping)
        .build(&program)
        .code;
    code.push('\n');
    code
}

/// A style sheet without comments and needless whitespace; as written if
/// the minifier refuses it.
pub fn minify_css(path: &str, source: &str) -> String {
    match minifier::css::minify(source) {
        Ok(min) => min.to_string(),
        Err(why) => {
            tracing::warn!(file = path, why, "static/{path} served unminified");
            source.to_owned()
        }
    }
}

/// A JSON file written without indentation.
fn compact_json(path: &str, source: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(source) {
        Ok(value) => value.to_string(),
        Err(why) => {
            tracing::warn!(file = path, %why, "static/{path} is not JSON; served as written");
            source.to_owned()
        }
    }
}

/// The moderators' page's modules import each other with the version
/// (`from './api.js?v=…'`), so that every module of one version is cached
/// for good and an upgrade never mixes old and new modules.
fn version_imports(source: &str, version: &str) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let names_module = (trimmed.starts_with("import ")
            || trimmed.starts_with("} from ")
            || trimmed.starts_with("export "))
            && trimmed.contains(" from './");
        match line.rfind(".js'") {
            Some(at) if names_module => {
                out.push_str(&line[..at + 3]);
                out.push_str("?v=");
                out.push_str(version);
                out.push_str(&line[at + 3..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_widget_script_minifies_and_keeps_its_version() {
        let source = std::fs::read("static/embed.js").unwrap();
        let served = String::from_utf8(prepare("embed.js", &source, "abc123")).unwrap();
        assert!(
            served.len() < source.len() * 3 / 4,
            "minified to {} of {} bytes",
            served.len(),
            source.len()
        );
        assert!(served.contains("abc123"), "the version is written in");
        assert!(!served.contains(VERSION_MARK));
        assert!(!served.contains("// ----"), "comments are gone");
    }

    #[test]
    fn a_script_that_does_not_parse_is_served_as_written() {
        assert_eq!(minify_js("x.js", "let = = ;"), "let = = ;");
    }

    #[test]
    fn style_sheets_lose_comments_and_whitespace() {
        let served = minify_css("a.css", "/* note */\n.a {\n  color: red;\n}\n");
        assert!(!served.contains("note"), "{served}");
        assert!(served.contains(".a{color:red"), "{served}");
    }

    #[test]
    fn word_files_are_compact_and_unchanged_in_meaning() {
        let source = std::fs::read_to_string("static/embed/fr.json").unwrap();
        let served = String::from_utf8(prepare("embed/fr.json", source.as_bytes(), "v")).unwrap();
        assert!(served.len() < source.len());
        let a: serde_json::Value = serde_json::from_str(&source).unwrap();
        let b: serde_json::Value = serde_json::from_str(&served).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn module_imports_carry_the_version_and_nothing_else_changes() {
        let source = "import { api } from './api.js';\nimport {\n  a,\n} from './util.js';\nconst s = 'x.js';\n";
        assert_eq!(
            version_imports(source, "V1"),
            "import { api } from './api.js?v=V1';\nimport {\n  a,\n} from './util.js?v=V1';\nconst s = 'x.js';\n"
        );
    }

    #[test]
    fn html_pages_get_the_version_where_they_ask_for_it() {
        let served = prepare(
            "admin/index.html",
            b"<script src=\"app.js?v=__COLLOQUY_ASSETS__\"></script>",
            "V2",
        );
        assert_eq!(served, b"<script src=\"app.js?v=V2\"></script>");
    }
}
