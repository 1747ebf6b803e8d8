//! REST calls as a script makes them: `Authorization: Bearer tg_…`, the
//! server's `Host`, no `Origin` and no cookie (docs/PROTOCOL.md, "API
//! tokens"); or, for `termgate tokens`, as the owner's page does: the
//! session cookie with its proof and the server's own `Origin`. One HTTP/1.1
//! connection per call: a CLI makes a handful.

use super::error::ClientError;
use super::target::Target;
use super::transport;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::time::Duration;

/// A whole call (connect, request, answer) must end within this.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The biggest answer read (a tab list is a few KiB).
const MAX_ANSWER: usize = 4 << 20;

/// The server and what every call carries.
#[derive(Clone)]
pub struct Api {
    pub target: Target,
    credential: Credential,
}

#[derive(Clone)]
enum Credential {
    /// Nothing yet: the owner's login call.
    Anonymous,
    Bearer(String),
    /// The owner's session cookie (`name=value`) and its proof.
    Owner {
        cookie: String,
        proof: String,
    },
}

/// A whole answer, for the calls that need more than its JSON.
pub struct Answer {
    pub status: u16,
    pub set_cookies: Vec<String>,
    pub value: Value,
}

impl std::fmt::Debug for Api {
    // Never the token: an error or a log line might print this.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("target", &self.target).finish()
    }
}

impl Api {
    pub fn new(target: Target, token: String) -> Self {
        Self {
            target,
            credential: Credential::Bearer(token),
        }
    }

    pub fn anonymous(target: Target) -> Self {
        Self {
            target,
            credential: Credential::Anonymous,
        }
    }

    pub fn owner(target: Target, cookie: String, proof: String) -> Self {
        Self {
            target,
            credential: Credential::Owner { cookie, proof },
        }
    }

    /// `Bearer tg_…`, for the WebSocket handshake too (empty without a token).
    pub fn authorization(&self) -> String {
        match &self.credential {
            Credential::Bearer(token) => format!("Bearer {token}"),
            _ => String::new(),
        }
    }

    pub async fn get(&self, rest: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, rest, None).await
    }

    pub async fn post(&self, rest: &str, body: &Value) -> Result<Value, ClientError> {
        self.call(Method::POST, rest, Some(body)).await
    }

    pub async fn delete(&self, rest: &str) -> Result<Value, ClientError> {
        self.call(Method::DELETE, rest, None).await
    }

    /// One call; a 2xx answer's JSON (`null` when empty), else [`ClientError::Api`].
    pub async fn call(
        &self,
        method: Method,
        rest: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let answer = self.answer(method, rest, body).await?;
        if (200..300).contains(&answer.status) {
            return Ok(answer.value);
        }
        let text = |key: &str| answer.value[key].as_str().unwrap_or_default().to_string();
        Err(ClientError::Api {
            status: answer.status,
            code: text("code"),
            message: text("message"),
        })
    }

    /// One call, whatever its status, with its cookies.
    pub async fn answer(
        &self,
        method: Method,
        rest: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        let work = self.exchange(method, rest, body);
        tokio::time::timeout(CALL_TIMEOUT, work)
            .await
            .map_err(|_| ClientError::Http(format!("no answer within {CALL_TIMEOUT:?}")))?
    }

    async fn exchange(
        &self,
        method: Method,
        rest: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        let stream = transport::connect(&self.target).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(ClientError::http)?;
        let driver = tokio::spawn(connection);
        let mut request = Request::builder()
            .method(method)
            .uri(self.target.path(rest))
            .header(hyper::header::HOST, self.target.authority());
        request = match &self.credential {
            Credential::Bearer(_) => {
                request.header(hyper::header::AUTHORIZATION, self.authorization())
            }
            // The owner's calls are the page's: its Origin, its cookie and proof.
            Credential::Anonymous => request.header(hyper::header::ORIGIN, self.target.origin()),
            Credential::Owner { cookie, proof } => request
                .header(hyper::header::ORIGIN, self.target.origin())
                .header(hyper::header::COOKIE, cookie)
                .header("x-termgate-proof", proof),
        };
        let payload = match body {
            Some(body) => {
                request = request.header(hyper::header::CONTENT_TYPE, "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(payload))
            .map_err(ClientError::http)?;
        let answer = sender
            .send_request(request)
            .await
            .map_err(ClientError::http);
        let answer = answer?;
        let status = answer.status();
        let set_cookies = answer
            .headers()
            .get_all(hyper::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let limited = http_body_util::Limited::new(answer.into_body(), MAX_ANSWER);
        let bytes = limited
            .collect()
            .await
            .map_err(ClientError::http)?
            .to_bytes();
        driver.abort();
        let value: Value = match bytes.is_empty() {
            true => Value::Null,
            false => serde_json::from_slice(&bytes).map_err(|_| {
                ClientError::Http(format!(
                    "{status}: the answer is not JSON (is this URL a termgate?)"
                ))
            })?,
        };
        Ok(Answer {
            status: status.as_u16(),
            set_cookies,
            value,
        })
    }
}
