//! The host's figures for `GET /api/status`: CPU, memory, the disk of the
//! file root, load and uptime, read from `/proc` and `statvfs` when asked.
//!
//! Nothing runs in the background: the CPU share is the change in
//! `/proc/stat`'s counters since the previous request (since boot on the
//! first), so a page that polls every few seconds gets the share over its
//! own interval and an idle server costs nothing. Each figure is `None`
//! where the host does not tell it (no `/proc`, say), never an error.

use crate::lock::lock;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;

/// What `/api/status` says of the host (bytes, seconds, percent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostStatus {
    /// Share of all CPUs busy since the previous request, 0–100.
    pub cpu_percent: Option<f64>,
    pub cpus: Option<usize>,
    pub memory_total: Option<u64>,
    /// What programs could still get without swapping (`MemAvailable`).
    pub memory_available: Option<u64>,
    /// The file system holding the file root.
    pub disk_total: Option<u64>,
    /// What an unprivileged user may still write there.
    pub disk_available: Option<u64>,
    /// The 1, 5 and 15 minute load averages.
    pub load: Option<[f64; 3]>,
    pub uptime_secs: Option<f64>,
}

/// `/proc/stat`'s counters, all CPUs together, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    pub busy: u64,
    pub total: u64,
}

pub struct Host {
    root: PathBuf,
    /// The counters at the previous request and the share they gave.
    last: Mutex<Option<(CpuTimes, f64)>>,
}

impl Host {
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            last: Mutex::new(None),
        }
    }

    pub fn status(&self) -> HostStatus {
        let stat = read("/proc/stat");
        let meminfo = read("/proc/meminfo");
        let disk = nix::sys::statvfs::statvfs(&self.root).ok().map(|fs| {
            let unit = fs.fragment_size();
            (
                fs.blocks().saturating_mul(unit),
                fs.blocks_available().saturating_mul(unit),
            )
        });
        HostStatus {
            cpu_percent: stat.as_deref().and_then(cpu_times).map(|t| self.cpu(t)),
            cpus: stat.as_deref().map(cpu_count).filter(|&n| n > 0),
            memory_total: meminfo
                .as_deref()
                .and_then(|m| meminfo_bytes(m, "MemTotal")),
            memory_available: meminfo
                .as_deref()
                .and_then(|m| meminfo_bytes(m, "MemAvailable")),
            disk_total: disk.map(|d| d.0),
            disk_available: disk.map(|d| d.1),
            load: read("/proc/loadavg").as_deref().and_then(load),
            uptime_secs: read("/proc/uptime").as_deref().and_then(uptime),
        }
    }

    /// The busy share since the previous call; the last share again when
    /// no tick has passed since (two pages asking at once).
    fn cpu(&self, now: CpuTimes) -> f64 {
        let mut last = lock(&self.last);
        let share = match *last {
            Some((before, share)) if now.total <= before.total => share,
            Some((before, _)) => percent(
                now.busy.saturating_sub(before.busy),
                now.total - before.total,
            ),
            None => percent(now.busy, now.total),
        };
        *last = Some((now, share));
        share
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn percent(busy: u64, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    (busy as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
}

/// The first line of `/proc/stat`: `cpu user nice system idle iowait irq
/// softirq steal guest guest_nice`. Idle is idle + iowait; guest time is
/// already inside user and nice, so it is not added again.
pub fn cpu_times(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if fields.len() < 4 {
        return None;
    }
    let total: u64 = fields.iter().sum();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some(CpuTimes {
        busy: total - idle,
        total,
    })
}

/// The `cpuN` lines of `/proc/stat`.
pub fn cpu_count(stat: &str) -> usize {
    stat.lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count()
}

/// A `/proc/meminfo` line such as `MemTotal:  16318412 kB`, in bytes.
pub fn meminfo_bytes(meminfo: &str, key: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let mut words = rest.split_whitespace();
        let n: u64 = words.next()?.parse().ok()?;
        match words.next() {
            Some("kB") => n.checked_mul(1024),
            None => Some(n),
            Some(_) => None,
        }
    })
}

/// `/proc/loadavg`: `0.52 0.58 0.59 1/389 12345`.
pub fn load(loadavg: &str) -> Option<[f64; 3]> {
    let mut words = loadavg.split_whitespace().map(str::parse::<f64>);
    Some([
        words.next()?.ok()?,
        words.next()?.ok()?,
        words.next()?.ok()?,
    ])
}

/// `/proc/uptime`: `12345.67 23456.78` (the first is the uptime).
pub fn uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 5 50 800 40 3 2 0 10 0\ncpu0 50 2 25 400 20 1 1 0 5 0\ncpu1 50 3 25 400 20 2 1 0 5 0\nintr 1 2 3\n";

    #[test]
    fn proc_stat_gives_busy_and_total_ticks_and_the_cpus() {
        // total = 100+5+50+800+40+3+2+0 (guest not again); idle = 800+40.
        assert_eq!(
            cpu_times(STAT),
            Some(CpuTimes {
                busy: 160,
                total: 1000
            })
        );
        assert_eq!(cpu_count(STAT), 2);
        assert_eq!(cpu_times("cpu0 1 2 3 4\n"), None);
        assert_eq!(cpu_times("cpu  1 x 3 4\n"), None);
    }

    #[test]
    fn the_cpu_share_is_over_the_interval_since_the_last_request() {
        let host = Host::new(PathBuf::from("/"));
        let at = |busy, total| CpuTimes { busy, total };
        assert_eq!(host.cpu(at(100, 1000)), 10.0); // since boot
        assert_eq!(host.cpu(at(150, 1100)), 50.0);
        assert_eq!(host.cpu(at(150, 1100)), 50.0); // no tick passed
        assert_eq!(host.cpu(at(150, 1200)), 0.0);
    }

    #[test]
    fn meminfo_load_and_uptime_parse() {
        let meminfo = "MemTotal:       16318412 kB\nMemFree: 1 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(meminfo_bytes(meminfo, "MemTotal"), Some(16318412 * 1024));
        assert_eq!(meminfo_bytes(meminfo, "MemAvailable"), Some(8000000 * 1024));
        assert_eq!(meminfo_bytes(meminfo, "Mem"), None);
        assert_eq!(
            load("0.52 0.58 1.59 1/389 12345\n"),
            Some([0.52, 0.58, 1.59])
        );
        assert_eq!(load("0.52\n"), None);
        assert_eq!(uptime("12345.67 23456.78\n"), Some(12345.67));
    }
}
