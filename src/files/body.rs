//! Streaming response bodies fed from the blocking pool.
//!
//! A blocking task reads (or compresses) and sends chunks into a bounded
//! channel; the response body is that channel. The bound is the memory a
//! download can take, however large the file; a slow client slows the reader
//! instead of filling memory, and a client that goes away closes the channel,
//! which stops the reader.

use crate::http::response::Body;
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::io::{self, Write};
use tokio::sync::mpsc;

/// Bytes per chunk sent to the client.
pub const CHUNK: usize = 256 * 1024;
/// Chunks in flight per body: memory per download is at most this times [`CHUNK`].
pub const DEPTH: usize = 4;

pub type Sender = mpsc::Sender<io::Result<Bytes>>;

/// A body and the sender that feeds it. Sending `Err` aborts the response
/// (the client sees a cut connection, never a short file that looks whole).
pub fn channel() -> (Sender, Body) {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(DEPTH);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let item = rx.recv().await?;
        Some((item.map(Frame::data), rx))
    });
    (tx, StreamBody::new(stream).boxed())
}

/// A `Write` that sends full chunks down a body channel, from a blocking task.
pub struct ChannelWriter {
    tx: Sender,
    buf: Vec<u8>,
}

impl ChannelWriter {
    pub fn new(tx: Sender) -> Self {
        Self {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    /// Aborts the response with `err`.
    pub fn fail(&self, err: io::Error) {
        let _ = self.tx.blocking_send(Err(err));
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_arrive_whole_and_in_order() {
        let (tx, body) = channel();
        let expected: Vec<u8> = (0..3 * CHUNK + 123).map(|i| (i % 251) as u8).collect();
        let data = expected.clone();
        let writer = tokio::task::spawn_blocking(move || {
            let mut w = ChannelWriter::new(tx);
            for piece in data.chunks(1000) {
                w.write_all(piece).unwrap();
            }
            w.flush().unwrap();
        });
        let collected = body.collect().await.unwrap().to_bytes();
        writer.await.unwrap();
        assert!(collected == expected);
    }

    #[tokio::test]
    async fn an_error_cuts_the_body() {
        let (tx, body) = channel();
        let writer = tokio::task::spawn_blocking(move || {
            let mut w = ChannelWriter::new(tx);
            w.write_all(&[1; CHUNK]).unwrap();
            w.fail(io::Error::other("stop"));
        });
        let collected = body.collect().await;
        writer.await.unwrap();
        assert!(collected.is_err(), "an aborted body must not look complete");
    }
}
