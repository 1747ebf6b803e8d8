//! The OS pseudo-terminal and the shell on it. All of termgate's `unsafe`
//! lives in this file, each block with a `// Safety:` line: the crate denies
//! `unsafe_code` (Cargo.toml's `[lints]`) and only this module allows it, so
//! the compiler keeps it that way. That includes two helpers for
//! `crate::process`: [`pidfd_open`] and [`arm_death_signal`].
//!
//! The master side is opened close-on-exec and non-blocking and wrapped in a
//! tokio `AsyncFd`, so one task can read output while another writes input.
//! The shell runs in a new session (`setsid`) with the slave as its
//! controlling terminal, so closing a tab can signal its whole process group.
//!
//! Signal keys (Ctrl-C and friends) can also be applied out of band, the way
//! the kernel's line discipline applies them: once the PTY's input buffer is
//! full it refuses every further write, so an interrupt typed behind a paste
//! the program is not reading would otherwise never arrive.
#![allow(unsafe_code)]

use crate::process::{ProcessGroup, Reach};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::libc;
use nix::pty::{PtyMaster, Winsize, grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::signal::Signal;
use nix::sys::termios::{self, LocalFlags, SpecialCharacterIndices};
use nix::unistd::Pid;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tokio::io::unix::AsyncFd;

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, Winsize);
nix::ioctl_write_int_bad!(send_tty_signal, libc::TIOCSIG);
nix::ioctl_read_bad!(get_winsize, libc::TIOCGWINSZ, Winsize);

/// What to start on a new PTY.
pub struct SpawnOptions<'a> {
    /// The shell or program, an absolute path.
    pub program: &'a Path,
    /// Its arguments (argv[1..]).
    pub args: &'a [OsString],
    /// argv[0] when it is not `program`: `-bash` starts a login shell.
    pub argv0: Option<&'a OsStr>,
    pub cwd: &'a Path,
    pub cols: u16,
    pub rows: u16,
    /// Extra environment on top of the filtered inherited one.
    pub env: Vec<(OsString, OsString)>,
}

/// The master side of a PTY, readable and writable from async code.
pub struct Master {
    fd: AsyncFd<OwnedFd>,
    /// The slave's path, opened briefly to flush its input queue.
    slave: PathBuf,
}

/// Opens a PTY and starts the shell on it. Returns the master and the shell,
/// which leads its own session.
pub fn spawn(options: SpawnOptions<'_>) -> io::Result<(Master, ProcessGroup)> {
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let slave_name = ptsname_r(&master)?;
    let slave: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(&slave_name)?
        .into();
    let master = master_to_fd(master);
    resize_fd(&master, options.cols, options.rows)?;

    let mut command = Command::new(options.program);
    command.args(options.args);
    if let Some(argv0) = options.argv0 {
        command.arg0(argv0);
    }
    // First, so the variables set below are not withheld.
    crate::process::withhold_environment(&mut command, &[]);
    command
        .current_dir(options.cwd)
        .env("TERM", "xterm-256color")
        .env("COLORTERM", "truecolor")
        .envs(options.env)
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave));
    // Safety: the closure runs in the forked child before exec and only calls
    // async-signal-safe functions (setsid, ioctl); it touches no locks or heap.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = ProcessGroup::adopt(command.spawn()?, Reach::Session)?;
    // Our copies of the slave fd were moved into `command` and drop with it,
    // so the master sees EOF (EIO) once the shell and its children let go.
    drop(command);

    let flags = OFlag::from_bits_truncate(fcntl(&master, FcntlArg::F_GETFL)?);
    fcntl(&master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    // Safety: `master` is an OwnedFd we own outright; it stays open and is the
    // same descriptor until the AsyncFd (its only owner) is dropped.
    let fd = unsafe { AsyncFd::register(master) }.map_err(io::Error::from)?;
    let slave = PathBuf::from(slave_name);
    Ok((Master { fd, slave }, child))
}

fn master_to_fd(master: PtyMaster) -> OwnedFd {
    // Safety: `into_raw_fd` hands over sole ownership of a valid open fd.
    unsafe { OwnedFd::from_raw_fd(master.into_raw_fd()) }
}

/// The size (cols, rows) of the terminal on `fd`, for the `termgate
/// attach` client (here because the ioctl is unsafe; only this module may be).
pub fn window_size(fd: impl AsFd) -> io::Result<(u16, u16)> {
    let mut size = Winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // Safety: `fd` is borrowed open for the call and `size` a valid Winsize
    // that TIOCGWINSZ writes and nothing else holds.
    unsafe { get_winsize(fd.as_fd().as_raw_fd(), &mut size) }?;
    Ok((size.ws_col, size.ws_row))
}

