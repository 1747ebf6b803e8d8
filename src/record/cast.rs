//! The asciicast v3 encoder: a header line, then one `[interval, code, data]`
//! line per event (see docs.asciinema.org, "asciicast v3"): `"o"` output,
//! `"i"` input (only with `--record-input`, and then the header's `tags`
//! say `"input"`, so a reader knows before it reads a line), `"r"`, `"m"`,
//! `"x"`.
//!
//! Pure: it turns events with their times into lines and never touches a
//! file, so the recorder decides where the bytes go and tests check every
//! line. Output is decoded as UTF-8 *across* chunks: a character the PTY
//! split between two reads is carried to the next chunk, not replaced;
//! bytes that are not UTF-8 become U+FFFD (as `String::from_utf8_lossy`).
//! The size cap is enforced here, so a file can never outgrow it.

use serde_json::json;
use std::borrow::Cow;
use std::time::Duration;

/// The label of the marker that ends a recording cut at its size cap.
pub const TRUNCATED: &str = "truncated: the recording reached its size cap";

/// Room kept below the cap for the truncation marker itself.
const MARKER_ROOM: u64 = 96;

/// What the header says of the terminal and the recording.
pub struct Header<'a> {
    pub cols: u16,
    pub rows: u16,
    /// Unix time of the start, in seconds.
    pub timestamp: u64,
    pub title: &'a str,
    /// Input is recorded too: `"tags": ["input"]`.
    pub input: bool,
}

/// The header's tag of a recording that holds typed input.
pub const INPUT_TAG: &str = "input";

/// Encodes one recording's lines, keeping the time of the last event, the
/// UTF-8 bytes carried over and the bytes produced against the cap.
pub struct Encoder {
    /// When the last event happened, since the start.
    last: Duration,
    /// An incomplete UTF-8 sequence at the end of the last chunk (≤ 3 bytes).
    carry: Vec<u8>,
    /// The same for input, a stream of its own.
    input_carry: Vec<u8>,
    written: u64,
    cap: u64,
    truncated: bool,
}

impl Encoder {
    /// A new recording; `cap` bounds every byte it produces, header included.
    pub fn new(cap: u64) -> Self {
        Self {
            last: Duration::ZERO,
            carry: Vec::new(),
            input_carry: Vec::new(),
            written: 0,
            cap,
            truncated: false,
        }
    }

    /// The first line. Always written, whatever the cap.
    pub fn header(&mut self, header: &Header) -> Vec<u8> {
        let mut value = json!({
            "version": 3,
            "term": {"cols": header.cols, "rows": header.rows, "type": "xterm-256color"},
            "timestamp": header.timestamp,
            "title": header.title,
        });
        if header.input {
            value["tags"] = json!([INPUT_TAG]);
        }
        let mut line = value.to_string().into_bytes();
        line.push(b'\n');
        self.written += line.len() as u64;
        line
    }

    /// Output at `at` (since the start): an `"o"` line, or nothing while
    /// only part of a character has come.
    pub fn output(&mut self, at: Duration, bytes: &[u8], out: &mut Vec<u8>) {
        let text = decode(&mut self.carry, bytes);
        if !text.is_empty() {
            self.event(at, "o", &text, out);
        }
    }

    /// Typed input at `at`: an `"i"` line, decoded as output is (a paste
    /// split between two frames keeps its characters).
    pub fn input(&mut self, at: Duration, bytes: &[u8], out: &mut Vec<u8>) {
        let text = decode(&mut self.input_carry, bytes);
        if !text.is_empty() {
            self.event(at, "i", &text, out);
        }
    }

    /// The terminal was resized: `"r"` with `COLSxROWS`.
    pub fn resize(&mut self, at: Duration, (cols, rows): (u16, u16), out: &mut Vec<u8>) {
        self.flush_carry(at, out);
        self.event(at, "r", &format!("{cols}x{rows}"), out);
    }

    /// Output was lost (the recorder fell behind): a `"m"` marker saying
    /// how much; a character split across the gap cannot be rebuilt.
    pub fn gap(&mut self, at: Duration, lost: u64, out: &mut Vec<u8>) {
        self.flush_carry(at, out);
        let label = format!("gap: {lost} bytes of output not recorded (the recorder fell behind)");
        self.event(at, "m", &label, out);
    }

    /// The shell ended: `"x"` with its exit status (the last line).
    pub fn exit(&mut self, at: Duration, status: i32, out: &mut Vec<u8>) {
        self.flush_carry(at, out);
        self.flush_input_carry(at, out);
        self.event(at, "x", &status.to_string(), out);
    }

