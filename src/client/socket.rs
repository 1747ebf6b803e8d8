//! The terminal WebSocket, opened as a script opens it: the bearer token in
//! the handshake's `Authorization` header (never in the URL, which proxies
//! log), no `Origin`, over the same plain or TLS connection as REST.

use super::error::ClientError;
use super::http::Api;
use super::transport::{self, Stream};
use crate::term::protocol::{ServerMessage, close};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub type Socket = WebSocketStream<Stream>;

/// How the tab's past output comes before the live stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The screen as a snapshot, for a terminal that shows it (`attach`).
    Screen,
    /// The bytes as the program wrote them (`exec`, whose stdout may be a file).
    Raw,
}

/// Opens tab `id`'s socket, at `size` when given (the server sizes the PTY
/// before it draws the screen); without one the tab keeps its size.
pub async fn open(
    api: &Api,
    id: &str,
    size: Option<(u16, u16)>,
    replay: Replay,
) -> Result<Socket, ClientError> {
    let mut query = Vec::new();
    if let Some((cols, rows)) = size {
        query.push(format!("cols={cols}&rows={rows}"));
    }
    if replay == Replay::Raw {
        query.push("replay=raw".into());
    }
    let mut rest = format!("api/terminals/{id}/ws");
    if !query.is_empty() {
        rest = format!("{rest}?{}", query.join("&"));
    }
    let mut request = api
        .target
        .ws_url(&rest)
        .into_client_request()
        .map_err(ClientError::socket)?;
    let authorization =
        HeaderValue::from_str(&api.authorization()).map_err(|_| ClientError::NotLoggedIn)?;
    request
        .headers_mut()
        .insert(hyper::header::AUTHORIZATION.as_str(), authorization);
    let stream = transport::connect(&api.target).await?;
    let work = tokio_tungstenite::client_async(request, stream);
    let (socket, _) = tokio::time::timeout(std::time::Duration::from_secs(15), work)
        .await
        .map_err(|_| ClientError::Socket("no handshake within 15 s".into()))?
        .map_err(|err| match err {
            tokio_tungstenite::tungstenite::Error::Http(answer) => {
                let body = answer
                    .body()
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                    .unwrap_or_default();
                ClientError::Api {
                    status: answer.status().as_u16(),
                    code: body["code"].as_str().unwrap_or_default().to_string(),
                    message: body["message"].as_str().unwrap_or_default().to_string(),
                }
            }
            other => ClientError::socket(other),
        })?;
    Ok(socket)
}

/// A text frame as the server's message; `None` for one this client does
/// not know (a newer server may send more).
pub fn message(text: &str) -> Option<ServerMessage> {
    serde_json::from_str(text).ok()
}

/// Why the server closed, in words, for a close that is not the shell's exit.
pub fn closed_because(frame: Option<&CloseFrame>) -> String {
    let Some(frame) = frame else {
        return "the server closed the connection".into();
    };
    let code = u16::from(frame.code);
    let why = match code {
        close::SESSION_ENDED => "the token was revoked or expired",
        close::NOT_FOUND => "the tab is gone",
        close::GOING_AWAY => "the server is shutting down",
        close::TIMEOUT => "the connection went silent",
        _ => "the server closed the connection",
    };
    match frame.reason.is_empty() {
        true => format!("{why} ({code})"),
        false => format!("{why} ({code}: {})", frame.reason),
    }
}
