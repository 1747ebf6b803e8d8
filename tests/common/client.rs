//! A minimal HTTP/1.1 and WebSocket client for tests: one connection per
//! request, raw headers under the test's control (so tests can forge Host,
//! Origin or forwarding headers).

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub struct RequestBuilder {
    addr: SocketAddr,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl RequestBuilder {
    pub fn new(addr: SocketAddr, method: &str, path: &str) -> Self {
        Self {
            addr,
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Sets (replaces) a header. A known session cookie brings its proof
    /// along (see `proofs`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        if name.eq_ignore_ascii_case("cookie")
            && let Some(proof) = super::proofs::for_cookie_header(value)
        {
            self = self.header(super::proofs::PROOF, &proof);
        }
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = serde_json::to_vec(value).unwrap();
        self.header("content-type", "application/json")
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    pub async fn send(self) -> Reply {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        self.send_over(stream).await
    }

    /// Sends over a stream the caller opened (e.g. TLS to a proxy).
    pub async fn send_over<S>(self, stream: S) -> Reply
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        let mut request = hyper::Request::builder()
            .method(self.method.as_str())
            .uri(&self.path);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(Bytes::from(self.body))).unwrap();
        let response = tokio::time::timeout(Duration::from_secs(10), sender.send_request(request))
            .await
            .expect("reply within 10 s")
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// `name=value` of the first cookie this reply set, ready for `Cookie:`.
    pub fn first_cookie(&self) -> String {
        let set = self.set_cookies();
        let first = set.first().expect("the reply set no cookie");
        self.with_proof(first.split(';').next().unwrap().to_string())
    }

    /// `name=value` of the session cookie this reply set, ready for `Cookie:`.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .map(|c| c.split(';').next().unwrap().to_string())
            .find(|c| c.contains("termgate_session=") && !c.ends_with('='))
            .map(|cookie| self.with_proof(cookie))
    }

    /// The session's proof this reply's body handed out, if any.
    pub fn proof(&self) -> Option<String> {
        let body: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        body["proof"].as_str().map(str::to_string)
    }

    /// `cookie`, remembered with this reply's proof (as the page keeps it).
    fn with_proof(&self, cookie: String) -> String {
        if let Some(proof) = self.proof() {
            super::proofs::remember(&cookie, &proof);
        }
        cookie
    }
}

/// Sends one raw request `head` (without the blank line that ends it) on
/// its own connection; returns the status and the whole answer, which must
/// come within 10 s. The head's bytes are exactly the test's.
pub async fn raw(addr: SocketAddr, head: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("{head}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let complete = |answer: &[u8]| {
        let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
            return false;
        };
        let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        answer.len() >= end + 4 + length
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        while !complete(&answer) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed mid-answer: {answer:?}");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("an answer within 10 s");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}

/// A terminal WebSocket from the test's side.
pub struct WsClient {
    pub stream: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    pub hello: serde_json::Value,
    /// The reason of the server's Close frame, once one came.
    pub close_reason: Option<String>,
}

/// What the server sent, one frame at a time.
#[derive(Debug)]
pub enum Frame {
    Output(Bytes),
    Control(serde_json::Value),
    Closed(Option<u16>),
}

impl WsClient {
    pub async fn connect(
        server: &super::TestServer,
        cookie: &str,
        id: &str,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        Self::connect_with(
            server,
            id,
            &[("cookie", cookie), ("origin", &server.origin())],
        )
        .await
    }

    pub async fn connect_with(
        server: &super::TestServer,
        id: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        Self::connect_at(server.addr, &server.host(), id, headers).await
    }

    /// A socket to the daemon at `addr`, asking for `host`.
    pub async fn connect_at(
        addr: SocketAddr,
        host: &str,
        id: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        Self::connect_url(addr, &format!("ws://{host}/api/terminals/{id}/ws"), headers).await
    }

    /// A socket to the daemon at `addr` for `url` (which may carry a query).
    pub async fn connect_url(
        addr: SocketAddr,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let socket = Self::connect_first(addr, url, headers).await?;
        assert_eq!(socket.hello["type"], "hello");
        Ok(socket)
    }

    /// Like [`Self::connect_url`], whatever the first control frame is (a locked
    /// tab's `locked`): it is in `hello`.
    pub async fn connect_first(
        addr: SocketAddr,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = url.into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        // As a page does: a known session cookie offers its proof, unless
        // the test chose its own subprotocols.
        let proof = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
            .find_map(|(_, value)| super::proofs::for_cookie_header(value));
        let offer = hyper::header::SEC_WEBSOCKET_PROTOCOL;
        if let Some(proof) = proof
            && !request.headers().contains_key(&offer)
        {
            let value = super::proofs::subprotocols(&proof);
            request.headers_mut().insert(offer, value.parse().unwrap());
        }
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut stream, _) = tokio_tungstenite::client_async(request, tcp).await?;
        let hello = match next_frame(&mut stream, &mut None).await {
            Frame::Control(value) => value,
            other => panic!("expected hello, got {other:?}"),
        };
        Ok(Self {
            stream,
            hello,
            close_reason: None,
        })
    }

    pub async fn next(&mut self) -> Frame {
        next_frame(&mut self.stream, &mut self.close_reason).await
    }

    pub async fn send_input(&mut self, bytes: &[u8]) {
        self.stream
            .send(Message::binary(bytes.to_vec()))
            .await
            .unwrap();
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::text(text.to_string()))
            .await
            .unwrap();
    }

    /// Reads output until `needle` appears; returns everything read.
    pub async fn read_until(&mut self, needle: &str) -> String {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match self.next().await {
                    Frame::Output(bytes) => {
                        // Only the new bytes (and a needle's length before
                        // them) can complete a match: linear, not quadratic,
                        // so a flood is read at full speed.
                        let from = seen.len().saturating_sub(needle.len());
                        seen.extend_from_slice(&bytes);
                        if seen[from..]
                            .windows(needle.len())
                            .any(|w| w == needle.as_bytes())
                        {
                            return true;
                        }
                    }
                    Frame::Control(_) => {}
                    Frame::Closed(_) => return false,
                }
            }
        })
        .await;
        let text = String::from_utf8_lossy(&seen).into_owned();
        if found != Ok(true) {
            let tail: String = text
                .chars()
                .rev()
                .take(2000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            panic!(
                "never saw {needle:?}; {} bytes, ending {tail:?}",
                seen.len()
            );
        }
        text
    }

    /// Waits for the next control message, past the informational ones
    /// (`live`, which ends the screen's rebuild, and `input_ack`).
    pub async fn next_control(&mut self) -> serde_json::Value {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.next())
                .await
                .expect("control message within 10 s")
            {
                Frame::Control(value)
                    if value["type"] == "live" || value["type"] == "input_ack" => {}
                Frame::Control(value) => return value,
                Frame::Output(_) => {}
                Frame::Closed(code) => panic!("closed ({code:?}) before a control message"),
            }
        }
    }

    /// Waits for the socket to close; returns the close code.
    pub async fn closed(&mut self, within: Duration) -> Option<u16> {
        tokio::time::timeout(within, async {
            loop {
                if let Frame::Closed(code) = self.next().await {
                    return code;
                }
            }
        })
        .await
        .expect("socket closes in time")
    }
}

async fn next_frame(
    stream: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    close_reason: &mut Option<String>,
) -> Frame {
    loop {
        match stream.next().await {
            Some(Ok(Message::Binary(bytes))) => return Frame::Output(bytes),
            Some(Ok(Message::Text(text))) => {
                return Frame::Control(serde_json::from_str(&text).unwrap());
            }
            Some(Ok(Message::Close(frame))) => {
                *close_reason = frame.as_ref().map(|f| f.reason.to_string());
                return Frame::Closed(frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Frame::Closed(None),
        }
    }
}