    /// The end without an exit (recording turned off, tab closed): what is
    /// still carried, as U+FFFD.
    pub fn finish(&mut self, at: Duration, out: &mut Vec<u8>) {
        self.flush_carry(at, out);
        self.flush_input_carry(at, out);
    }

    /// The cap was reached: nothing more is written.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Bytes produced so far (the file's size).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// A carried partial character that will never be completed (output's
    /// before a resize, a gap or the end; input's only at the end).
    fn flush_carry(&mut self, at: Duration, out: &mut Vec<u8>) {
        if !self.carry.is_empty() {
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
            self.event(at, "o", &text, out);
        }
    }

    fn flush_input_carry(&mut self, at: Duration, out: &mut Vec<u8>) {
        if !self.input_carry.is_empty() {
            let carried = std::mem::take(&mut self.input_carry);
            let text = String::from_utf8_lossy(&carried).into_owned();
            self.event(at, "i", &text, out);
        }
    }

    /// One event line, unless it would cross the cap: then the truncation
    /// marker instead, once, and nothing after it. Written straight into
    /// `out` (no copy of the data), and taken back if it does not fit.
    fn event(&mut self, at: Duration, code: &str, data: &str, out: &mut Vec<u8>) {
        if self.truncated {
            return;
        }
        let start = out.len();
        self.write_line(at, code, data, out);
        let len = (out.len() - start) as u64;
        if self.written + len + MARKER_ROOM <= self.cap {
            self.written += len;
            self.last = at.max(self.last);
            return;
        }
        out.truncate(start);
        // Output is cut to what still fits, so the file ends near the cap
        // however large the last chunk was.
        if code == "o"
            && let Some(part) = self.longest_fitting(at, data)
        {
            self.written += part.len() as u64;
            self.last = at.max(self.last);
            out.extend_from_slice(&part);
        }
        let marker = self.line(at, "m", TRUNCATED);
        self.written += marker.len() as u64;
        out.extend_from_slice(&marker);
        self.truncated = true;
    }

    /// The `"o"` line of the longest prefix of `data` (whole characters)
    /// that fits below the cap with room for the marker.
    fn longest_fitting(&self, at: Duration, data: &str) -> Option<Vec<u8>> {
        let room = self.cap.saturating_sub(self.written + MARKER_ROOM);
        let fits = |end: usize| self.line(at, "o", &data[..end]).len() as u64 <= room;
        let bounds: Vec<usize> = data.char_indices().map(|(i, _)| i).skip(1).collect();
        // Binary search over the character boundaries: the escaped length
        // grows with the prefix.
        let (mut low, mut high) = (0, bounds.len());
        while low < high {
            let mid = (low + high).div_ceil(2);
            if fits(bounds[mid - 1]) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        (low > 0).then(|| self.line(at, "o", &data[..bounds[low - 1]]))
    }

    fn line(&self, at: Duration, code: &str, data: &str) -> Vec<u8> {
        let mut line = Vec::with_capacity(data.len() + 32);
        self.write_line(at, code, data, &mut line);
        line
    }

    fn write_line(&self, at: Duration, code: &str, data: &str, out: &mut Vec<u8>) {
        use std::io::Write;
        // Intervals never go negative, even if events arrive out of order.
        let interval = at.saturating_sub(self.last).as_secs_f64();
        // Writing into a Vec cannot fail.
        let _ = write!(out, "[{interval:.6}, \"{code}\", ");
        let _ = serde_json::to_writer(&mut *out, data);
        out.extend_from_slice(b"]\n");
    }
}

/// Decodes `bytes` after what `carry` holds, keeping a trailing partial
/// character in `carry` for the next chunk.
fn decode<'a>(carry: &mut Vec<u8>, bytes: &'a [u8]) -> Cow<'a, str> {
    // The common case, whole characters only: no copy.
    if carry.is_empty()
        && let Ok(valid) = std::str::from_utf8(bytes)
    {
        return Cow::Borrowed(valid);
    }
    let joined;
    let mut rest: &[u8] = if carry.is_empty() {
        bytes
    } else {
        carry.extend_from_slice(bytes);
        joined = std::mem::take(carry);
        &joined
    };
    let mut text = String::with_capacity(rest.len());
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return Cow::Owned(text);
            }
            Err(err) => {
                let (valid, after) = rest.split_at(err.valid_up_to());
                // Checked by from_utf8 just now.
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match err.error_len() {
                    Some(bad) => {
                        text.push(char::REPLACEMENT_CHARACTER);
                        rest = &after[bad..];
                    }
                    // A sequence cut short by the chunk's end.
                    None => {
                        *carry = after.to_vec();
                        return Cow::Owned(text);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "cast_tests.rs"]
mod tests;
