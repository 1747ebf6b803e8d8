//! [`ProcessGroup`]: a child that leads its own process group (a tunnel
//! client) or session (a shell), signalled only while it cannot be mistaken
//! for anything else.
//!
//! A pid — and so a group or session id — is free for reuse the moment its
//! leader is reaped and no member is left. Signalling by number after that
//! can hit an unrelated process, and a missing pid of 0 would signal our own
//! group. So the leader is watched through a pidfd, which turns readable
//! when it has *exited* but before it is *reaped*: while it is a zombie its
//! id is still ours. Every signal is sent under one lock that also guards
//! the reaping, and once reaped nothing is ever signalled again.
//!
//! When a stop was asked for ([`ProcessGroup::terminate`]) or the kind says
//! so (a [`Reach::Group`]), members the leader left behind are
//! killed while the zombie still holds the id, and only then is it reaped.
//!
//! [`spawn_tied`] starts a child that dies with termgate, even when termgate
//! is SIGKILLed or OOM-killed and nothing of ours runs: the kernel sends it
//! a parent-death signal. That signal fires when the *thread* that forked
//! the child exits, and tokio's blocking threads exit when idle, so every
//! tied child is forked by one launcher thread that lives as long as the
//! process. It reaches only the child itself: what the child started in
//! turn (its grandchildren) is out of reach once termgate is gone.
//!
//! No `unsafe` here: the death signal's `pre_exec` hook is
//! [`pty::arm_death_signal`], since all of termgate's `unsafe` is in
//! `term::pty` (the crate denies it everywhere else).

use crate::term::pty;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, Command};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::sync::watch;

/// Whom a signal reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The leader's process group (a tunnel client started with `process_group(0)`);
    /// members left behind when the leader exits are killed.
    Group,
    /// The leader's whole session: its group and the groups job control made
    /// for background jobs (a shell started with `setsid`). Jobs outlive a
    /// shell that exits by itself, as in any terminal, unless a stop was asked.
    Session,
}

impl Reach {
    fn kill_stragglers(self) -> bool {
        self == Reach::Group
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The wording of std's ExitStatus, which messages used before.
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit status: {code}"),
            (None, Some(signal)) => write!(f, "signal: {signal}"),
            (None, None) => write!(f, "ended"),
        }
    }
}

pub struct ProcessGroup {
    leader: Pid,
    reach: Reach,
    pidfd: AsyncFd<OwnedFd>,
    state: Mutex<State>,
    ended: watch::Sender<Option<Ended>>,
}

#[derive(Default)]
struct State {
    reaped: bool,
    /// A stop was asked: members left behind are killed before reaping.
    stopping: bool,
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // Dropped unreaped (the runtime is ending): nothing may outlive us.
        self.signal(Signal::SIGKILL);
    }
}

impl ProcessGroup {
    /// Takes charge of a freshly spawned child (std's, which never reaps by
    /// itself; tokio's would race us for the exit status).
    pub fn adopt(mut child: Child, reach: Reach) -> io::Result<Self> {
        let raw = i32::try_from(child.id()).map_err(|_| io::Error::other("pid out of range"))?;
        if raw <= 1 {
            return Err(io::Error::other("refusing to manage pid 0 or 1"));
        }
        let pidfd = match pty::pidfd_open(raw) {
            Ok(pidfd) => pidfd,
            Err(err) => {
                // Nobody would ever stop it: end it now, while it is unreaped
                // and its ids are still ours, and reap it.
                signal_reach(Pid::from_raw(raw), reach, Signal::SIGKILL);
                let _ = child.wait();
                return Err(err);
            }
        };
        Ok(Self {
            leader: Pid::from_raw(raw),
            reach,
            pidfd,
            state: Mutex::default(),
            ended: watch::channel(None).0,
        })
    }

    /// The leader's pid (for display and tests only: never signal by it).
    pub fn id(&self) -> u32 {
        self.leader.as_raw() as u32
    }

