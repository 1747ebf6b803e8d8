//! The markers `termgate exec --tab` brackets a typed command with, and
//! the reader that finds them in the tab's output.
//!
//! The line typed into the shell is
//! ` printf '%s%s\n' P1 P2s; CMD; printf '\n%s%s %d\n' P1 P2e "$?"`, where
//! `P1`/`P2` are the two halves of a random nonce. The shell prints
//! `P1P2s` before the command runs and `P1P2e STATUS` after it; the echo
//! of the typed line holds the halves apart (`P1' 'P2s`), so only what the
//! shell printed matches, never the echo, nor anything an earlier run or
//! another program left in the tab (the nonce is new each time). What lies
//! between the start line and the end line is the command's output, less
//! the one line end the second `printf` adds in case the output did not
//! end with one.

/// Both markers share this prefix, so a person reading the tab sees whose they are.
const PREFIX: &str = "tg";

pub struct Sentinel {
    first: String,
    second: String,
}

impl Sentinel {
    /// A fresh nonce (96 bits: a match by chance is not a concern).
    pub fn new() -> Self {
        let hex: String = crate::random::bytes::<12>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (a, b) = hex.split_at(hex.len() / 2);
        Self {
            first: format!("{PREFIX}{a}"),
            second: b.to_string(),
        }
    }

    /// The line to type (without the Enter). It starts with a space, which
    /// keeps it out of the history of a shell told to ignore such lines.
    pub fn line(&self, command: &[String]) -> String {
        let command: Vec<String> = command.iter().map(|arg| quote(arg)).collect();
        format!(
            " printf '%s%s\\n' {a} {b}s; {cmd}; printf '\\n%s%s %d\\n' {a} {b}e \"$?\"",
            a = self.first,
            b = self.second,
            cmd = command.join(" ")
        )
    }

    pub fn reader(&self) -> Reader {
        Reader {
            start: format!("{}{}s", self.first, self.second).into_bytes(),
            end: format!("\n{}{}e ", self.first, self.second).into_bytes(),
            state: State::Seeking,
            pending: Vec::new(),
            emitted: 0,
            skip: 0,
        }
    }
}

/// `arg` as one word of a POSIX shell: as it is when it is made only of
/// characters no shell treats specially, else in single quotes. (`=` and
/// `%` are not plain: `A=b` first is an assignment, `%1` a job.)
pub fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,+@".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

enum State {
    /// Before the start line (the echo, a replay, anything else).
    Seeking,
    /// Past the start line's marker, up to its line end.
    StartLine,
    /// The command's output.
    Output,
    /// Past the end marker, reading the status up to the line end.
    Status,
    Done(i32),
}

/// Reads the tab's output in chunks as they come and says what of it is
/// the command's output, holding back only what may yet turn out to be the
/// end marker.
pub struct Reader {
    start: Vec<u8>,
    end: Vec<u8>,
    state: State,
    pending: Vec<u8>,
    /// Output bytes handed out so far, and how many of a replayed run to
    /// skip again (see [`Reader::restart`]).
    emitted: usize,
    skip: usize,
}

