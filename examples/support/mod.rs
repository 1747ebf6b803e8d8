//! A tiny termgate client shared by the examples: log in, call the REST API,
//! open a terminal WebSocket. It shows the protocol from the client's side
//! (docs/PROTOCOL.md).
#![allow(dead_code)]

pub mod daemon;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The header that carries a session's proof beside its cookie.
pub const PROOF_HEADER: &str = "x-termgate-proof";

/// One logged-in owner session against one daemon: its cookie and the
/// session's proof, sent together on every request (docs/PROTOCOL.md,
/// "Sessions").
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    session: Session,
}

/// What a request needs to be the owner's: `Cookie` and `X-Termgate-Proof`.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub proof: String,
}

impl Client {
    /// `POST /auth/login`; the session cookie is kept for later calls.
    pub async fn login(addr: SocketAddr, token: &str, pin: &str) -> Result<Self, String> {
        let body = serde_json::json!({"token": token, "pin": pin});
        let (status, headers, reply) =
            request(addr, "POST", "/auth/login", None, Some(body)).await?;
        if status != 200 {
            return Err(format!(
                "login refused ({status}): {}",
                String::from_utf8_lossy(&reply)
            ));
        }
        let cookie = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.split(';')
                    .next()
                    .filter(|c| c.contains("termgate_session="))
            })
            .ok_or("login set no cookie")?
            .to_string();
        let answer: serde_json::Value = serde_json::from_slice(&reply).unwrap_or_default();
        let proof = answer["proof"]
            .as_str()
            .ok_or("login answered no proof")?
            .to_string();
        Ok(Self {
            addr,
            session: Session { cookie, proof },
        })
    }

    /// This session's cookie and proof.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A JSON call with the session cookie.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), String> {
        let (status, _, reply) =
            request(self.addr, method, path, Some(&self.session), body).await?;
        let value = serde_json::from_slice(&reply).unwrap_or(serde_json::Value::Null);
        Ok((status, value))
    }

    /// `POST /api/terminals`; returns the new id.
    pub async fn create_terminal(&self, cols: u16, rows: u16) -> Result<String, String> {
        let (status, value) = self
            .call(
                "POST",
                "/api/terminals",
                Some(serde_json::json!({"cols": cols, "rows": rows})),
            )
            .await?;
        match value["id"].as_str() {
            Some(id) if status == 201 => Ok(id.to_string()),
            _ => Err(format!("cannot create a terminal ({status}): {value}")),
        }
    }

    /// Opens `GET /api/terminals/{id}/ws` with our Origin and cookie.
    pub async fn attach(&self, id: &str) -> Result<Socket, String> {
        self.attach_sized(id, None).await
    }

    /// Like [`Client::attach`], displaying `size` (cols, rows): the tab takes
    /// that size before its screen is sent, so the screen is drawn for it.
    pub async fn attach_sized(&self, id: &str, size: Option<(u16, u16)>) -> Result<Socket, String> {
        let host = host_of(self.addr);
        let query = size.map_or(String::new(), |(cols, rows)| {
            format!("?cols={cols}&rows={rows}")
        });
        let mut request = format!("ws://{host}/api/terminals/{id}/ws{query}")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        headers.insert("origin", format!("http://{host}").parse().unwrap());
        headers.insert("cookie", self.session.cookie.parse().unwrap());
        headers.insert(PROOF_HEADER, self.session.proof.parse().unwrap());
        let tcp = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(|e| e.to_string())?;
        tcp.set_nodelay(true).ok();
        let (socket, _) = tokio_tungstenite::client_async(request, tcp)
            .await
            .map_err(|e| e.to_string())?;
        Ok(socket)
    }
}

/// `host:port` as the daemon expects it in `Host` (and, with http://, in `Origin`).
pub fn host_of(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        SocketAddr::V4(v4) => v4.to_string(),
    }
}

/// One HTTP/1.1 request on its own connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    session: Option<&Session>,
    body: Option<serde_json::Value>,
) -> Result<(u16, hyper::HeaderMap, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let host = host_of(addr);
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", &host)
        .header("origin", format!("http://{host}"));
    if let Some(session) = session {
        builder = builder
            .header("cookie", &session.cookie)
            .header(PROOF_HEADER, &session.proof);
    }
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let request = builder
        .body(Full::new(Bytes::from(bytes)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, headers, body))
}