    /// Sends `signal` to the group or session; false once the leader is reaped.
    pub fn signal(&self, signal: Signal) -> bool {
        let state = self.lock();
        if state.reaped {
            return false;
        }
        self.send(signal);
        true
    }

    /// Watches the end (`Some` once the leader has been reaped).
    pub fn ended(&self) -> watch::Receiver<Option<Ended>> {
        self.ended.subscribe()
    }

    /// Waits for the leader to exit, kills what it left behind where that is
    /// the rule (or a stop was asked), and reaps it. Run exactly once, in the
    /// task that owns the process's lifetime.
    pub async fn reap(&self) -> Ended {
        loop {
            // The pidfd turns readable when the leader has exited (a zombie).
            match self.pidfd.readable().await {
                Ok(mut guard) => {
                    guard.clear_ready();
                }
                Err(_) => break,
            }
            if let Some(ended) = self.try_reap() {
                return ended;
            }
        }
        // Cannot wait (should not happen): report it as ended so nobody hangs.
        let ended = Ended {
            code: None,
            signal: None,
        };
        self.ended.send_replace(Some(ended));
        ended
    }

    fn try_reap(&self) -> Option<Ended> {
        let mut state = self.lock();
        if state.reaped {
            return *self.ended.borrow();
        }
        let peek = waitid(
            Id::PIDFd(self.pidfd.get_ref().as_fd()),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
        );
        if matches!(peek, Ok(WaitStatus::StillAlive)) {
            return None;
        }
        if state.stopping || self.reach.kill_stragglers() {
            // The zombie leader still holds the id, so this reaches only ours.
            self.send(Signal::SIGKILL);
        }
        let status = waitid(
            Id::PIDFd(self.pidfd.get_ref().as_fd()),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG,
        );
        state.reaped = true;
        let ended = match status {
            Ok(WaitStatus::Exited(_, code)) => Ended {
                code: Some(code),
                signal: None,
            },
            Ok(WaitStatus::Signaled(_, signal, _)) => Ended {
                code: None,
                signal: Some(signal as i32),
            },
            _ => Ended {
                code: None,
                signal: None,
            },
        };
        self.ended.send_replace(Some(ended));
        Some(ended)
    }

    /// Stops it: `first` (SIGHUP for a shell, SIGTERM for a tunnel client),
    /// SIGKILL after `grace`, and returns once the leader is reaped (by the
    /// task running [`ProcessGroup::reap`]). Stragglers are killed before
    /// the reaping.
    pub async fn terminate(&self, first: Signal, grace: Duration) -> Ended {
        self.terminate_by(first, tokio::time::sleep(grace)).await
    }

    /// [`terminate`](Self::terminate) with SIGKILL once `kill_at` resolves
    /// (for a grace that a shutdown may cut short).
    pub async fn terminate_by(&self, first: Signal, kill_at: impl Future<Output = ()>) -> Ended {
        {
            let mut state = self.lock();
            if !state.reaped {
                state.stopping = true;
                self.send(first);
            }
        }
        let mut ended = self.ended();
        tokio::select! {
            _ = ended.wait_for(Option::is_some) => {}
            _ = kill_at => {
                self.signal(Signal::SIGKILL);
            }
        }
        let result = ended.wait_for(Option::is_some).await.ok().and_then(|e| *e);
        result.unwrap_or(Ended {
            code: None,
            signal: None,
        })
    }

    /// The actual signal, with the lock held and the leader unreaped.
    fn send(&self, signal: Signal) {
        signal_reach(self.leader, self.reach, signal);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::lock::lock(&self.state)
    }
}

/// Signals what `reach` covers of `leader`'s group or session. Only for a
/// leader known to be unreaped (its ids are still ours).
fn signal_reach(leader: Pid, reach: Reach, signal: Signal) {
    // ESRCH (the group emptied meanwhile) is an expected outcome.
    let _ = killpg(leader, signal);
    if reach == Reach::Session {
        pty::signal_session_members(leader, signal);
    }
}

