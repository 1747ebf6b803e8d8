//! What is told of a tab: [`TerminalInfo`] (`GET /api/terminals`) and how
//! its shell ended ([`ExitInfo`]).

use serde::Serialize;

/// How the shell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

/// What `GET /api/terminals` shows of a tab.
#[derive(Debug, Clone, Serialize)]
pub struct TerminalInfo {
    pub id: String,
    /// The owner's name for the tab if it has one, else the shell's name.
    pub title: String,
    /// The name the owner gave (`PATCH`), `None` until then or once cleared.
    /// Clients show it over the shell's own (OSC) title while it is set.
    pub name: Option<String>,
    /// The command name of the job in the foreground when it is not the
    /// shell (`"sleep"`, `"vim"`): closing the tab would end it.
    pub busy: Option<String>,
    /// The foreground job's folder relative to the file root (`""`: the root);
    /// `None` outside it and for guests. Filled in by the API, which holds the root.
    pub cwd: Option<String>,
    pub cols: u16,
    pub rows: u16,
    /// The owner locked the size: no viewer's resize applies.
    pub size_locked: bool,
    pub created_at: u64,
    pub clients: usize,
    pub exited: Option<ExitInfo>,
    /// The tab's output is being recorded (every viewer shows REC).
    pub recording: bool,
    /// What is typed is recorded too (every viewer shows "REC + keys").
    pub recording_input: bool,
    /// The owner locked the tab: a new viewer proves the owner's factors first.
    pub locked: bool,
    /// Times the screen model started over from the ring (it fell behind a
    /// flood); joins after that show the ring's screen, not older history.
    pub screen_rebuilds: u64,
}
