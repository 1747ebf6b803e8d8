//! The screen model of one tab: a [`Screen`] kept in step with the tab's
//! output on a thread of its own, off the output path.
//!
//! The PTY reader never waits for it. The model reads the scrollback ring
//! from its own position (block handles, no copies) and feeds the emulator,
//! applying resizes and answering snapshot requests at the exact output
//! offsets where they were made (the fan-out queues them under the same
//! lock as the output, see [`Fanout::model_work`]). A joining viewer's
//! snapshot therefore meets its live stream without gap or overlap.
//!
//! The reader does not wake the model for each chunk: while output keeps
//! coming the model looks for it every [`FOLLOW_POLL`], and only a model
//! that went to sleep after half a second of quiet is woken. A wake per
//! chunk put a syscall and a cross-CPU wake-up on every keystroke's echo
//! (about 15 us of the round trip, measured with `bench --only echo`).
//!
//! The emulator is slower than a flooding PTY. When the model falls out of
//! the ring it stops chasing (costing no CPU during the flood) and, once
//! output is quiet or a viewer asks for a snapshot, starts over from the
//! ring: the modes in force there, then the ring's bytes. That fallback is
//! counted and logged; a program that keeps drawing within the ring (any
//! interactive one) is restored exactly.
//!
//! The model also keeps the tab's command history ([`History`]) from the
//! shell integration marks the screen reads, timed as it reads them: at
//! most a [`FOLLOW_POLL`] late while it follows. After starting over it
//! mutes the marks of output it had read before, so none counts twice;
//! marks in output it skipped are lost (the history says so by leaving
//! that command without a status).

use super::fanout::Fanout;
use super::history::History;
use super::screen::Screen;
use super::scrollback::Replay;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// What the screen model must do at an exact point of the output.
pub enum ModelEvent {
    Resize(u16, u16),
    Snapshot(oneshot::Sender<Snapshot>),
}

/// A screen snapshot and the output offset it stands for.
pub struct Snapshot {
    pub bytes: Vec<u8>,
    pub at: u64,
}

/// The screen model's next piece of work.
pub enum ModelWork {
    /// Output from `from` on, and events at their offsets.
    Follow {
        from: u64,
        blocks: Vec<Bytes>,
        events: Vec<(u64, ModelEvent)>,
    },
    /// The model fell out of the ring during a flood: nothing to do until
    /// output is quiet or someone asks for a snapshot.
    Behind,
    /// Start over from the ring (a counted fallback).
    Rebuild {
        replay: Replay,
        events: Vec<(u64, ModelEvent)>,
    },
    Closed,
}

/// Output the model may have yet to read before it counts as fallen behind:
/// chunk handles shared with the ring and the viewers (no copies), so a
/// burst (vim redrawing, a build's log) is followed exactly; only a flood
/// longer than this makes the model start over from the ring.
pub const BACKLOG: usize = 2 << 20;

/// What the model has yet to read, kept by the fan-out under its lock.
#[derive(Default)]
pub struct Feed {
    backlog: VecDeque<Bytes>,
    bytes: usize,
    /// Absolute offset of the backlog's first byte.
    start: u64,
    /// The backlog overflowed: dropped until the model starts over.
    behind: bool,
    pub events: VecDeque<(u64, ModelEvent)>,
    pub closed: bool,
    /// The model waits with no deadline: new output must wake it.
    pub asleep: bool,
    /// Short waits left before the model sleeps (see [`FOLLOW_POLL`]).
    pub polls_left: u32,
}

/// While output keeps coming, the model looks for it this often instead of
/// being woken for each chunk: a wake is a syscall and a cross-CPU wake-up
/// on the path of every keystroke's echo, and the model need not be current
/// (a snapshot request wakes it, and it catches up then).
pub const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(10);
/// Quiet polls before the model goes to sleep until woken (half a second).
pub const FOLLOW_POLLS: u32 = 50;
/// Unread output that wakes a polling model at once.
const WAKE_BACKLOG: usize = 16 * 1024;

