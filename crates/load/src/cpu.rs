//! Where a run's time went: the CPU (user + system) the server processes, their writer
//! threads and the load generator itself used, read from `/proc` around each phase. Divided by
//! the requests answered, it says what one request costs each side — and so how many a second
//! the machine's cores could answer at most, whatever waits in between.

use anyhow::{Context, Result};

/// CPU seconds used so far, by side.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// The server processes, all their threads (those that ended too).
    pub server: f64,
    /// Their `sb-writer` threads: the one thread that runs every write transaction (group commit).
    pub writer: f64,
    /// This process: the load generator.
    pub generator: f64,
}

impl Usage {
    /// Now, for the server processes `servers`.
    pub fn read(servers: &[u32]) -> Result<Usage> {
        let tick = tick_seconds()?;
        let mut usage = Usage {
            generator: stat_ticks("/proc/self/stat")? * tick,
            ..Usage::default()
        };
        for pid in servers {
            usage.server += stat_ticks(&format!("/proc/{pid}/stat"))? * tick;
            usage.writer += thread_ticks(*pid, "sb-writer")? * tick;
        }
        Ok(usage)
    }

    /// What was used between `earlier` and `self`, per one of `requests`, in microseconds.
    pub fn per_request_since(&self, earlier: &Usage, requests: u64) -> Usage {
        let per = |now: f64, then: f64| (now - then) * 1e6 / requests.max(1) as f64;
        Usage {
            server: per(self.server, earlier.server),
            writer: per(self.writer, earlier.writer),
            generator: per(self.generator, earlier.generator),
        }
    }

    /// Server and generator together.
    pub fn total(&self) -> f64 {
        self.server + self.generator
    }
}

/// Seconds per clock tick of `/proc/…/stat`'s times.
fn tick_seconds() -> Result<f64> {
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .context("sysconf(CLK_TCK)")?
        .context("sysconf(CLK_TCK) has no value")?;
    Ok(1.0 / ticks as f64)
}

/// `utime + stime` of a `/proc/…/stat` file, in clock ticks. The process's own counts
/// include its threads that ended.
fn stat_ticks(path: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    parse_ticks(&stat).with_context(|| format!("{path}: no utime and stime in {stat:?}"))
}

/// Fields 14 and 15 (`utime`, `stime`) of a stat line; the command name (field 2, in
/// parentheses) may hold spaces, so the count starts after its closing parenthesis.
fn parse_ticks(stat: &str) -> Option<f64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Ticks of the threads of `pid` named `name` (0 when there is none).
fn thread_ticks(pid: u32, name: &str) -> Result<f64> {
    let mut ticks = 0.0;
    let tasks = format!("/proc/{pid}/task");
    for task in std::fs::read_dir(&tasks).with_context(|| format!("reading {tasks}"))? {
        let dir = task?.path();
        // A thread may end between the listing and the reads: it is then not counted.
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if comm.trim_end() == name {
            if let Ok(used) = stat_ticks(&dir.join("stat").to_string_lossy()) {
                ticks += used;
            }
        }
    }
    Ok(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_system_ticks_are_read_after_the_command_name() {
        let line = "4242 (sb writer) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 \
                    250 70 0 0 20 0 9 0 123 4567 89 18446744073709551615";
        assert_eq!(parse_ticks(line), Some(320.0));
        assert_eq!(parse_ticks("4242 (cut short) S 1 2"), None);
    }

    #[test]
    fn this_process_is_seen_using_cpu_time() {
        // Ticks are counted where the thread runs at a timer interrupt: spin until one lands.
        let before = Usage::read(&[]).unwrap();
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        let mut after = before;
        while after.generator <= before.generator && started.elapsed().as_secs() < 20 {
            for _ in 0..1_000_000 {
                spin = spin.wrapping_add(std::hint::black_box(1));
            }
            after = Usage::read(&[]).unwrap();
        }
        std::hint::black_box(spin);
        assert!(after.generator > before.generator, "{before:?} → {after:?}");
        assert_eq!(after.server, 0.0);
    }
}
