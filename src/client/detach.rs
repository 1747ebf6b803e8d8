//! The detach key of `termgate attach`: **Ctrl-] twice** (within a
//! second). Ctrl-] is telnet's escape and no shell's business; asking for it
//! twice keeps a single Ctrl-] working for the programs that use it (vim's
//! "jump to tag"): a lone one is sent on with the next key, or after
//! [`LONE_KEY_WAIT`] when none follows.

use std::time::Duration;
use tokio::time::Instant;

/// Ctrl-] (GS).
pub const KEY: u8 = 0x1d;
/// How long a first Ctrl-] waits for the second before it is sent on.
pub const LONE_KEY_WAIT: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Detacher {
    /// A first Ctrl-] is held back since then.
    held: Option<Instant>,
}

/// What a chunk of keys comes to.
#[derive(Debug, PartialEq, Eq)]
pub struct Keys {
    /// To send to the tab (before the detach, if one came).
    pub send: Vec<u8>,
    pub detach: bool,
}

impl Detacher {
    pub fn feed(&mut self, keys: &[u8]) -> Keys {
        let mut send = Vec::with_capacity(keys.len());
        for &key in keys {
            let held = self.held.take().is_some();
            match (key, held) {
                (KEY, true) => return Keys { send, detach: true },
                (KEY, false) => self.held = Some(Instant::now()),
                (other, held) => {
                    if held {
                        send.push(KEY);
                    }
                    send.push(other);
                }
            }
        }
        Keys {
            send,
            detach: false,
        }
    }

    /// When a held Ctrl-] must be sent on by itself.
    pub fn deadline(&self) -> Option<Instant> {
        self.held.map(|at| at + LONE_KEY_WAIT)
    }

    /// The wait is over: the held Ctrl-] goes to the tab.
    pub fn expire(&mut self) -> Vec<u8> {
        match self.held.take() {
            Some(_) => vec![KEY],
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn twice_detaches_once_passes_through() {
        let mut keys = Detacher::default();
        assert_eq!(
            keys.feed(b"ls\x1d\x1dx"),
            Keys {
                send: b"ls".to_vec(),
                detach: true
            }
        );
        let mut keys = Detacher::default();
        assert_eq!(keys.feed(b"a\x1d").send, b"a");
        assert!(keys.deadline().is_some());
        assert_eq!(
            keys.feed(b"b").send,
            b"\x1db",
            "a lone one goes on with the next key"
        );
        assert_eq!(keys.feed(b"\x1d").send, b"");
        assert!(keys.feed(b"\x1d").detach, "split across reads");
        let mut keys = Detacher::default();
        keys.feed(b"\x1d");
        assert_eq!(keys.expire(), vec![KEY]);
        assert_eq!(keys.deadline(), None);
    }
}
