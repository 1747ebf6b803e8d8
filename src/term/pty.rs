//! The OS pseudo-terminal and the shell on it. All of termgate's `unsafe`
//! lives in this file, each block with a `// Safety:` line.
//!
//! The master side is opened close-on-exec and non-blocking and wrapped in a
//! tokio `AsyncFd`, so one task can read output while another writes input.
//! The shell runs in a new session (`setsid`) with the slave as its
//! controlling terminal, so closing a tab can signal its whole process group.

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::libc;
use nix::pty::{PtyMaster, Winsize, grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Stdio;
use tokio::io::unix::AsyncFd;
use tokio::process::{Child, Command};

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, Winsize);

/// What to start on a new PTY.
pub struct SpawnOptions<'a> {
    pub shell: &'a Path,
    pub cwd: &'a Path,
    pub cols: u16,
    pub rows: u16,
    /// Extra environment on top of the filtered inherited one.
    pub env: Vec<(OsString, OsString)>,
}

/// The master side of a PTY, readable and writable from async code.
pub struct Master {
    fd: AsyncFd<OwnedFd>,
}

/// Opens a PTY and starts the shell on it. Returns the master and the child.
pub fn spawn(options: SpawnOptions<'_>) -> io::Result<(Master, Child)> {
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

    let mut command = Command::new(options.shell);
    command
        .current_dir(options.cwd)
        .env_clear()
        .envs(std::env::vars_os().filter(|(key, _)| !is_own_secret(key)))
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
    let child = command.spawn()?;
    // Our copies of the slave fd were moved into `command` and drop with it,
    // so the master sees EOF (EIO) once the shell and its children let go.
    drop(command);

    let flags = OFlag::from_bits_truncate(fcntl(&master, FcntlArg::F_GETFL)?);
    fcntl(&master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    // Safety: `master` is an OwnedFd we own outright; it stays open and is the
    // same descriptor until the AsyncFd (its only owner) is dropped.
    let fd = unsafe { AsyncFd::register(master) }.map_err(io::Error::from)?;
    Ok((Master { fd }, child))
}

fn master_to_fd(master: PtyMaster) -> OwnedFd {
    // Safety: `into_raw_fd` hands over sole ownership of a valid open fd.
    unsafe { OwnedFd::from_raw_fd(master.into_raw_fd()) }
}

/// termgate's own settings and secrets never reach the shell.
fn is_own_secret(key: &std::ffi::OsStr) -> bool {
    key.to_string_lossy().starts_with("TERMGATE_")
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

    /// Writes all of `bytes` (keystrokes or paste) to the shell's input.
    pub async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let mut guard = self.fd.writable().await?;
            match guard
                .try_io(|fd| nix::unistd::write(fd.get_ref(), bytes).map_err(io::Error::from))
            {
                Ok(Ok(n)) => bytes = &bytes[n..],
                Ok(Err(err)) => return Err(err),
                Err(_would_block) => continue,
            }
        }
        Ok(())
    }

    /// Sets the window size; the kernel sends SIGWINCH to the foreground group.
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        resize_fd(self.fd.get_ref(), cols, rows)
    }
}

/// Sends `signal` to every process in the shell's session: its own process
/// group and the groups job control made for background jobs. The shell is
/// the session leader, so the session id is its pid. Processes that started
/// a session of their own (`setsid`, daemons) are deliberately out of reach.
pub fn signal_session(sid: u32, signal: Signal) {
    // ESRCH (already gone) is the expected outcome once the group has exited.
    let _ = killpg(Pid::from_raw(sid as i32), signal);
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

/// The session id field of `/proc/<pid>/stat` (the 4th after the command name).
fn session_of(pid: i32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(3)?.parse().ok()
}
