//! The `/api/terminals` handlers (REST) and the WebSocket entry point.

use super::Terminals;
use super::protocol::{MAX_COLS, MAX_ROWS};
use super::socket::Liveness;
use super::socket::{self, Viewer};
use crate::auth::Principal;
use crate::auth::activity::OwnerActivity;
use crate::auth::approval::{Approvals, Arrival, Ticket};
use crate::auth::sessions::Sessions;
use crate::auth::share::Scope;
use crate::auth::share::ShareLinks;
use crate::error::Error;
use crate::files::Files;
use crate::http::guard::Remote;
use crate::http::request::{JSON_LIMIT, query_param, read_json};
use crate::http::response::{Response, empty, json};
use crate::http::websocket;
use crate::shutdown::Shutdown;
use crate::term::tab_lock::{Key, Unlock};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    cols: Option<u16>,
    rows: Option<u16>,
    /// Start folder, relative to the root (checked by the file sandbox).
    cwd: Option<String>,
    /// A program and its arguments to run instead of the tab's shell
    /// (`termgate exec`): an argv, never a shell string, resolved on PATH
    /// as `termgate -- PROGRAM` is.
    command: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    /// The owner's name for the tab; `null` clears it, absent keeps it (the
    /// `deserialize_with` keeps `null` from reading as absent).
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    /// Locks the PTY's size (no viewer's resize applies) or unlocks it.
    size_locked: Option<bool>,
}

/// A field that is present, `null` included.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// What the tab routes (list, create, rename, close) need of the server:
/// the tabs, and the file browser for start folders and each tab's folder.
pub struct Tabs<'a> {
    pub terminals: &'a Terminals,
    pub files: &'a Files,
    /// `--terminal-only`: no tab's folder is told.
    pub terminal_only: bool,
    /// `--record` records every new tab.
    pub recordings: &'a crate::record::Recordings,
}

impl Tabs<'_> {
    /// The folder of tab `id`'s foreground job relative to the file root,
    /// read when asked (`/proc/<pid>/cwd`). `None` outside the root and
    /// without a file root: a client never learns a host path.
    fn cwd_of(&self, id: &str) -> Option<String> {
        if self.terminal_only {
            return None;
        }
        let sandbox = self.files.sandbox().ok()?;
        let host = self.terminals.get(id)?.foreground_cwd()?;
        let relative = sandbox.relative_of_host(&host).ok()?;
        Some(relative.display())
    }

    /// A folder a shell reported (OSC 7) relative to the file root, links
    /// resolved; `None` outside it and without a file root, as for `cwd_of`.
    fn relative(&self, host: &str) -> Option<String> {
        if self.terminal_only {
            return None;
        }
        let sandbox = self.files.sandbox().ok()?;
        let real = std::fs::canonicalize(host).ok()?;
        Some(sandbox.relative_of_host(&real).ok()?.display())
    }

    /// What the owner is told of a tab: its info with its folder.
    fn owner_info(&self, terminal: &super::TerminalHandle) -> super::TerminalInfo {
        let mut info = terminal.info();
        info.cwd = self.cwd_of(&info.id);
        info
    }
}

/// `GET /api/terminals`: every tab for the owner; for a guest, the tabs its
/// link covers.
pub fn list(tabs: &Tabs, principal: &Principal) -> Response {
    let mut terminals = tabs.terminals.list();
    terminals.retain(|tab| principal.may_view(&tab.id));
    // The owner's folders are the owner's: a guest's list says null.
    if matches!(principal, Principal::Owner(_)) {
        for tab in &mut terminals {
            tab.cwd = tabs.cwd_of(&tab.id);
        }
    }
    json(StatusCode::OK, &json!({ "terminals": terminals }))
}

/// `POST /api/terminals` with optional `{"cols","rows","cwd","command"}`.
pub async fn create(tabs: &Tabs<'_>, body: Incoming) -> Result<Response, Error> {
    let body: CreateBody = read_json(body, JSON_LIMIT).await?;
    let cols = body.cols.unwrap_or(80);
    let rows = body.rows.unwrap_or(24);
    if !(1..=MAX_COLS).contains(&cols) || !(1..=MAX_ROWS).contains(&rows) {
        return Err(Error::bad_request(format!(
            "cols must be 1..={MAX_COLS} and rows 1..={MAX_ROWS}"
        )));
    }
    let cwd = match &body.cwd {
        // A bad folder is answered exactly as the file routes answer it.
        Some(folder) => match tabs.files.start_folder(folder).await {
            Ok(folder) => Some(folder),
            Err(err) => return Ok(err.response()),
        },
        None => None,
    };
    let program = match &body.command {
        Some(words) => {
            let words: Vec<std::ffi::OsString> = words.iter().map(Into::into).collect();
            let program = crate::config::program::command(&words)
                .map_err(|(_, why)| Error::bad_request(format!("command {why}")))?;
            Some(program)
        }
        None => None,
    };
    let terminal = create_recorded(tabs, cols, rows, cwd.as_deref(), program.as_ref())?;
    Ok(json(StatusCode::CREATED, &tabs.owner_info(&terminal)))
}

