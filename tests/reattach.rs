//! Reattaching restores the exact screen and never types anything into the
//! shell. The viewers here behave like a real terminal: they keep a screen
//! (the same emulator termgate uses) and answer the queries they receive
//! (DA1, cursor position, OSC 11) as xterm would, so a replayed query would
//! show up as typed input.

mod common;

use common::TestServer;
use common::xterm::answers;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use termgate::term::screen::Screen;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A viewer that acts as a terminal of 80x24 (the tab's size).
struct Term {
    tx: SplitSink<Ws, Message>,
    rx: SplitStream<Ws>,
    screen: Screen,
    received: usize,
    /// The server said the screen is rebuilt (`live`).
    live: bool,
}

impl Term {
    async fn attach(server: &TestServer, cookie: &str, id: &str) -> Self {
        let socket = server.attach(cookie, id).await;
        let (tx, rx) = socket.stream.split();
        Self {
            tx,
            rx,
            screen: Screen::new(80, 24, termgate::term::model::SNAPSHOT_LINES),
            received: 0,
            live: false,
        }
    }

    async fn type_in(&mut self, bytes: &[u8]) {
        self.tx.send(Message::binary(bytes.to_vec())).await.unwrap();
    }

    /// Reads one frame: output goes to the screen and its queries are answered.
    async fn step(&mut self) -> bool {
        match self.rx.next().await {
            Some(Ok(Message::Binary(bytes))) => {
                self.received += bytes.len();
                self.screen.feed(&bytes);
                for answer in answers(&bytes, self.screen.cursor()) {
                    self.type_in(&answer).await;
                }
                true
            }
            Some(Ok(Message::Text(text))) => {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "live" {
                    self.live = true;
                }
                true
            }
            Some(Ok(_)) => true,
            _ => false,
        }
    }

    /// Reads until the screen is rebuilt (bounded: an older server never says).
    async fn until_live(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            while !self.live && self.step().await {}
        })
        .await;
    }

    /// Reads until some visible row contains `needle`. Fails when no output
    /// arrives for 20 s (pings do not count: the server sends them every
    /// 10 s whether or not the shell is alive), or after 90 s in all: a
    /// loaded machine may take long over a flood, but a stuck one stops.
    async fn until_shown(&mut self, needle: &str) {
        self.until(needle, |screen| {
            screen.visible_text().iter().any(|row| row.contains(needle))
        })
        .await
    }

    /// Reads until `done` holds for the screen; `what` names it in the failure.
    async fn until(&mut self, what: &str, done: impl Fn(&Screen) -> bool) {
        let give_up = tokio::time::Instant::now() + Duration::from_secs(90);
        let mut quiet_since = tokio::time::Instant::now();
        while !done(&self.screen) {
            let before = self.received;
            let stepped = tokio::time::timeout_at(give_up, self.step()).await;
            let now = tokio::time::Instant::now();
            if self.received > before {
                quiet_since = now;
            }
            match stepped {
                Ok(true) if now - quiet_since < Duration::from_secs(20) => {}
                Ok(false) => panic!("the socket closed before {what:?}"),
                _ => panic!(
                    "never showed {what:?} (no output for {:?}): {:#?}",
                    now - quiet_since,
                    self.screen.visible_text()
                ),
            }
        }
    }
}

/// A server whose shell is bash (the tests use `read -s`).
async fn server_with(scrollback: Option<usize>) -> TestServer {
    TestServer::start_with(|c| {
        c.program = common::plain_bash();
        if let Some(bytes) = scrollback {
            c.scrollback = bytes;
        }
    })
    .await
}

/// The tab's screen-model fallbacks so far.
async fn rebuilds(server: &TestServer, cookie: &str) -> u64 {
    server.get("/api/terminals", cookie).await.json()["terminals"][0]["screen_rebuilds"]
        .as_u64()
        .unwrap()
}

async fn tab(server: &TestServer) -> (String, String) {
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    (cookie, id)
}

#[tokio::test]
async fn reattaching_never_types_old_query_replies_into_the_shell() {
    let server = server_with(None).await;
    let (cookie, id) = tab(&server).await;
    let mut first = Term::attach(&server, &cookie, &id).await;
    // Queries answered live, as a program at start-up would have them.
    first
        .type_in(b"printf '\\033[c'; read -rs -d c -t 5 r; printf '\\033]11;?\\007'; read -rs -d '\\' -t 5 r; echo ASKED-''$?\n")
        .await;
    first.until_shown("ASKED-0").await;
    // And a full-screen program's own start-up queries (vim asks for the
    // terminal's version and the cursor position with TERM=xterm-256color).
    first.type_in(b"vim -u NONE\n").await;
    first.until_shown("VIM - Vi IMproved").await;
    first.type_in(b":q!\r").await;
    // vim reads all pending input at once and drops what follows `:q!`, so
    // the next line is typed only once bash prompts again.
    first
        .until("the prompt after vim", |screen| {
            let (row, _, _) = screen.cursor();
            let line = screen.visible_text()[row].trim_end().to_string();
            !screen.alternate_screen() && (line.ends_with('#') || line.ends_with('$'))
        })
        .await;
    first.type_in(b"echo VIM-''QUIT\n").await;
    first.until_shown("VIM-QUIT").await;
    first
        .type_in(b"stty -echo; echo CAT-''READY; cat -v > seen.txt; stty echo; echo CAT-''DONE\n")
        .await;
    // Typed into from now on, cat shows what any viewer sends.
    first.until_shown("CAT-READY").await;
    drop(first);
    for _ in 0..5 {
        let mut again = Term::attach(&server, &cookie, &id).await;
        again.until_live().await;
    }
    let mut last = Term::attach(&server, &cookie, &id).await;
    last.until_live().await;
    last.type_in(b"END\n\x04").await;
    last.until_shown("CAT-DONE").await;
    let seen = std::fs::read_to_string(server.root.join("seen.txt")).unwrap();
    assert_eq!(seen, "END\n", "the shell was typed into by reattaches");
}

