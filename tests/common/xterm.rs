//! What a real terminal (xterm) answers to the queries a program writes, for
//! the tests whose viewers act as terminals: a query replayed to a viewer
//! would come back as typed input, as it does from a browser or a local
//! terminal.

/// xterm's answers to the queries in `bytes`, for a cursor at `(row, col)`
/// (0-based, as `Screen::cursor` gives it).
pub fn answers(bytes: &[u8], (row, col, _): (usize, usize, bool)) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(b"\x1b[c") || has(b"\x1b[0c") {
        out.push(b"\x1b[?1;2c".to_vec());
    }
    if has(b"\x1b[>c") || has(b"\x1b[>0c") {
        out.push(b"\x1b[>0;276;0c".to_vec());
    }
    if has(b"\x1b[5n") {
        out.push(b"\x1b[0n".to_vec());
    }
    if has(b"\x1b[6n") {
        out.push(format!("\x1b[{};{}R", row + 1, col + 1).into_bytes());
    }
    if has(b"\x1b]11;?") {
        out.push(b"\x1b]11;rgb:0000/0000/0000\x1b\\".to_vec());
    }
    out
}