impl Feed {
    /// New output (called with the fan-out's lock held); true when the
    /// model must be woken for it: it sleeps rather than polls, or output
    /// comes faster than polls would follow (a flood must not pile up
    /// unread, or the next join waits for the model to catch up).
    pub fn push(&mut self, chunk: &Bytes) -> bool {
        if self.behind {
            return false;
        }
        self.bytes += chunk.len();
        self.backlog.push_back(chunk.clone());
        if self.bytes > BACKLOG {
            self.backlog.clear();
            self.bytes = 0;
            self.behind = true;
        }
        self.asleep || self.bytes >= WAKE_BACKLOG
    }

    pub fn has_output(&self) -> bool {
        self.behind || self.bytes > 0
    }

    pub fn behind(&self) -> bool {
        self.behind
    }

    /// Takes the backlog: its first byte's offset and the chunks.
    pub fn take(&mut self) -> (u64, Vec<Bytes>) {
        let from = self.start;
        self.start += self.bytes as u64;
        self.bytes = 0;
        (from, self.backlog.drain(..).collect())
    }

    /// Starts afresh at `end` (the model rebuilds from the ring there).
    pub fn restart(&mut self, end: u64) {
        self.backlog.clear();
        self.bytes = 0;
        self.start = end;
        self.behind = false;
    }
}

/// Lines of scrollback a snapshot carries (xterm.js's default; the web UI
/// keeps 10,000 of its own, but each line here costs every busy tab its
/// cells, about 2.5 KiB at 120 columns, and every join the download).
pub const SNAPSHOT_LINES: usize = 1000;

/// What the model shares with its tab: the count of its fallbacks (for the
/// tab's info and the logs) and the command history it keeps.
#[derive(Default)]
pub struct ModelShared {
    pub rebuilds: AtomicU64,
    pub history: Mutex<History>,
}

/// Starts the model's thread for a tab of `cols` x `rows`.
pub fn spawn(id: &str, fanout: Arc<Fanout>, (cols, rows): (u16, u16)) -> Arc<ModelShared> {
    let shared = Arc::new(ModelShared::default());
    let model = Model {
        fanout,
        screen: Screen::new(cols, rows, SNAPSHOT_LINES),
        size: (cols, rows),
        pos: 0,
        muted_until: 0,
        shared: shared.clone(),
    };
    let spawned = std::thread::Builder::new()
        .name(format!("screen-{id}"))
        .spawn(move || model.run());
    if let Err(err) = spawned {
        // Joins then fall back to the raw replay (after a deadline).
        tracing::warn!("cannot start the screen model: {err}");
    }
    shared
}

struct Model {
    fanout: Arc<Fanout>,
    screen: Screen,
    size: (u16, u16),
    /// Absolute output offset fed so far.
    pos: u64,
    /// Output before this offset was read by an earlier screen: its marks
    /// are already in the history.
    muted_until: u64,
    shared: Arc<ModelShared>,
}

impl Model {
    fn run(mut self) {
        let mut lagging = false;
        loop {
            match self.fanout.model_work(lagging) {
                ModelWork::Closed => return,
                ModelWork::Behind => lagging = true,
                ModelWork::Follow {
                    from,
                    blocks,
                    events,
                } => {
                    debug_assert_eq!(from, self.pos);
                    self.follow(blocks, events);
                }
                ModelWork::Rebuild { replay, events } => {
                    lagging = false;
                    let rebuilds = self.shared.rebuilds.fetch_add(1, Ordering::Relaxed) + 1;
                    tracing::debug!(rebuilds, "screen model starts over from the ring");
                    let (restore, blocks, start) = replay.parts();
                    self.screen = Screen::new(self.size.0, self.size.1, SNAPSHOT_LINES);
                    self.screen.feed(&restore);
                    self.screen.take_marks();
                    self.muted_until = self.muted_until.max(self.pos);
                    self.pos = start;
                    // Events from before the ring's start are applied now
                    // (resizes) or answered once the ring is in (snapshots).
                    let (early, events): (Vec<_>, Vec<_>) =
                        events.into_iter().partition(|(at, _)| *at < start);
                    let mut late = Vec::new();
                    for (_, event) in early {
                        match event {
                            ModelEvent::Resize(cols, rows) => self.resize(cols, rows),
                            snapshot => late.push((u64::MAX, snapshot)),
                        }
                    }
                    self.follow(blocks, events);
                    for (_, event) in late {
                        self.apply(event);
                    }
                }
            }
        }
    }