/// `first` read everything live; a viewer attaching now must end up with
/// exactly its screen, cell by cell, and the cursor on the same cell.
async fn assert_reattach_matches(
    server: &TestServer,
    cookie: &str,
    id: &str,
    first: &mut Term,
    marker: &str,
) {
    let mut again = Term::attach(server, cookie, id).await;
    again.until_live().await;
    again.until_shown(marker).await;
    assert_eq!(again.screen.visible_text(), first.screen.visible_text());
    assert_eq!(
        again.screen.visible_cells(),
        first.screen.visible_cells(),
        "colours or attributes differ"
    );
    assert_eq!(again.screen.cursor(), first.screen.cursor());
    assert_eq!(
        again.screen.alternate_screen(),
        first.screen.alternate_screen()
    );
}

#[tokio::test]
async fn vim_is_restored_exactly_after_more_output_than_the_ring_holds() {
    let ring = 64 << 10;
    let server = server_with(Some(ring)).await;
    let (cookie, id) = tab(&server).await;
    let mut first = Term::attach(&server, &cookie, &id).await;
    first
        .type_in(b"for i in $(seq 1 400); do echo \"line $i of a long file\"; done > long.txt; vim -u NONE long.txt\n")
        .await;
    first.until_shown("line 20 of a long file").await;
    let before = first.received;
    // Small changes in one place: vim redraws the command line only, never
    // the whole screen, until far more than the ring's worth has gone by.
    first
        .type_in(b":for i in range(4000) | echo repeat(i % 10, 60) | redraw | endfor | echo 'EDITS-' . (6*7)\r")
        .await;
    first.until_shown("EDITS-42").await;
    assert!(
        first.received - before > 2 * ring,
        "only {} bytes of vim's output: the ring was never overrun",
        first.received - before
    );
    assert!(first.screen.alternate_screen());
    assert_eq!(rebuilds(&server, &cookie).await, 0, "the model fell behind");
    assert_reattach_matches(&server, &cookie, &id, &mut first, "EDITS-42").await;
}

#[tokio::test]
async fn colours_and_attributes_survive_a_reattach() {
    let ring = 64 << 10;
    let server = server_with(Some(ring)).await;
    let (cookie, id) = tab(&server).await;
    let mut first = Term::attach(&server, &cookie, &id).await;
    first
        .type_in(b"clear; printf '\\033[1mBOLD\\033[0m \\033[4mUNDER\\033[0m \\033[7mINV\\033[0m \\033[38;5;202mPAL\\033[0m \\033[38;2;10;20;30mRGB\\033[0m\\n'\n")
        .await;
    first.until_shown("BOLD UNDER INV PAL RGB").await;
    // Then far more output than the ring holds, all on one row.
    first
        .type_in(
            b"for i in $(seq 1 30000); do printf '\\r%06d' $i; done; echo; echo SPUN-$((6*7)); sleep 600\n",
        )
        .await;
    first.until_shown("SPUN-42").await;
    assert_eq!(rebuilds(&server, &cookie).await, 0, "the model fell behind");
    assert_reattach_matches(&server, &cookie, &id, &mut first, "SPUN-42").await;
}

#[tokio::test]
async fn a_viewer_that_lagged_ends_with_the_same_screen_as_one_that_read_everything() {
    // Lag, not liveness, is under test: on a loaded machine reading the
    // flood may outlast the 30 s after which a viewer taking no output is
    // dropped.
    let server =
        TestServer::start_with(|c| c.tuning.liveness.dead_after = Duration::from_secs(300)).await;
    let (cookie, id) = tab(&server).await;
    let mut live = Term::attach(&server, &cookie, &id).await;
    let mut lagging = Term::attach(&server, &cookie, &id).await;
    // 16 MB of output, twice what the ring holds. The marker is computed
    // by the shell, so the command's own echo does not show it.
    live.type_in(b"head -c 12000000 /dev/zero | base64 -w 100; printf '\\033[31mRED\\033[0m \\033[1mFLOOD-%d-DONE\\033[0m\\n' $((2+3))\n")
        .await;
    // `lagging` reads nothing meanwhile: it falls out of the window.
    live.until_shown("FLOOD-5-DONE").await;
    lagging.until_shown("FLOOD-5-DONE").await;
    // Nothing is printed after the marker (no prompt), so both can settle.
    live.type_in(b"echo SETTLED-$((6*7)); sleep 600\n").await;
    live.until_shown("SETTLED-42").await;
    lagging.until_shown("SETTLED-42").await;
    assert_eq!(lagging.screen.visible_cells(), live.screen.visible_cells());
    assert_eq!(lagging.screen.cursor(), live.screen.cursor());
}