impl Reader {
    /// The command's output in `chunk` (possibly none yet).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        loop {
            match self.state {
                State::Seeking => match find(&self.pending, &self.start) {
                    Some(at) => {
                        self.pending.drain(..at + self.start.len());
                        self.state = State::StartLine;
                    }
                    None => {
                        keep_tail(&mut self.pending, self.start.len() - 1);
                        return out;
                    }
                },
                State::StartLine => match self.pending.iter().position(|&b| b == b'\n') {
                    Some(at) => {
                        self.pending.drain(..=at);
                        self.state = State::Output;
                    }
                    None => return out,
                },
                State::Output => match find(&self.pending, &self.end) {
                    Some(at) => {
                        let mut before: Vec<u8> =
                            self.pending.drain(..at + self.end.len()).collect();
                        before.truncate(at);
                        // The PTY turned the added `\n` into `\r\n` (ONLCR).
                        if before.last() == Some(&b'\r') {
                            before.pop();
                        }
                        self.hand_out(&before, &mut out);
                        self.state = State::Status;
                    }
                    None => {
                        // A `\r` right before the marker must not go out yet.
                        let keep = self.end.len().min(self.pending.len());
                        let ready: Vec<u8> =
                            self.pending.drain(..self.pending.len() - keep).collect();
                        self.hand_out(&ready, &mut out);
                        return out;
                    }
                },
                State::Status => match self.pending.iter().position(|&b| b == b'\n') {
                    Some(at) => {
                        let line = String::from_utf8_lossy(&self.pending[..at]);
                        // A status the shell printed is 0..=255; anything else is not ours.
                        let status = line.trim().parse::<i32>().unwrap_or(1);
                        self.state = State::Done(status);
                        self.pending.clear();
                        return out;
                    }
                    None => return out,
                },
                State::Done(_) => return out,
            }
        }
    }

    /// The command's exit status, once the end line is read.
    pub fn status(&self) -> Option<i32> {
        match self.state {
            State::Done(status) => Some(status),
            _ => None,
        }
    }

    /// The server is replaying the tab from its scrollback's start (a
    /// resync): look for the start line again and skip what was already
    /// handed out.
    pub fn restart(&mut self) {
        if !matches!(self.state, State::Done(_)) {
            self.state = State::Seeking;
            self.pending.clear();
            self.skip = self.emitted;
            self.emitted = 0;
        }
    }

    fn hand_out(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        // The whole run counts, skipped or not, so a second resync skips it all again.
        self.emitted += bytes.len();
        out.extend_from_slice(&bytes[skipped..]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Keeps the last `n` bytes (a marker may have begun in them).
fn keep_tail(bytes: &mut Vec<u8>, n: usize) {
    let cut = bytes.len().saturating_sub(n);
    bytes.drain(..cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a shell at a prompt prints for `line`: the echo, the start
    /// line, `output` (with ONLCR) and the end line, then the next prompt.
    fn shell_prints(s: &Sentinel, line: &str, output: &str, status: i32) -> Vec<u8> {
        let crlf = |t: &str| t.replace('\n', "\r\n");
        format!(
            "$ {line}\r\n\x1b[?2004l\r{a}{b}s\r\n{out}\r\n{a}{b}e {status}\r\n\x1b[?2004h$ ",
            a = s.first,
            b = s.second,
            out = crlf(output),
        )
        .into_bytes()
    }

    fn read_all(reader: &mut Reader, bytes: &[u8], chunk: usize) -> Vec<u8> {
        bytes.chunks(chunk).flat_map(|c| reader.feed(c)).collect()
    }

    #[test]
    fn the_output_between_the_markers_comes_out_in_any_chunking() {
        let s = Sentinel::new();
        let line = s.line(&["sh".into(), "-c".into(), "echo hi; exit 7".into()]);
        for (output, expected) in [("hi\n", "hi\r\n"), ("no newline", "no newline"), ("", "")] {
            let printed = shell_prints(&s, &line, output, 7);
            for chunk in [1, 2, 3, 7, 64, printed.len()] {
                let mut reader = s.reader();
                let out = read_all(&mut reader, &printed, chunk);
                assert_eq!(String::from_utf8_lossy(&out), expected, "chunks of {chunk}");
                assert_eq!(reader.status(), Some(7));
            }
        }
    }

    #[test]
    fn the_echo_and_another_runs_markers_never_match() {
        let s = Sentinel::new();
        let line = s.line(&["true".into()]);
        let mut reader = s.reader();
        assert!(reader.feed(format!("$ {line}\r\n").as_bytes()).is_empty());
        let other = Sentinel::new();
        let theirs = shell_prints(&other, &other.line(&["x".into()]), "not ours\n", 3);
        assert!(reader.feed(&theirs).is_empty());
        assert_eq!(reader.status(), None);
    }

    #[test]
    fn a_replay_after_a_resync_is_not_handed_out_twice() {
        let s = Sentinel::new();
        let printed = shell_prints(&s, &s.line(&["seq".into(), "3".into()]), "1\n2\n3\n", 0);
        let cut = printed.len() - 30;
        let mut reader = s.reader();
        let mut out = reader.feed(&printed[..cut]);
        reader.restart();
        out.extend(reader.feed(&printed));
        assert_eq!(String::from_utf8_lossy(&out), "1\r\n2\r\n3\r\n");
        assert_eq!(reader.status(), Some(0));
    }

    #[test]
    fn words_are_quoted_for_a_posix_shell() {
        assert_eq!(quote("make"), "make");
        assert_eq!(quote("a;b"), "'a;b'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(quote("A=b"), "'A=b'");
    }
}
