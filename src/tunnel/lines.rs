//! Reading a tunnel client's output pipes as lines of text, whatever the
//! client writes.
//!
//! The client's output is only ever bytes: a stray invalid UTF-8 sequence
//! must not end the reading (it did with `BufReader::lines`), and a line
//! with no end must not grow without bound. Above all the pipes are read
//! until the client closes them: a Go client (both zrok and cloudflared are)
//! dies of SIGPIPE when it writes to stdout or stderr after the reader went
//! away, or blocks forever once a pipe nobody reads is full.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

/// The longest line kept, in bytes; the rest of a longer line is read and dropped.
pub const MAX_LINE: usize = 16 * 1024;

/// Forwards `stream`'s lines (lossily decoded, at most [`MAX_LINE`] bytes
/// each, without the line ending) to `tx`, and keeps reading to the end of
/// the stream even after the receiver is gone.
pub async fn forward(stream: impl AsyncRead + Unpin, tx: mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::with_capacity(256);
    let mut tx = Some(tx);
    loop {
        let buf = match reader.fill_buf().await {
            Ok([]) => break,
            Ok(buf) => buf,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            // A pipe that cannot be read cannot be drained either.
            Err(_) => break,
        };
        let (chunk, ended, used) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => (&buf[..at], true, at + 1),
            None => (buf, false, buf.len()),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume(used);
        if ended {
            send(&mut tx, &mut line).await;
        }
    }
    if !line.is_empty() {
        send(&mut tx, &mut line).await;
    }
}

/// Sends one line and empties the buffer; forgets a receiver that is gone.
async fn send(tx: &mut Option<mpsc::Sender<String>>, line: &mut Vec<u8>) {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if let Some(sender) = tx {
        let text = String::from_utf8_lossy(line).into_owned();
        if sender.send(text).await.is_err() {
            *tx = None;
        }
    }
    line.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(bytes: &[u8]) -> Vec<String> {
        // Room for every line, so forwarding finishes before anything is received.
        let (tx, mut rx) = mpsc::channel(16);
        forward(bytes, tx).await;
        let mut lines = Vec::new();
        while let Some(line) = rx.recv().await {
            lines.push(line);
        }
        lines
    }

    #[tokio::test]
    async fn invalid_utf8_is_replaced_not_fatal() {
        let lines = lines_of(b"bad \xff\xfe bytes\r\nnext line\nno newline at the end").await;
        assert_eq!(
            lines,
            [
                "bad \u{fffd}\u{fffd} bytes",
                "next line",
                "no newline at the end"
            ]
        );
    }

    #[tokio::test]
    async fn a_very_long_line_is_cut_and_the_next_one_still_read() {
        let mut bytes = vec![b'x'; 1024 * 1024];
        bytes.extend_from_slice(b"\nafter\n");
        let lines = lines_of(&bytes).await;
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], "after");
    }

    #[tokio::test]
    async fn reading_goes_on_after_the_receiver_is_gone() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let (mut writer, reader) = tokio::io::duplex(64);
        let task = tokio::spawn(forward(reader, tx));
        // Far more than the duplex buffer: this only finishes if someone reads.
        use tokio::io::AsyncWriteExt;
        for _ in 0..1000 {
            writer.write_all(b"a line nobody wants\n").await.unwrap();
        }
        drop(writer);
        task.await.unwrap();
    }
}