/// Creates the tab, recorded from its first output under `--record`. A
/// recording that cannot start does not keep the tab from opening: the
/// log says why, and the tab shows no REC.
fn create_recorded(
    tabs: &Tabs<'_>,
    cols: u16,
    rows: u16,
    cwd: Option<&std::path::Path>,
    program: Option<&crate::config::Program>,
) -> Result<super::TerminalHandle, Error> {
    use crate::record::StartedBy;
    let pending = match tabs.recordings.record_all() {
        true => match tabs.recordings.prepare() {
            Ok(pending) => Some(pending),
            Err(err) => {
                tracing::warn!("--record: this tab is not recorded: {err}");
                None
            }
        },
        false => None,
    };
    let Some((pending, tap)) = pending else {
        return tabs.terminals.create(cols, rows, cwd, program, None);
    };
    match tabs
        .terminals
        .create(cols, rows, cwd, program, Some((&pending.id, tap)))
    {
        Ok(terminal) => {
            tabs.recordings
                .launch(pending, &terminal, StartedBy::RecordAll);
            Ok(terminal)
        }
        Err(err) => {
            tabs.recordings.abandon(pending);
            Err(err)
        }
    }
}

/// `PATCH /api/terminals/{id}` with `{"title"}` (a name, or `null` to
/// clear it) and/or `{"size_locked"}`.
pub async fn rename(tabs: &Tabs<'_>, id: &str, body: Incoming) -> Result<Response, Error> {
    let body: PatchBody = read_json(body, JSON_LIMIT).await?;
    if body.title.is_none() && body.size_locked.is_none() {
        return Err(Error::bad_request("give \"title\" and/or \"size_locked\""));
    }
    let terminal = tabs.terminals.get(id).ok_or(Error::NotFound)?;
    if let Some(title) = &body.title {
        tabs.terminals.rename(id, title.as_deref())?;
    }
    if let Some(locked) = body.size_locked {
        terminal.set_size_locked(locked);
    }
    Ok(json(StatusCode::OK, &tabs.owner_info(&terminal)))
}

