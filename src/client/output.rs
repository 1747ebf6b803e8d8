//! Where a tab's bytes go locally: standard output, written on tokio's
//! blocking pool so a slow reader of our stdout never holds up the
//! deadline or the signal handling racing it.

use tokio::io::AsyncWriteExt;

pub struct Output {
    stdout: tokio::io::Stdout,
    /// Turn the PTY's `\r\n` into `\n` (stdout is a file or pipe, not a terminal).
    plain: Option<Crlf>,
}

impl Output {
    /// `plain`: stdout is not a terminal, so line ends become `\n`.
    pub fn new(plain: bool) -> Self {
        Self {
            stdout: tokio::io::stdout(),
            plain: plain.then(Crlf::default),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.plain {
            Some(crlf) => {
                let text = crlf.translate(bytes);
                self.stdout.write_all(&text).await?;
            }
            None => self.stdout.write_all(bytes).await?,
        }
        self.stdout.flush().await
    }

    /// Writes a `\r` still held back (the output ended after it).
    pub async fn finish(&mut self) -> std::io::Result<()> {
        if let Some(crlf) = &mut self.plain
            && std::mem::take(&mut crlf.held)
        {
            self.stdout.write_all(b"\r").await?;
        }
        self.stdout.flush().await
    }
}

/// The PTY writes every `\n` as `\r\n` (ONLCR); into a file that is a stray
/// `\r` on every line. A lone `\r` (a progress bar) is kept.
#[derive(Default)]
pub struct Crlf {
    /// The last chunk ended with a `\r` whose next byte is not known yet.
    held: bool,
}

impl Crlf {
    pub fn translate(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for &byte in bytes {
            if std::mem::take(&mut self.held) && byte != b'\n' {
                out.push(b'\r');
            }
            match byte {
                b'\r' => self.held = true,
                _ => out.push(byte),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Crlf;

    #[test]
    fn crlf_becomes_lf_across_chunks_and_a_lone_cr_stays() {
        let mut crlf = Crlf::default();
        let mut out = crlf.translate(b"hi\r\nthere\r");
        out.extend(crlf.translate(b"\n50%\r60%\r\r\n"));
        assert_eq!(out, b"hi\nthere\n50%\r60%\r\n");
    }
}
