//! The interface speaks the six UN official languages (issue 9): every
//! translation file has every key of the English one with the same
//! placeholders, the app declares all six, and no component writes interface
//! text outside the translation files.
//!
//! leptos_i18n only warns when a key is missing in a language (it falls back
//! to English), so this test is what fails the build.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

const LANGUAGES: [&str; 6] = ["ar", "en", "es", "fr", "ru", "zh"];

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../app")
}

fn load(language: &str) -> Value {
    let path = app_dir().join("locales").join(format!("{language}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `{name}` placeholders of a template, in order of appearance, sorted.
fn placeholders(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if !after[..end].is_empty()
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                found.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    found.sort();
    found
}

/// Differences between the English tree and another language's.
fn compare(english: &Value, other: &Value, prefix: &str, problems: &mut Vec<String>) {
    let (Value::Object(en), Value::Object(ot)) = (english, other) else {
        problems.push(format!("{prefix}: should be an object"));
        return;
    };
    for (key, en_value) in en {
        let path = format!("{prefix}{key}");
        // Each file names its own language, so the names differ by design.
        let Some(value) = ot.get(key) else {
            problems.push(format!("missing key {path}"));
            continue;
        };
        match (en_value, value) {
            (Value::Object(_), _) => compare(en_value, value, &format!("{path}."), problems),
            (Value::String(en_text), Value::String(text)) => {
                if text.trim().is_empty() && !en_text.trim().is_empty() {
                    problems.push(format!("{path}: empty"));
                }
                if placeholders(en_text) != placeholders(text) {
                    problems.push(format!(
                        "{path}: placeholders {:?}, English has {:?}",
                        placeholders(text),
                        placeholders(en_text)
                    ));
                }
            }
            _ => problems.push(format!("{path}: should be a string")),
        }
    }
    for key in ot.keys().filter(|k| !en.contains_key(*k)) {
        problems.push(format!("unknown key {prefix}{key} (not in en.json)"));
    }
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let english = load("en");
    let mut problems = Vec::new();
    for language in LANGUAGES.iter().filter(|l| **l != "en") {
        let mut found = Vec::new();
        compare(&english, &load(language), "", &mut found);
        problems.extend(found.into_iter().map(|p| format!("{language}.json: {p}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_app_declares_the_six_un_languages_with_english_by_default() {
    let manifest = std::fs::read_to_string(app_dir().join("Cargo.toml")).expect("app/Cargo.toml");
    let section = manifest
        .split("[package.metadata.leptos-i18n]")
        .nth(1)
        .expect("a [package.metadata.leptos-i18n] section in app/Cargo.toml");
    let line = |name: &str| {
        section
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` in the leptos-i18n section"))
            .to_string()
    };
    assert!(line("default").contains("\"en\""), "{}", line("default"));
    let declared: BTreeSet<String> = line("locales")
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let wanted: BTreeSet<String> = LANGUAGES.iter().map(|l| l.to_string()).collect();
    assert_eq!(declared, wanted);
}

#[test]
fn each_language_names_itself() {
    let names: BTreeSet<String> = LANGUAGES
        .iter()
        .map(|l| {
            load(l)["language_autonym"]
                .as_str()
                .unwrap_or_else(|| panic!("{l}.json: no language_autonym"))
                .to_string()
        })
        .collect();
    assert_eq!(
        names.len(),
        LANGUAGES.len(),
        "two languages share a name: {names:?}"
    );
}

/// A string literal in Rust source, with what comes before and after it.
struct Literal {
    line: usize,
    text: String,
    before: String,
    after: String,
}

/// The string literals of a Rust source file (comments, char literals and
/// raw strings skipped), each with the significant code around it.
fn literals(source: &str) -> Vec<Literal> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let context = |from: usize, to: usize| -> String { chars[from..to].iter().collect::<String>() };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
                continue;
            }
            '\'' => {
                // A char literal ('a', '\n') or a lifetime ('a): skip the former.
                if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                    continue;
                }
                if chars.get(i + 1) == Some(&'\\') {
                    // '\n', '\'', '\u{7f}': the closing quote after the escape.
                    let mut j = i + 3;
                    while j < chars.len() && chars[j] != '\'' {
                        j += 1;
                    }
                    i = j + 1;
                    continue;
                }
            }
            'r' if chars.get(i + 1) == Some(&'#') || chars.get(i + 1) == Some(&'"') => {
                if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
                    i += 1;
                    continue;
                }
                let mut hashes = 0;
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"')
                    .chain("#".repeat(hashes).chars())
                    .collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end = rest
                    .find(&close)
                    .map(|e| rest[..e].chars().count())
                    .unwrap_or(0);
                line += rest.chars().take(end).filter(|c| *c == '\n').count();
                i = j + 1 + end + close.chars().count();
                continue;
            }
            '"' => {
                let start = i;
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        text.push(chars[i]);
                        i += 1;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                let before = context(start.saturating_sub(40), start);
                let after = context((i + 1).min(chars.len()), (i + 41).min(chars.len()));
                out.push(Literal {
                    line,
                    text,
                    before,
                    after,
                });
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether a literal is interface text written in a `view!`: a text node
/// (after a tag's `>`, or before a closing `</`) or a text attribute, with
/// letters in it.
fn is_interface_text(literal: &Literal) -> bool {
    if !literal.text.chars().any(char::is_alphabetic) {
        return false;
    }
    let before = literal.before.trim_end();
    let after = literal.after.trim_start();
    let text_node = (before.ends_with('>') && !before.ends_with("=>") && !before.ends_with("->"))
        || after.starts_with("</");
    let attribute = [
        "aria-label=",
        "title=",
        "placeholder=",
        "alt=",
        "aria-description=",
    ]
    .iter()
    .any(|a| before.ends_with(a));
    text_node || attribute
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read app/src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_component_writes_interface_text_outside_the_translation_files() {
    let mut files = Vec::new();
    rust_files(&app_dir().join("src"), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("read source");
        for literal in literals(&source).iter().filter(|l| is_interface_text(l)) {
            found.push(format!(
                "{}:{}: {:?}",
                file.display(),
                literal.line,
                literal.text
            ));
        }
    }
    assert!(
        found.is_empty(),
        "interface text written in components (move it to app/locales/*.json):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_text_check_finds_text_nodes_and_attributes_but_not_code() {
    let source = r#"
        view! {
            <p class="note">"Hello there"</p>
            <button aria-label="Close">{t!(i18n, close)}</button>
            <span>
                "Multi-line text"
            </span>
            <span class="sep">", "</span>
        }
        let class = if new { "item item--new" } else { "item" };
        match x { Some(_) => "ltr", None => "rtl" }
        let c = '"'; // "a comment >"
    "#;
    let flagged: Vec<String> = literals(source)
        .into_iter()
        .filter(is_interface_text)
        .map(|l| l.text)
        .collect();
    assert_eq!(flagged, ["Hello there", "Close", "Multi-line text"]);
}

#[test]
fn the_comparison_finds_missing_unknown_empty_and_misplaced() {
    let english = serde_json::json!({
        "a": "Hello {name}",
        "group": { "b": "{count} items" },
        "c": "Plain",
    });
    let other = serde_json::json!({
        "a": "Bonjour {nom}",
        "group": {},
        "c": " ",
        "d": "extra",
    });
    let mut problems = Vec::new();
    compare(&english, &other, "", &mut problems);
    assert_eq!(
        problems,
        [
            "a: placeholders [\"nom\"], English has [\"name\"]",
            "c: empty",
            "missing key group.b",
            "unknown key d (not in en.json)",
        ]
    );
}
