//! Terminal tabs: the registry of live terminals and their HTTP/WebSocket faces.
//!
//! - `protocol`: THE wire contract (typed messages, close codes)
//! - `pty`: the OS pseudo-terminal and shell process (the `unsafe`, with `crate::process`)
//! - `scrollback`: the replay ring
//! - `modes`: terminal modes in force where a replay starts
//! - `fanout`: scrollback + live stream to many viewers, with flow control
//! - `input`: the tab's input queue, bounded per viewer, signal keys first
//! - `screen`: the headless emulator and its query-free snapshot
//! - `model`: a tab's screen model, following its output on its own thread
//! - `history`: a tab's commands, from the marks its screen model reads
//! - `sizing`: the size rule (which viewer's size the PTY takes)
//! - `tap`: a never-waiting copy of a tab's output (for the recorder)
//! - `info`: what the API tells of a tab
//! - `tab_lock`: a locked tab's mark and the shape of its check
//! - `terminal`: one tab and its cheap [`TerminalHandle`]
//! - `tab_tasks`: a tab's reader, writer and reaper
//! - `socket`: one WebSocket viewer as an output half and an input half, and
//!   its seat in the size rule
//! - `api`: the `/api/terminals` handlers

pub mod api;
pub mod fanout;
pub mod history;
pub mod info;
pub mod input;
pub mod model;
pub mod modes;
pub mod protocol;
pub mod pty;
pub mod screen;
pub mod scrollback;
pub mod sizing;
pub mod socket;
pub mod tab_lock;
mod tab_tasks;
pub mod tap;
pub mod terminal;

use crate::config::{Config, Program};
use crate::error::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
pub use terminal::{TerminalHandle, TerminalInfo};

/// Longest tab title.
pub const MAX_TITLE: usize = 128;

#[derive(Clone)]
pub struct Terminals {
    inner: Arc<Mutex<Registry>>,
    program: Program,
    cwd: PathBuf,
    scrollback: usize,
    max_tabs: usize,
}

#[derive(Default)]
struct Registry {
    tabs: BTreeMap<u64, TerminalHandle>,
    next: u64,
}

impl Terminals {
    pub fn new(config: &Config) -> Self {
        Self {
            inner: Arc::default(),
            program: config.program.clone(),
            cwd: config.root.clone(),
            scrollback: config.scrollback,
            max_tabs: config.max_tabs,
        }
    }

    /// Starts a shell (or `program`, a client's command) in a new tab, in `cwd` (a folder inside the root,
    /// already checked) or the root; 409 when `max_tabs` are open.
    /// `recording`: a recording's id and tap, fed from the first output.
    pub fn create(
        &self,
        cols: u16,
        rows: u16,
        cwd: Option<&Path>,
        program: Option<&Program>,
        recording: Option<(&str, tap::Tap)>,
    ) -> Result<TerminalHandle, Error> {
        let program = program.unwrap_or(&self.program);
        let mut registry = self.lock();
        if registry.tabs.len() >= self.max_tabs {
            return Err(Error::TooManyTerminals { max: self.max_tabs });
        }
        registry.next += 1;
        let number = registry.next;
        let title = program.name();
        let argv0 = program.argv0();
        let handle = TerminalHandle::start(terminal::TerminalSpec {
            id: format!("t{number}"),
            title,
            spawn: pty::SpawnOptions {
                program: &program.path,
                args: &program.args,
                argv0: argv0.as_deref(),
                cwd: cwd.unwrap_or(&self.cwd),
                cols,
                rows,
                env: Vec::new(),
            },
            scrollback: self.scrollback,
            recording,
        })
        .map_err(|err| Error::internal(format!("cannot start the shell: {err}")))?;
        registry.tabs.insert(number, handle.clone());
        Ok(handle)
    }

    pub fn list(&self) -> Vec<TerminalInfo> {
        self.lock()
            .tabs
            .values()
            .map(TerminalHandle::info)
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<TerminalHandle> {
        let number = parse_id(id)?;
        self.lock().tabs.get(&number).cloned()
    }

    /// Names a tab (`Some`), or clears its name (`None`) so that clients show
    /// the shell's own title again.
    pub fn rename(&self, id: &str, title: Option<&str>) -> Result<TerminalInfo, Error> {
        let title = title.map(str::trim);
        if let Some(title) = title
            && (title.is_empty()
                || title.chars().count() > MAX_TITLE
                || title.chars().any(char::is_control))
        {
            return Err(Error::bad_request(format!(
                "a title is 1 to {MAX_TITLE} characters without control characters, or null"
            )));
        }
        let handle = self.get(id).ok_or(Error::NotFound)?;
        handle.set_name(title.map(str::to_string));
        Ok(handle.info())
    }

    /// Closes a tab: its process group is ended and reaped before this returns.
    pub async fn close(&self, id: &str) -> Result<(), Error> {
        let number = parse_id(id).ok_or(Error::NotFound)?;
        let handle = self.lock().tabs.remove(&number).ok_or(Error::NotFound)?;
        handle.kill().await;
        Ok(())
    }

    /// Ends every shell (at shutdown), all in parallel.
    pub async fn close_all(&self) {
        let handles: Vec<_> = std::mem::take(&mut self.lock().tabs)
            .into_values()
            .collect();
        futures_util::future::join_all(handles.iter().map(TerminalHandle::kill)).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        crate::lock::lock(&self.inner)
    }
}

fn parse_id(id: &str) -> Option<u64> {
    id.strip_prefix('t')?.parse().ok()
}