/// `DELETE /api/terminals/{id}`: returns once the shell is ended and reaped.
pub async fn close(terminals: &Terminals, id: &str) -> Result<Response, Error> {
    terminals.close(id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /api/terminals/{id}/commands`: the tab's command history, newest
/// first, with the server's clock (`now`, unix ms) so that a client can
/// match the commands to the prompts it saw whatever its own clock says.
/// Each folder is told relative to the file root, as a tab's `cwd` is.
pub fn commands(tabs: &Tabs, id: &str) -> Result<Response, Error> {
    let terminal = tabs.terminals.get(id).ok_or(Error::NotFound)?;
    let mut commands = terminal.commands();
    // A history holds a few folders many times: each is looked up once.
    let mut relative = std::collections::HashMap::new();
    for command in &mut commands {
        command.cwd = command.cwd.take().and_then(|host| {
            let known = relative
                .entry(host)
                .or_insert_with_key(|h| tabs.relative(h));
            known.clone()
        });
    }
    let body = json!({ "now": crate::clock::unix_ms(), "commands": commands });
    Ok(json(StatusCode::OK, &body))
}

/// What attaching a viewer needs: the tabs, the WebSocket slots, and what
/// each socket watches (its session's end, the owner's activity, its link's
/// uses, the daemon's shutdown).
pub struct Sockets<'a> {
    pub terminals: &'a Terminals,
    pub slots: &'a websocket::Slots,
    pub sessions: &'a Sessions,
    pub shares: &'a ShareLinks,
    pub approvals: &'a Approvals,
    pub audit: &'a crate::audit::Audit,
    pub activity: &'a OwnerActivity,
    pub liveness: Liveness,
    pub shutdown: &'a Shutdown,
}

/// `GET /api/terminals/{id}/ws`: upgrades and attaches a viewer.
/// `unlock` checks the owner's factors should the tab be locked (`term::tab_lock`).
pub fn connect(
    state: &Sockets<'_>,
    id: &str,
    principal: &Principal,
    mut req: Request<Incoming>,
    client: Remote,
    unlock: Arc<dyn Unlock>,
) -> Result<Response, Error> {
    // The gate let only viewers of this tab through (`Access::Viewer`).
    let ended = principal.ended().ok_or(Error::Unauthorized)?.clone();
    let terminal = state.terminals.get(id).ok_or(Error::NotFound)?;
    let share = principal
        .guest()
        .and_then(|grant| state.shares.stats(&grant.share_id));
    let size = requested_size(req.uri().query())?;
    let raw_replay = raw_replay(req.uri().query())?;
    let guest = principal.guest().is_some();
    let accepted = websocket::accept(&mut req, state.slots, guest)?;
    let approval = approval_ticket(state, principal, id, &req, client);
    let owner = matches!(principal, Principal::Owner(_));
    // A script attached with a token that may type sizes the PTY as the
    // owner's viewers do (its terminal's size follows SIGWINCH).
    let sizes = owner || matches!(principal, Principal::Token(_)) && principal.may_type(id);
    let viewer = Viewer {
        session: principal.session().map(|view| view.key),
        ended,
        sessions: state.sessions.clone(),
        readonly: !principal.may_type(id),
        approval,
        sizes,
        size,
        raw_replay,
        activity: owner.then(|| state.activity.clone()),
        share,
        liveness: state.liveness,
        shutdown: state.shutdown.clone(),
        // A link minted for a locked tab, the owner knowing it, lets its guests in.
        key: match principal.guest() {
            Some(grant) if state.shares.passes_lock(&grant.share_id) => Key::Passes,
            _ => Key::Asks(unlock),
        },
    };
    let permit = accepted.permit;
    let upgrade = accepted.upgrade;
    tokio::spawn(async move {
        let _permit = permit;
        if let Some(socket) = websocket::finish(upgrade).await {
            socket::serve(socket, terminal, viewer).await;
        }
    });
    Ok(accepted.response)
}

/// An interactive guest's hold on the owner's decision (`auth::approval`), made
/// before the upgrade is answered so the owner's list has it as soon as the
/// guest's page does; `None` for everyone else (read-only links open as before).
fn approval_ticket(
    state: &Sockets<'_>,
    principal: &Principal,
    id: &str,
    req: &Request<Incoming>,
    client: Remote,
) -> Option<Ticket> {
    let Principal::Guest(view, grant) = principal else {
        return None;
    };
    if grant.scope != Scope::Interactive {
        return None;
    }
    let agent = crate::auth::device::user_agent(req.headers());
    let arrival = Arrival {
        share: grant.share_id.clone(),
        terminal: id.to_string(),
        source: client.source.to_string(),
        device: crate::auth::device::describe(&agent),
    };
    let (ticket, fresh) = state
        .approvals
        .attach(view.key, view.ended.clone(), arrival.clone());
    if fresh {
        let detail = json!({"share": arrival.share, "terminal": id, "source": arrival.source});
        state.audit.record("guest_waiting", detail);
    }
    Some(ticket)
}

/// `?cols=C&rows=R` on the socket's URL: the size the viewer displays at.
/// Both or neither; out of range is a 400 before the upgrade.
fn requested_size(query: Option<&str>) -> Result<Option<(u16, u16)>, Error> {
    let number = |name| -> Result<Option<u16>, Error> {
        match query_param(query, name)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| bad_size()),
        }
    };
    match (number("cols")?, number("rows")?) {
        (None, None) => Ok(None),
        (Some(cols), Some(rows))
            if (1..=MAX_COLS).contains(&cols) && (1..=MAX_ROWS).contains(&rows) =>
        {
            Ok(Some((cols, rows)))
        }
        _ => Err(bad_size()),
    }
}

/// `?replay=raw`: the scrollback's bytes as the program wrote them instead
/// of a screen snapshot, for a client that streams output (`termgate exec`)
/// rather than showing a screen.
fn raw_replay(query: Option<&str>) -> Result<bool, Error> {
    match query_param(query, "replay")?.as_deref() {
        None | Some("screen") => Ok(false),
        Some("raw") => Ok(true),
        Some(_) => Err(Error::bad_request("replay is `raw` or `screen`")),
    }
}

fn bad_size() -> Error {
    Error::bad_request(format!(
        "cols and rows go together: cols 1..={MAX_COLS}, rows 1..={MAX_ROWS}"
    ))
}
