//! The app's size budget (issue 7): the wasm and JS that `make app` builds
//! into dist/ (release), brotli-compressed, must stay under 1 MiB in total,
//! so that a regression fails `make test`. Each file's raw and compressed
//! size is printed (`cargo test --test size_budget -- --nocapture`).
//!
//! The app did not meet the 1 MiB target when this test was written
//! (1,061,094 bytes), so the test enforces `LIMIT`, a ratchet: any growth
//! beyond it fails, and it is lowered as the app shrinks (never above
//! `TARGET` now that the app fits).
//!
//! Raised once, on purpose: the four other UN languages (issue 9) added
//! 63,454 bytes (1,061,094 → 1,124,548), because leptos_i18n bakes every
//! language into the wasm. Its `dynamic_load` would fetch only the reader's
//! language, but turns each of the app's ~700 `t_string!` calls async.
//! Then lowered: wasm-opt -O2 with functions reordered by name compresses
//! better than -Oz (-20.7 KB), and the language choice kept in localStorage
//! instead of leptos_i18n's cookie drops leptos-use's cookie code and the
//! `time` crate (-22.8 KB): 1,082,445 bytes.
//! Then under the target: `t!` as one closure type shared by every
//! translated text (-19.0 KB); `Select`'s view and `RecordList`'s list
//! compiled once instead of once per vocabulary or kind of record (-23.1 KB
//! for `RecordList`), and wasm-opt's `--merge-similar-functions`:
//! 1,033,678 bytes, so the ratchet is 1,040,000.
//!
//! Two figures per file: brotli at quality 11 (what a precompressing build
//! step would ship; the budget) and at quality 4 (close to what the server's
//! on-the-fly compression sends today), for information.

use std::io::Write;
use std::path::PathBuf;

/// Issue 7's target.
const TARGET: u64 = 1024 * 1024;
/// What the test enforces today (see above): at most `TARGET`.
const LIMIT: u64 = 1_040_000;

fn brotli_len(bytes: &[u8], quality: u32) -> u64 {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, 22);
        w.write_all(bytes).expect("compress in memory");
    }
    out.len() as u64
}

#[test]
fn app_wasm_and_js_fit_the_brotli_budget() {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}; build the app first (`make app`)", dist.display()))
        .map(|e| e.expect("dist entry").path())
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("wasm") | Some("js")
                )
        })
        .collect();
    files.sort();
    assert!(
        files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "wasm")),
        "no wasm in {}; build the app first (`make app`)",
        dist.display()
    );
    let (mut raw, mut q11, mut q4) = (0u64, 0u64, 0u64);
    println!(
        "{:<40} {:>12} {:>12} {:>12}",
        "file", "raw", "brotli 11", "brotli 4"
    );
    for f in &files {
        let bytes = std::fs::read(f).expect("read dist file");
        let (b11, b4) = (brotli_len(&bytes, 11), brotli_len(&bytes, 4));
        println!(
            "{:<40} {:>12} {:>12} {:>12}",
            f.file_name().unwrap().to_string_lossy(),
            bytes.len(),
            b11,
            b4
        );
        raw += bytes.len() as u64;
        q11 += b11;
        q4 += b4;
    }
    println!("{:<40} {raw:>12} {q11:>12} {q4:>12}", "total");
    println!(
        "target: {TARGET} bytes brotli-compressed (quality 11): {}; enforced limit {LIMIT}",
        if q11 <= TARGET {
            "met".to_string()
        } else {
            format!("missed by {} bytes", q11 - TARGET)
        }
    );
    assert!(
        q11 <= LIMIT,
        "the app's wasm + JS are {q11} bytes brotli-compressed, over the {LIMIT}-byte limit"
    );
}