/// termgate's own settings and secrets (`TERMGATE_*`: the token and PIN may
/// be there) never reach a child: a shell or a tunnel client.
const OWN_PREFIX: &str = "TERMGATE_";

/// Removes from `command`'s environment termgate's own variables and any
/// whose name starts with one of `also` (what would change the child's
/// behaviour), so a child sees the rest of termgate's environment.
pub fn withhold_environment(command: &mut Command, also: &[&str]) {
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with(OWN_PREFIX) || also.iter().any(|p| name.starts_with(p)) {
            command.env_remove(key);
        }
    }
}

/// A command for the launcher thread, and where to send the spawned child.
type Job = (
    Command,
    Signal,
    tokio::sync::oneshot::Sender<io::Result<Child>>,
);

/// Spawns `command` so that the kernel sends it `death_signal` when termgate
/// dies, however it dies (see the module doc: only the child itself, not
/// what it starts). Set `process_group` and the rest before calling.
pub async fn spawn_tied(command: Command, death_signal: Signal) -> io::Result<Child> {
    let (reply, spawned) = tokio::sync::oneshot::channel();
    launcher()
        .send((command, death_signal, reply))
        .map_err(|_| io::Error::other("the launcher thread is gone"))?;
    spawned
        .await
        .map_err(|_| io::Error::other("the launcher thread is gone"))?
}

/// The one thread that forks tied children. It never returns (its queue's
/// sender lives in a static), so the death signal fires only when the whole
/// process is gone.
fn launcher() -> &'static mpsc::Sender<Job> {
    static LAUNCHER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    LAUNCHER.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("termgate-launcher".into())
            .spawn(move || {
                for (command, signal, reply) in queue {
                    let _ = reply.send(spawn_with_death_signal(command, signal));
                }
            });
        if let Err(err) = started {
            // Jobs then fail with "the launcher thread is gone".
            tracing::error!("cannot start the launcher thread: {err}");
        }
        jobs
    })
}

fn spawn_with_death_signal(mut command: Command, signal: Signal) -> io::Result<Child> {
    // The pre_exec hook is unsafe, so it lives in `term::pty` with the rest.
    pty::arm_death_signal(&mut command, signal);
    command.spawn()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    fn alive(pid: u32) -> bool {
        // A zombie counts as gone: it only waits to be reaped.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| {
                !stat
                    .rsplit_once(')')
                    .is_some_and(|(_, s)| s.trim_start().starts_with('Z'))
            })
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn exit_status_and_no_signal_after_reaping() {
        let child = Command::new("sh")
            .args(["-c", "exit 7"])
            .process_group(0)
            .spawn()
            .unwrap();
        let group = ProcessGroup::adopt(child, Reach::Group).unwrap();
        let ended = group.reap().await;
        assert_eq!(ended.code, Some(7));
        assert!(!group.signal(Signal::SIGTERM), "signalled after reaping");
        assert_eq!(*group.ended().borrow(), Some(ended));
    }

    #[tokio::test]
    async fn terminate_kills_the_group_and_what_ignores_the_first_signal() {
        let mut child = Command::new("sh")
            .args(["-c", "trap '' TERM; sleep 300 & echo $! ; wait"])
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let group = std::sync::Arc::new(ProcessGroup::adopt(child, Reach::Group).unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        let reaper = tokio::spawn({
            let group = group.clone();
            async move { group.reap().await }
        });
        let ended = group
            .terminate(Signal::SIGTERM, Duration::from_millis(200))
            .await;
        assert_eq!(ended.signal, Some(Signal::SIGKILL as i32), "{ended:?}");
        assert_eq!(reaper.await.unwrap(), ended);
        // SIGKILL is sent before the leader is reaped; dying takes a moment.
        let gone = async {
            while alive(sleeper) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let gone = tokio::time::timeout(Duration::from_secs(2), gone).await;
        assert!(gone.is_ok(), "the group member {sleeper} survived");
    }
}