    /// Feeds `blocks` (which start at `self.pos`), applying each event at
    /// its offset.
    fn follow(&mut self, blocks: Vec<Bytes>, events: Vec<(u64, ModelEvent)>) {
        let mut events = events.into_iter().peekable();
        for block in blocks {
            let mut rest = &block[..];
            while !rest.is_empty() {
                let mut until = events.peek().map_or(u64::MAX, |(at, _)| *at);
                if self.pos < self.muted_until {
                    // A feed is wholly muted or not (see `record`).
                    until = until.min(self.muted_until);
                }
                let room = until.saturating_sub(self.pos);
                let take = rest.len().min(usize::try_from(room).unwrap_or(usize::MAX));
                if take == 0 {
                    if let Some((_, event)) = events.next() {
                        self.apply(event);
                    }
                    continue;
                }
                self.screen.feed(&rest[..take]);
                self.record();
                self.pos += take as u64;
                rest = &rest[take..];
            }
        }
        for (_, event) in events {
            self.apply(event);
        }
    }

    /// Moves the marks of the last feed into the history, unless that
    /// output was read before (see `muted_until`).
    fn record(&mut self) {
        let marks = self.screen.take_marks();
        if marks.is_empty() || self.pos < self.muted_until {
            return;
        }
        let now = crate::clock::unix_ms();
        let mut history = crate::lock::lock(&self.shared.history);
        for mark in marks {
            history.apply(mark, now);
        }
    }

    fn apply(&mut self, event: ModelEvent) {
        match event {
            ModelEvent::Resize(cols, rows) => self.resize(cols, rows),
            ModelEvent::Snapshot(reply) => {
                // The viewer may have gone meanwhile: nothing to do then.
                let _ = reply.send(Snapshot {
                    bytes: self.screen.snapshot(),
                    at: self.pos,
                });
            }
        }
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
        self.screen.resize(cols, rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &[u8] = b"\x1b]133;A\x07$ \x1b]133;B\x07";

    /// Waits until the model has read everything published so far: a join's
    /// snapshot is made at the join's point.
    async fn caught_up(fanout: &Arc<Fanout>) {
        let mut viewer = fanout.join(false);
        let snapshot = viewer.snapshot.take().expect("a modelled fan-out");
        snapshot.await.unwrap();
    }

    fn commands(shared: &ModelShared) -> Vec<(Option<String>, Option<u8>, bool)> {
        let history = crate::lock::lock(&shared.history).newest_first();
        history
            .into_iter()
            .map(|c| (c.command, c.exit_code, c.running))
            .collect()
    }

    #[tokio::test]
    async fn after_starting_over_marks_count_once_and_an_unseen_start_still_finishes() {
        // A ring that holds the command's start again when the model starts
        // over (its marks must not count twice), and one that lost it (the
        // end must still finish the command the history has).
        for ring in [8 << 20, 64 << 10] {
            let fanout = Fanout::modelled(ring);
            let shared = spawn("t1", fanout.clone(), (80, 24));
            fanout.publish(Bytes::from([PROMPT, b"make\r\n\x1b]133;C\x07"].concat()));
            caught_up(&fanout).await;
            assert_eq!(commands(&shared), [(Some("make".into()), None, true)]);
            // A flood longer than the model may fall behind by: it stops
            // following, and starts over from the ring when asked.
            fanout.publish(Bytes::from(vec![b'x'; BACKLOG + 1]));
            let rest = [
                b"\r\n\x1b]133;D;7\x07".as_slice(),
                PROMPT,
                b"true\r\n\x1b]133;C\x07\x1b]133;D;0\x07",
            ];
            fanout.publish(Bytes::from(rest.concat()));
            caught_up(&fanout).await;
            assert_eq!(shared.rebuilds.load(Ordering::Relaxed), 1, "ring {ring}");
            assert_eq!(
                commands(&shared),
                [
                    (Some("true".into()), Some(0), false),
                    (Some("make".into()), Some(7), false)
                ],
                "ring {ring}"
            );
            fanout.close_model();
        }
    }
}
