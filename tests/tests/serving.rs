//! The built app as a browser fetches it: compressed, hashed assets cached for
//! good, the shell for app routes, and no HTML where a script is expected.

use accord_tests::server::{dist_dir, http_get};
use accord_tests::TestServer;

fn hashed_wasm() -> String {
    std::fs::read_dir(dist_dir())
        .expect("dist/ is built (make test builds it)")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with("_bg.wasm"))
        .expect("a hashed wasm file in dist/")
}

#[test]
fn health_check_answers_ok() {
    let server = TestServer::start(&[]);
    let res = http_get(server.port, "/healthz", &[]).unwrap();
    assert_eq!(res.status, 200);
    assert_eq!(res.body, b"ok");
}

#[test]
fn hashed_assets_are_compressed_and_cached_for_a_year() {
    let server = TestServer::start(&[]);
    let wasm = hashed_wasm();
    let res = http_get(
        server.port,
        &format!("/{wasm}"),
        &[("Accept-Encoding", "br, gzip")],
    )
    .unwrap();
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("br"));
    assert_eq!(res.header("content-type"), Some("application/wasm"));
    assert_eq!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let raw = std::fs::metadata(dist_dir().join(&wasm)).unwrap().len() as usize;
    assert!(
        res.body.len() < raw / 2,
        "{} compressed vs {raw} raw",
        res.body.len()
    );
    // The copy the build compressed at quality 11, not one made per request.
    let stored = std::fs::read(dist_dir().join(format!("{wasm}.br"))).unwrap();
    assert!(res.body == stored, "not the precompressed copy");
}

#[test]
fn app_routes_get_the_shell_and_it_is_always_revalidated() {
    let server = TestServer::start(&[]);
    for path in ["/", "/doc/4NMNnkMhL8jXrdJ9jamS58PAVdXu"] {
        let res = http_get(server.port, path, &[]).unwrap();
        assert_eq!(res.status, 200, "{path}");
        assert!(
            String::from_utf8_lossy(&res.body).contains("<title>Accord</title>"),
            "{path}"
        );
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[test]
fn a_missing_asset_is_a_404_not_the_shell() {
    let server = TestServer::start(&[]);
    let res = http_get(server.port, "/app-0000000000000000.js", &[]).unwrap();
    assert_eq!(res.status, 404);
}

#[test]
fn every_page_carries_the_security_headers() {
    let server = TestServer::start(&[]);
    for path in ["/", "/healthz", "/api/me"] {
        let res = http_get(server.port, path, &[]).unwrap();
        let csp = res.header("content-security-policy").unwrap_or_default();
        for part in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "'sha256-",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
}
