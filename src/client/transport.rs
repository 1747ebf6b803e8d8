//! One connection to the server: TCP (host names resolved), then TLS for
//! `https://`: rustls with the ring provider and the platform's root
//! certificates (rustls-native-certs: the system store, or `SSL_CERT_FILE`
//! / `SSL_CERT_DIR` when set), so a tunnel's or a proxy's real certificate
//! is checked like a browser checks it. Both REST and the WebSocket run over
//! what [`connect`] returns.

use super::error::ClientError;
use super::target::Target;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;

/// A connection, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
pub type Stream = Box<dyn Io>;

/// Connecting (the name lookup, TCP and TLS) must not hang a script.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

pub async fn connect(target: &Target) -> Result<Stream, ClientError> {
    let failed = |detail: String| ClientError::Connect {
        target: target.url(),
        detail,
    };
    let work = async {
        let tcp = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| failed(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        if !target.tls {
            return Ok(Box::new(tcp) as Stream);
        }
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| failed(format!("not a valid TLS server name: {e}")))?;
        let tls = TlsConnector::from(tls_config().map_err(failed)?)
            .connect(name, tcp)
            .await
            .map_err(|e| failed(format!("TLS: {e}")))?;
        Ok(Box::new(tls) as Stream)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, work)
        .await
        .map_err(|_| failed(format!("no connection within {CONNECT_TIMEOUT:?}")))?
}

/// The TLS settings, built once: loading the system store reads files.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG.get_or_init(build_tls_config).clone()
}

fn build_tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(format!(
            "no trusted root certificates found{why}; install ca-certificates or set SSL_CERT_FILE"
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // HTTP/1.1 only: the WebSocket upgrade needs it, and proxies and
    // tunnels that speak h2 would otherwise pick it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
