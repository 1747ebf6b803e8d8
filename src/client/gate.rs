//! Whether what the local terminal "types" during `attach` is input yet.
//! While the tab's screen is rebuilt (until `live`), the local terminal may
//! be answering queries in what it is shown: its replies are not the
//! shell's business and are dropped, never sent. Even after `live` the
//! terminal may still be parsing; it answers in order, so once it has
//! answered a status query written after the rebuild, what follows is
//! input again. (Moved here from the old `examples/attach`.)

use std::io::Write;
use std::time::Duration;
use tokio::time::Instant;

/// Device status report: every VT100-like terminal answers `ESC [ 0 n`.
pub const STATUS_QUERY: &[u8] = b"\x1b[5n";
const STATUS_OK: &[u8] = b"\x1b[0n";
/// How long to wait for that answer before taking input anyway.
const STATUS_WAIT: Duration = Duration::from_secs(1);

pub enum Gate {
    Rebuilding,
    /// The status query is written; `tail` holds the last bytes read, in
    /// case its answer comes split.
    Answering {
        until: Instant,
        tail: Vec<u8>,
    },
    Open,
}

impl Gate {
    /// The rebuild is written: ask the terminal for its status.
    pub fn after_rebuild(stdout: &mut impl Write) -> std::io::Result<Self> {
        stdout.write_all(STATUS_QUERY)?;
        stdout.flush()?;
        Ok(Self::Answering {
            until: Instant::now() + STATUS_WAIT,
            tail: Vec::new(),
        })
    }

    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Self::Answering { until, .. } => Some(*until),
            _ => None,
        }
    }

    /// What of `key` is input: nothing before the terminal's status answer,
    /// what follows it, everything once open.
    pub fn pass(&mut self, key: Vec<u8>) -> Vec<u8> {
        match self {
            Self::Open => key,
            Self::Rebuilding => Vec::new(),
            Self::Answering { tail, .. } => {
                let kept = tail.len();
                tail.extend_from_slice(&key);
                let Some(at) = tail.windows(STATUS_OK.len()).position(|w| w == STATUS_OK) else {
                    let keep = tail.len().min(STATUS_OK.len() - 1);
                    tail.drain(..tail.len() - keep);
                    return Vec::new();
                };
                let after = (at + STATUS_OK.len()).max(kept) - kept;
                *self = Self::Open;
                key[after..].to_vec()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_before_the_status_answer_are_dropped() {
        let mut gate = Gate::Rebuilding;
        assert!(gate.pass(b"\x1b[?1;2c".to_vec()).is_empty());
        let mut gate = Gate::after_rebuild(&mut Vec::new()).unwrap();
        assert!(gate.pass(b"\x1b[?1;2c\x1b[0".to_vec()).is_empty());
        assert_eq!(
            gate.pass(b"nls\r".to_vec()),
            b"ls\r",
            "the answer came split"
        );
        assert_eq!(gate.pass(b"x".to_vec()), b"x");
    }
}