fn resize_fd(fd: &OwnedFd, cols: u16, rows: u16) -> io::Result<()> {
    let size = Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // Safety: `fd` is an open PTY master and `size` a valid Winsize that
    // outlives the call; TIOCSWINSZ only reads it.
    unsafe { set_winsize(fd.as_raw_fd(), &size) }?;
    Ok(())
}

impl Master {
    /// Waits for output, then keeps reading what is already available until
    /// `buf` is full, so a flood leaves as few large frames instead of many
    /// 4 KiB ones, while a lone keystroke echo is returned at once.
    /// `Ok(0)` means the slave side closed.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        loop {
            let mut guard = self.fd.readable().await?;
            loop {
                let result = guard.try_io(|fd| {
                    nix::unistd::read(fd.get_ref().as_fd(), &mut buf[filled..])
                        .map_err(io::Error::from)
                });
                match result {
                    Ok(Ok(0)) => return Ok(filled),
                    Ok(Ok(n)) => {
                        filled += n;
                        if filled == buf.len() {
                            return Ok(filled);
                        }
                    }
                    // Linux reports a hung-up slave as EIO: that is end of output.
                    Ok(Err(err)) if err.raw_os_error() == Some(libc::EIO) => return Ok(filled),
                    Ok(Err(err)) => return Err(err),
                    Err(_would_block) if filled > 0 => return Ok(filled),
                    Err(_would_block) => break,
                }
            }
        }
    }

    /// Writes some of `bytes` (keystrokes or paste) to the shell's input,
    /// waiting until the PTY takes at least one byte. Fails once the slave
    /// side has hung up (every process let go of it): the kernel then keeps
    /// reporting the master writable while refusing the write, and retrying
    /// would spin forever.
    pub async fn write_some(&self, bytes: &[u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.writable().await?;
            if guard.ready().is_write_closed() || guard.ready().is_error() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            match guard
                .try_io(|fd| nix::unistd::write(fd.get_ref(), bytes).map_err(io::Error::from))
            {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Writes all of `bytes`; see [`Master::write_some`].
    pub async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = self.write_some(bytes).await?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// The keys that raise a signal while the tty turns them into signals
    /// (`ISIG` on: cooked and cbreak modes; none in raw mode, where they are
    /// data). Termios requests on the master apply to the slave, so this is
    /// the foreground program's setting.
    pub fn signal_keys(&self) -> Vec<(u8, Signal)> {
        let Ok(attrs) = termios::tcgetattr(self.fd.get_ref()) else {
            return Vec::new();
        };
        if !attrs.local_flags.contains(LocalFlags::ISIG) {
            return Vec::new();
        }
        [
            (SpecialCharacterIndices::VINTR, Signal::SIGINT),
            (SpecialCharacterIndices::VQUIT, Signal::SIGQUIT),
            (SpecialCharacterIndices::VSUSP, Signal::SIGTSTP),
        ]
        .into_iter()
        .map(|(index, signal)| (attrs.control_chars[index as usize], signal))
        // A key set to 0 (_POSIX_VDISABLE) is switched off.
        .filter(|(key, _)| *key != 0)
        .collect()
    }

    /// Applies a signal key out of band, as the line discipline does in band:
    /// unless `NOFLSH` is set, pending input is discarded (a paste the
    /// program never read must not run as commands once it is gone); the key
    /// is echoed as `^C` where the tty echoes control characters; then the
    /// foreground process group gets the signal.
    pub fn send_signal_key(&self, signal: Signal, byte: u8) -> io::Result<()> {
        let attrs = termios::tcgetattr(self.fd.get_ref()).map_err(io::Error::from)?;
        let flags = attrs.local_flags;
        let mut slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(&self.slave)?;
        if !flags.contains(LocalFlags::NOFLSH) {
            termios::tcflush(&slave, termios::FlushArg::TCIFLUSH).map_err(io::Error::from)?;
        }
        if flags.contains(LocalFlags::ECHO) && flags.contains(LocalFlags::ECHOCTL) {
            // Best effort: a full output buffer only loses the cosmetic echo.
            let _ = slave.write(&[b'^', byte ^ 0x40]);
        }
        drop(slave);
        // Safety: the fd is an open PTY master; TIOCSIG takes the signal
        // number by value and signals the slave's foreground process group.
        unsafe { send_tty_signal(self.fd.get_ref().as_raw_fd(), signal as i32) }?;
        Ok(())
    }

    /// The command name of the job in the foreground, or `None` while the
    /// shell itself is (`shell` is its pid, which leads the session and so
    /// its own group). Asked of the master, which answers for the slave; the
    /// name is the group leader's `/proc/<pgid>/comm`, or that of any member
    /// once the leader has exited (the last stage of a pipeline outlives it).
    pub fn foreground_job(&self, shell: u32) -> Option<String> {
        let group = nix::unistd::tcgetpgrp(self.fd.get_ref()).ok()?.as_raw();
        if group <= 0 || group as u32 == shell {
            return None;
        }
        // A job whose every process is gone by now has nothing left to end: `None`.
        command_name(group).or_else(|| group_members(group).into_iter().find_map(command_name))
    }

    /// The folder the foreground job works in (the shell's at its prompt),
    /// as a host path from `/proc/<pid>/cwd`: the group leader's, or any
    /// member's once it has exited. `None` when unknown or deleted. Callers
    /// turn it into a path relative to the root, never send it as it is.
    pub fn foreground_cwd(&self, shell: u32) -> Option<std::path::PathBuf> {
        let group = nix::unistd::tcgetpgrp(self.fd.get_ref()).ok()?.as_raw();
        let pids = if group <= 0 || group as u32 == shell {
            vec![shell as i32]
        } else {
            std::iter::once(group).chain(group_members(group)).collect()
        };
        pids.into_iter().find_map(|pid| {
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
            // A removed folder reads as "<path> (deleted)": nowhere to put a file.
            (!cwd.as_os_str().as_encoded_bytes().ends_with(b" (deleted)")).then_some(cwd)
        })
    }

    /// Sets the window size; the kernel sends SIGWINCH to the foreground group.
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        resize_fd(self.fd.get_ref(), cols, rows)
    }
}

/// A pidfd for `pid`, registered with the runtime: it refers to that
/// process alone, even after exit, until it is reaped, and turns readable
/// when the process exits (see [`crate::process`]).
pub fn pidfd_open(pid: i32) -> io::Result<AsyncFd<OwnedFd>> {
    // Safety: pidfd_open takes a pid and flags by value and returns a new fd
    // or -1; a non-negative result is a descriptor we now own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, libc::PIDFD_NONBLOCK) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // Safety: `fd` was just returned by the kernel and nobody else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // Safety: we own `fd` outright and it stays open and unchanged until the
    // AsyncFd, its only owner, is dropped.
    unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)
}

