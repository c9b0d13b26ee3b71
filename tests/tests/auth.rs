//! Who may connect: accounts, sessions, tokens and tickets at the sync upgrade,
//! and the sign-in API with its rate limit.

use accord_tests::client::raw_socket;
use accord_tests::server::{http_request, HttpResponse, OFFICER_EMAIL, OFFICER_PASSWORD};
use accord_tests::{Peer, TestServer};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error as WsError;

/// The HTTP status the upgrade was refused with (`None` if it succeeded).
async fn upgrade_status(url: &str, headers: &[(&'static str, String)]) -> Option<u16> {
    let mut request = url.into_client_request().unwrap();
    for (k, v) in headers {
        request.headers_mut().insert(*k, v.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => None,
        Err(WsError::Http(res)) => Some(res.status().as_u16()),
        Err(e) => panic!("unexpected failure: {e}"),
    }
}

fn login(server: &TestServer, email: &str, password: &str) -> HttpResponse {
    let body = json!({ "email": email, "password": password }).to_string();
    http_request(server.port, "POST", "/api/login", &[], body.as_bytes()).unwrap()
}

fn session_cookie(res: &HttpResponse) -> String {
    let set = res.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unauthenticated_upgrade_gets_401_and_no_socket() {
    let server = TestServer::start(&[]);
    assert_eq!(upgrade_status(&server.ws_url(), &[]).await, Some(401));
    let forged = [("Authorization", "Bearer not-a-real-token".to_owned())];
    assert_eq!(upgrade_status(&server.ws_url(), &forged).await, Some(401));
    let cookie = [("Cookie", "accord_session=forged".to_owned())];
    assert_eq!(upgrade_status(&server.ws_url(), &cookie).await, Some(401));
    assert!(raw_socket(&server.ws_url(), Some(&server.token))
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_opens_one_socket_once() {
    let server = TestServer::start(&[]);
    let url = server.ticket_url();
    Peer::connect_with(&url, None)
        .await
        .expect("the ticket works once");
    assert_eq!(
        upgrade_status(&url, &[]).await,
        Some(401),
        "a reused ticket is refused"
    );
    assert_eq!(
        upgrade_status(&format!("{}?ticket=made-up", server.ws_url()), &[]).await,
        Some(401)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_can_no_longer_connect() {
    let server = TestServer::start(&[]);
    server.add_user(
        "ngo@accord.test",
        "Civil Voice",
        "ngo",
        "an ngo passphrase!",
    );
    let token = server.create_token("ngo@accord.test");
    let res = login(&server, "ngo@accord.test", "an ngo passphrase!");
    let cookie = session_cookie(&res);
    assert!(raw_socket(&server.ws_url(), Some(&token)).await.is_ok());

    let out = server
        .admin(&["user", "disable", "--email", "ngo@accord.test"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let bearer = [("Authorization", format!("Bearer {token}"))];
    assert_eq!(upgrade_status(&server.ws_url(), &bearer).await, Some(401));
    assert_eq!(
        upgrade_status(&server.ws_url(), &[("Cookie", cookie)]).await,
        Some(401)
    );
    assert_eq!(
        login(&server, "ngo@accord.test", "an ngo passphrase!").status,
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_refused() {
    let server = TestServer::start(&[]);
    let res = login(&server, OFFICER_EMAIL, OFFICER_PASSWORD);
    assert_eq!(res.status, 200);
    let cookie = [("Cookie", session_cookie(&res))];
    assert_eq!(upgrade_status(&server.ws_url(), &cookie).await, None);

    let db = rusqlite::Connection::open(server.data.join("accord.sqlite3")).unwrap();
    db.execute("UPDATE sessions SET expires_at = 0", [])
        .unwrap();
    assert_eq!(upgrade_status(&server.ws_url(), &cookie).await, Some(401));
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_sets_a_strict_http_only_session_cookie() {
    let server = TestServer::start(&[]);
    let res = login(&server, OFFICER_EMAIL, OFFICER_PASSWORD);
    assert_eq!(res.status, 200);
    let set = res.header("set-cookie").unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(flag), "{set}");
    }
    let me: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(me["role"], "field_officer");

    let cookie = session_cookie(&res);
    let me = http_request(server.port, "GET", "/api/me", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(me.status, 200);
    let out = http_request(
        server.port,
        "POST",
        "/api/logout",
        &[("Cookie", &cookie)],
        b"",
    )
    .unwrap();
    assert_eq!(out.status, 204);
    let me = http_request(server.port, "GET", "/api/me", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(me.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_wrong_passwords_are_answered_429_with_a_clear_message() {
    let server = TestServer::start(&[]);
    for _ in 0..5 {
        let res = login(&server, OFFICER_EMAIL, "guess");
        assert_eq!(res.status, 401);
        assert!(String::from_utf8_lossy(&res.body).contains("email or password is not right"));
    }
    let res = login(&server, OFFICER_EMAIL, OFFICER_PASSWORD);
    assert_eq!(res.status, 429, "even the right password waits");
    let body = String::from_utf8_lossy(&res.body);
    assert!(
        body.contains("Too many failed sign-ins. Try again in"),
        "{body}"
    );

    let out = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert_eq!(log.matches("login_failed").count(), 5, "{log}");
    assert!(log.contains("login_blocked"), "{log}");
}

#[test]
fn the_admin_lists_accounts_and_refuses_unknown_roles() {
    let server = TestServer::start(&[]);
    let out = server.admin(&["user", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains(OFFICER_EMAIL) && list.contains("field_officer"),
        "{list}"
    );

    let out = server
        .admin(&[
            "user",
            "add",
            "--email",
            "x@y.org",
            "--name",
            "X",
            "--role",
            "superuser",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
}

#[test]
fn only_an_admin_manages_membership_and_it_is_audited() {
    let server = TestServer::start(&[]);
    server.add_user("admin@accord.test", "Admin", "admin", "an admin passphrase");
    server.add_user(
        "gov@accord.test",
        "Kodjo",
        "government",
        "a government passphrase",
    );
    let admin = format!("Bearer {}", server.create_token("admin@accord.test"));
    let officer = format!("Bearer {}", server.token);
    let engagement = accord_shared::DocumentId::random().to_string();
    let body =
        json!({ "engagement": engagement, "email": "gov@accord.test", "role": "government" })
            .to_string();

    let refused = http_request(
        server.port,
        "POST",
        "/api/admin/members",
        &[("Authorization", &officer)],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(refused.status, 403);
    let added = http_request(
        server.port,
        "POST",
        "/api/admin/members",
        &[("Authorization", &admin)],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        added.status,
        204,
        "{}",
        String::from_utf8_lossy(&added.body)
    );

    let list = http_request(
        server.port,
        "GET",
        &format!("/api/admin/members?engagement={engagement}"),
        &[("Authorization", &admin)],
        b"",
    )
    .unwrap();
    let members: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
    assert_eq!(
        members,
        json!([{
            "email": "gov@accord.test",
            "name": "Kodjo",
            "role": "government",
            "parties_granted": false,
        }])
    );

    let bad =
        json!({ "engagement": engagement, "email": "gov@accord.test", "role": "king" }).to_string();
    let res = http_request(
        server.port,
        "POST",
        "/api/admin/members",
        &[("Authorization", &admin)],
        bad.as_bytes(),
    )
    .unwrap();
    assert_eq!(res.status, 400);
    assert!(String::from_utf8_lossy(&res.body).contains("unknown role"));

    let out = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("member_added\tadmin@accord.test\tgov@accord.test as government"),
        "{log}"
    );
}
