//! The text pasted by the input section, and how each run reads it.
//!
//! The paste must reach the shell byte for byte, so it holds no character
//! the tty interprets (no ^C, ^D, ^S, ^V, ^W, DEL, CR...): only the base64
//! alphabet, with a newline every 100 bytes because canonical mode keeps at
//! most 4095 bytes of an unfinished line and would drop (or beep at) more.

/// Bytes per line, newline included.
const LINE: usize = 100;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `len` bytes of pseudo-random base64 text in lines of [`LINE`] bytes,
/// ending with a newline so that the Ctrl-D after it is at a line start
/// (only there does it mean end of file to the reader).
pub fn text(len: usize) -> Vec<u8> {
    // xorshift64: fixed seed, so every run pastes the same bytes.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        if i % LINE == LINE - 1 || i + 1 == len {
            out.push(b'\n');
            continue;
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push(ALPHABET[(state >> 58) as usize]);
    }
    out
}

/// One way of pasting: the frame size and whether the tty echoes.
#[derive(Clone, Copy)]
pub struct Variant {
    /// Bytes per WebSocket frame (per `write_all` on the bare PTY): 64 KiB is
    /// what the web UI sends for a paste, 1 KiB what a terminal client such as `termgate attach` sends
    /// (a read of its terminal).
    pub frame: usize,
    /// Off: `wc -c` swallows the paste and its count proves nothing was
    /// lost. On: plain `cat`, so the tty echoes every line and `cat` prints it
    /// again; output (about twice the paste) flows while input is still going.
    pub echo: bool,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant {
            frame: 64 << 10,
            echo: false,
        },
        Variant {
            frame: 1 << 10,
            echo: false,
        },
        Variant {
            frame: 64 << 10,
            echo: true,
        },
        Variant {
            frame: 1 << 10,
            echo: true,
        },
    ];

    /// `input (64 MiB paste, 64 KiB frames, echo off)`.
    pub fn label(&self, len: usize) -> String {
        format!(
            "input ({} MiB paste, {} KiB frames, echo {})",
            len >> 20,
            self.frame >> 10,
            if self.echo { "on" } else { "off" }
        )
    }

    /// The command typed before the paste. `IN_''READY` is quoted so that the
    /// tty's echo of this line never matches the marker, only `echo`'s output.
    pub fn setup(&self) -> &'static str {
        if self.echo {
            "stty echo; echo IN_''READY; cat\n"
        } else {
            "stty -echo; echo IN_''READY; wc -c\n"
        }
    }
}

/// Ctrl-D at a line start ends the reader (`cat`, `wc`); the shell then
/// reads the next line, whose output marks the end exactly.
pub const FINISH: [&[u8]; 2] = [b"\x04", b"echo IN_''DONE\n"];

/// The count `wc -c` printed: the last number before the marker (the prompt
/// and the CRs around it are skipped).
pub fn counted(output: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(output);
    let before = &text[..text.rfind("IN_DONE")?];
    before
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .next_back()
}
