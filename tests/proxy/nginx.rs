//! The test harness for tests/proxy.rs: a real nginx (Debian's package) in
//! front of a TestServer, configured from examples/nginx.conf (or
//! examples/nginx-base-path.conf, for `--base-path /term/`), with a
//! throw-away CA and a rustls client that trusts it.
// Shared by tests/proxy.rs and tests/base_path.rs; each uses one site.
#![allow(dead_code)]

use super::common::client::RequestBuilder;
use super::common::{PIN, TOKEN, TestServer};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// nginx in front of a TestServer.
pub struct Proxy {
    pub server: TestServer,
    pub port: u16,
    /// The base path nginx forwards (`/` or `/term/`).
    pub base: String,
    tls: TlsConnector,
    /// The throw-away CA's certificate (PEM), for clients that take a file.
    pub ca: PathBuf,
    /// nginx's access log: the request lines, as a proxy keeps them.
    access_log: std::path::PathBuf,
    _nginx: tokio::process::Child,
    _dir: tempfile::TempDir,
}

/// Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
fn nginx_program() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(program: &str, args: &[&str]) {
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("`{program}` is required (scripts/install-test-deps installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One of the example nginx configurations, and what the test swaps in it.
struct Site {
    file: &'static str,
    /// The example's server name (also its certificate file names).
    name: &'static str,
    /// The example's upstream, as written after `proxy_pass`.
    upstream: &'static str,
    /// termgate's `--base-path` that goes with it.
    base: &'static str,
}

/// examples/nginx.conf: termgate owns the whole site.
const WHOLE_SITE: Site = Site {
    file: "examples/nginx.conf",
    name: "term.example.com",
    upstream: "http://127.0.0.1:8080",
    base: "/",
};

/// examples/nginx-base-path.conf: termgate under `/term/` of a bigger site.
const UNDER_TERM: Site = Site {
    file: "examples/nginx-base-path.conf",
    name: "example.com",
    upstream: "http://127.0.0.1:8080/term/",
    base: "/term/",
};

impl Proxy {
    /// nginx with examples/nginx.conf in front of termgate at `/`.
    pub async fn start() -> Self {
        Self::start_site(&WHOLE_SITE).await
    }

    /// nginx with examples/nginx-base-path.conf in front of termgate
    /// started with `--base-path /term/`.
    pub async fn under_term() -> Self {
        Self::start_site(&UNDER_TERM).await
    }

    async fn start_site(site: &Site) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (cert, key, ca) = (d.join("cert.pem"), d.join("key.pem"), d.join("ca.pem"));
        make_certificate(d);
        let port = free_port();
        let public =
            termgate::config::PublicUrl::parse(&format!("https://localhost:{port}")).unwrap();
        let base = termgate::http::base::BasePath::parse(site.base).unwrap();
        let server = TestServer::start_with(|c| {
            c.trust_proxy = true;
            c.public_url = Some(public);
            c.base_path = base;
        })
        .await;

        let example =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(site.file)).unwrap();
        let site_conf = replace_all(
            &example,
            &[
                ("listen 443 ssl;", &format!("listen 127.0.0.1:{port} ssl;")),
                (
                    &format!("server_name {};", site.name),
                    "server_name localhost;",
                ),
                (
                    &format!("/etc/ssl/certs/{}.pem", site.name),
                    cert.to_str().unwrap(),
                ),
                (
                    &format!("/etc/ssl/private/{}.key", site.name),
                    key.to_str().unwrap(),
                ),
                (
                    &format!("proxy_pass {};", site.upstream),
                    &format!("proxy_pass http://{}{};", server.addr, site.base),
                ),
            ],
        );
        std::fs::write(d.join("termgate.conf"), site_conf).unwrap();
        let p = d.display();
        let main_conf = format!(
            "user root;
# One process: when the test drops it, nothing is left behind.
master_process off;
pid {p}/nginx.pid;
error_log {p}/error.log;
events {{}}
http {{
    access_log {p}/access.log;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    include {p}/termgate.conf;
}}
"
        );
        std::fs::write(d.join("nginx.conf"), main_conf).unwrap();
        run(
            nginx_program(),
            &[
                "-t",
                "-q",
                "-p",
                &p.to_string(),
                "-c",
                &format!("{p}/nginx.conf"),
            ],
        );
        let mut nginx = tokio::process::Command::new(nginx_program())
            .args([
                "-p",
                &p.to_string(),
                "-c",
                &format!("{p}/nginx.conf"),
                "-g",
                "daemon off;",
            ])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nginx");
        let up = super::common::eventually(Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .await;
        if !up {
            let _ = nginx.kill().await;
            panic!(
                "nginx did not listen: {}",
                std::fs::read_to_string(d.join("error.log")).unwrap_or_default()
            );
        }
        Self {
            server,
            port,
            base: site.base.to_string(),
            tls: connector(&ca),
            ca,
            access_log: d.join("access.log"),
            _nginx: nginx,
            _dir: dir,
        }
    }

    /// What nginx has logged so far (empty before its first request).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(&self.access_log).unwrap_or_default()
    }

    /// Waits (10 s at most) until nginx has logged `line`; nginx writes its
    /// log after answering, so a reply can come before its line.
    pub async fn wait_logged(&self, line: &str) {
        let seen =
            super::common::eventually(Duration::from_secs(10), || self.access_log().contains(line))
                .await;
        assert!(seen, "nginx never logged {line}: {}", self.access_log());
    }

    /// Logs in through nginx with the right token and PIN.
    pub async fn login(&self) -> super::common::Reply {
        self.send(
            self.request("POST", &self.path("auth/login"))
                .json(&json!({"token": TOKEN, "pin": PIN})),
        )
        .await
    }

    /// `rest` under the base path: `path("auth/login")` is `/term/auth/login`.
    pub fn path(&self, rest: &str) -> String {
        format!("{}{}", self.base, rest.trim_start_matches('/'))
    }

    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    pub async fn tls(&self) -> TlsStream<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        self.tls
            .connect(name, tcp)
            .await
            .expect("TLS handshake with nginx")
    }

    /// Types a command into tab `id` through nginx's `wss://…/ws` (under
    /// the base path) and waits for `want` in its output.
    pub async fn run_in_terminal(&self, cookie: &str, id: &str, command: &str, want: &str) {
        let url = format!(
            "wss://localhost:{}{}",
            self.port,
            self.path(&format!("api/terminals/{id}/ws"))
        );
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert("origin", self.origin().parse().unwrap());
        crate::common::proofs::insert(headers, cookie);
        let (mut socket, _) = tokio_tungstenite::client_async(request, self.tls().await)
            .await
            .expect("wss through nginx");
        socket
            .send(Message::binary(format!("{command}\n").into_bytes()))
            .await
            .unwrap();
        let mut seen = String::new();
        let found = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(frame)) = socket.next().await {
                if let Message::Binary(bytes) = frame {
                    seen.push_str(&String::from_utf8_lossy(&bytes));
                    if seen.contains(want) {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "{seen}");
    }

    /// A request through nginx with the public Host and Origin.
    pub async fn send(&self, builder: RequestBuilder) -> super::common::Reply {
        builder.send_over(self.tls().await).await
    }

    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.server.addr, method, path)
            .header("host", &format!("localhost:{}", self.port))
            .header("origin", &self.origin())
    }
}

/// A throw-away CA (`ca.pem`) and a certificate for localhost signed by it
/// (`cert.pem`, `key.pem`), made with the openssl command.
fn make_certificate(dir: &Path) {
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let days = ["-days", "1"];
    run(
        "openssl",
        &[
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=termgate-test-ca",
            ][..],
            &days,
            &["-keyout", &path("ca.key"), "-out", &path("ca.pem")],
        ]
        .concat(),
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &path("key.pem"),
            "-out",
            &path("leaf.csr"),
        ],
    );
    run(
        "openssl",
        &[
            &[
                "x509",
                "-req",
                "-in",
                &path("leaf.csr"),
                "-CA",
                &path("ca.pem"),
                "-CAkey",
                &path("ca.key"),
                "-CAcreateserial",
            ][..],
            &days,
            &["-extfile", &path("leaf.ext"), "-out", &path("cert.pem")],
        ]
        .concat(),
    );
}

fn replace_all(text: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(text.to_string(), |text, (from, to)| {
        assert!(
            text.contains(from),
            "the example nginx configuration no longer contains {from:?}"
        );
        text.replace(from, to)
    })
}

fn connector(cert: &PathBuf) -> TlsConnector {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(cert).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}
