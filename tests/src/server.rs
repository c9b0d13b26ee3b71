//! Starting, killing and restarting the real server binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `accord` binary under test: `ACCORD_BIN`, else the workspace's debug build.
pub fn accord_bin() -> PathBuf {
    if let Ok(path) = std::env::var("ACCORD_BIN") {
        return PathBuf::from(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join("target/debug/accord");
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build -p accord-server` (make test does)",
        bin.display()
    );
    bin
}

/// The built app (`dist/`), needed by browser tests.
pub fn dist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// The account every test server starts with.
pub const OFFICER_EMAIL: &str = "officer@accord.test";
pub const OFFICER_PASSWORD: &str = "a field officer's passphrase";

/// The log filter test servers run with: debug, so that `ACCORD_TEST_LOGS=1`
/// shows what a failing test did. `None`: no `RUST_LOG`, the server's own
/// default, which benchmarks ask for ([`log_as_deployed`]): formatting debug
/// lines that nobody reads showed up in their profiles.
static SERVER_LOG: std::sync::Mutex<Option<&str>> =
    std::sync::Mutex::new(Some("accord_server=debug"));

/// Servers started from now on log as `accord serve` does by default.
pub fn log_as_deployed() {
    *SERVER_LOG.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// A running `accord serve` on a free loopback port; killed when dropped.
pub struct TestServer {
    child: Option<Child>,
    pub port: u16,
    pub data: PathBuf,
    /// API token of the field officer the server starts with.
    pub token: String,
    args: Vec<String>,
    /// The app it serves (`--dist`); [`dist_dir`] unless changed.
    dist: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server on a fresh data directory.
    pub fn start(extra_args: &[&str]) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data = tmp.path().to_owned();
        let mut server = Self {
            child: None,
            port: free_port(),
            data,
            token: String::new(),
            args: extra_args.iter().map(|s| s.to_string()).collect(),
            dist: dist_dir(),
            _tmp: Some(tmp),
        };
        server.spawn();
        server.add_user(
            OFFICER_EMAIL,
            "Amina Field",
            "field_officer",
            OFFICER_PASSWORD,
        );
        server.token = server.create_token(OFFICER_EMAIL);
        server
    }

    /// Starts a server on an existing data directory (e.g. a restored backup),
    /// whose accounts already hold `token`.
    pub fn start_on(data: PathBuf, token: &str, extra_args: &[&str]) -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            data,
            token: token.to_owned(),
            args: extra_args.iter().map(|s| s.to_string()).collect(),
            dist: dist_dir(),
            _tmp: None,
        };
        server.spawn();
        server
    }

    /// `accord user add`, password on standard input.
    pub fn add_user(&self, email: &str, name: &str, role: &str, password: &str) {
        use std::io::Write;
        let mut child = self
            .admin(&[
                "user", "add", "--email", email, "--name", name, "--role", role,
            ])
            .stdin(Stdio::piped())
            .spawn()
            .expect("running accord user add");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{password}");
        }
        let out = child.wait_with_output().expect("accord user add");
        assert!(
            out.status.success(),
            "accord user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `accord token create`: a fresh API token.
    pub fn create_token(&self, email: &str) -> String {
        let out = self
            .admin(&["token", "create", "--email", email])
            .output()
            .expect("running accord token create");
        assert!(
            out.status.success(),
            "accord token create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs an admin command and insists that it succeeds.
    pub fn run_admin(&self, args: &[&str]) {
        let out = self.admin(args).output().expect("running accord");
        assert!(
            out.status.success(),
            "accord {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// An admin command against this server's data directory.
    pub fn admin(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(accord_bin());
        cmd.args(args)
            .arg("--data")
            .arg(&self.data)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// A single-use sync ticket for the default account (for clients that cannot set headers).
    pub fn ticket_url(&self) -> String {
        let auth = format!("Bearer {}", self.token);
        let res = http_request(
            self.port,
            "POST",
            "/api/sync-ticket",
            &[("Authorization", &auth)],
            b"",
        )
        .expect("asking for a sync ticket");
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let v: serde_json::Value = serde_json::from_slice(&res.body).expect("JSON ticket");
        format!(
            "{}?ticket={}",
            self.ws_url(),
            v["ticket"].as_str().unwrap_or_default()
        )
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(accord_bin());
        match *SERVER_LOG.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(filter) => cmd.env("RUST_LOG", filter),
            None => cmd.env_remove("RUST_LOG"),
        };
        let child = cmd
            .arg("serve")
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data")
            .arg(&self.data)
            .arg("--dist")
            .arg(&self.dist)
            .arg("--no-seed")
            .args(&self.args)
            // ACCORD_TEST_LOGS=1 shows the server's log while debugging a test.
            .stdout(if std::env::var_os("ACCORD_TEST_LOGS").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the accord binary");
        self.child = Some(child);
        self.wait_healthy();
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + crate::PATIENCE;
        while Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                if out.contains("200 OK") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not become healthy on port {}", self.port);
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    /// A JSON API call with a bearer token: the status and the JSON answer
    /// (`Null` when the body is empty or not JSON).
    pub fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let auth = format!("Bearer {token}");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let res = http_request(
            self.port,
            method,
            path,
            &[("Authorization", &auth)],
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let value = serde_json::from_slice(&res.body).unwrap_or(serde_json::Value::Null);
        (res.status, value)
    }

    /// An engagement in Togo started through the API by the default field
    /// officer, with all its documents.
    pub fn start_engagement(&self, title: &str) -> Engagement {
        let (status, created) = self.api(
            &self.token,
            "POST",
            "/api/engagements",
            Some(&serde_json::json!({ "title": title, "country": "TGO", "presence": "country_office" })),
        );
        assert_eq!(status, 201, "starting an engagement: {created}");
        Engagement {
            id: created["id"].as_str().unwrap_or_default().to_owned(),
            documents: created["documents"].clone(),
        }
    }

    /// A new account with `role` and an API token for it.
    pub fn account(&self, email: &str, name: &str, role: &str) -> String {
        self.add_user(email, name, role, "a sufficiently long passphrase");
        self.create_token(email)
    }

    /// `accord member add`: makes `email` a member of the engagement in `role`.
    pub fn add_member(&self, engagement: &str, email: &str, role: &str) {
        self.run_admin(&[
            "member",
            "add",
            "--engagement",
            engagement,
            "--email",
            email,
            "--role",
            role,
        ]);
    }

    /// SIGKILL: no chance to flush anything it had not already made durable.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits (at most `PATIENCE`) for the server to exit by itself.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("running kill");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            if let Some(status) = child.try_wait().expect("waiting for the server") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not exit within {:?} of SIGTERM",
                    crate::PATIENCE
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Serves another build of the app from the next (re)start on.
    pub fn set_dist(&mut self, dist: PathBuf) {
        self.dist = dist;
    }

    /// Starts again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The server's process id (for reading its /proc status).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// An engagement as `POST /api/engagements` answered.
pub struct Engagement {
    pub id: String,
    /// Document ids by kind (`request`, `assessment`, `consultations`, `parties`, `programme`).
    pub documents: serde_json::Value,
}

impl Engagement {
    /// The id of its document of this kind.
    pub fn doc(&self, kind: &str) -> accord_shared::DocumentId {
        self.documents[kind]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("the engagement has no {kind} document: {}", self.documents))
    }
}

/// A minimal HTTP/1.0 response, enough to check status and headers.
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// GET over a plain socket (HTTP/1.0, so the server closes when done).
pub fn http_get(
    port: u16,
    path: &str,
    extra_headers: &[(&str, &str)],
) -> std::io::Result<HttpResponse> {
    http_request(port, "GET", path, extra_headers, b"")
}

/// Any request over a plain socket; a non-empty body is sent as JSON.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in extra_headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}