/// Arms `command` so its child gets `signal` from the kernel when the thread
/// that spawns it exits (prctl PR_SET_PDEATHSIG), for
/// [`crate::process::spawn_tied`]. If termgate is already gone by the time the
/// child arms it, the child refuses to start (ESRCH) rather than run untied.
pub fn arm_death_signal(command: &mut Command, signal: Signal) {
    // Taken before the fork: in the child, a different parent means termgate
    // died before the death signal was armed (the child was re-parented), and
    // the signal will never come.
    let parent = nix::unistd::getpid();
    // Safety: the closure runs in the forked child before exec and only makes
    // the async-signal-safe system calls prctl and getppid; it takes no locks
    // and allocates nothing (an io::Error from an errno is not boxed).
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(signal)?;
            if nix::unistd::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Sends `signal` to the other process groups of the session led by `sid`:
/// the groups job control made for background jobs. Processes that started
/// a session of their own (`setsid`, daemons) are deliberately out of reach.
/// Only [`ProcessGroup`] calls this, while the leader is unreaped.
pub fn signal_session_members(sid: Pid, signal: Signal) {
    let sid = sid.as_raw() as u32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if session_of(pid) == Some(sid) {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), signal);
        }
    }
}

/// `/proc/<pid>/comm` without its newline: the command name (at most 15 bytes).
fn command_name(pid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let comm = comm.trim_end_matches('\n');
    (!comm.is_empty()).then(|| comm.to_string())
}

/// The pids whose process group is `group` (the 3rd field after the name in stat).
fn group_members(group: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| stat_field(pid, 2) == Some(group as u32))
        .collect()
}

/// The session id field of `/proc/<pid>/stat` (the 4th after the command name).
fn session_of(pid: i32) -> Option<u32> {
    stat_field(pid, 3)
}

/// Field `n` (0: the state) of `/proc/<pid>/stat` after the command name,
/// which may itself hold spaces and parentheses.
fn stat_field(pid: i32, n: usize) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(n)?.parse().ok()
}
