//! The server's memory as Linux reports it in `/proc/PID/status`: resident now (VmRSS) and at
//! its highest so far (VmHWM), read once or sampled every 100 ms while a scenario runs.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub fn read(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(Memory {
        rss_kib: kib(&status, "VmRSS:")?,
        hwm_kib: kib(&status, "VmHWM:")?,
    })
}

/// The value of a `NAME:   1234 kB` line of a `/proc` file.
pub fn kib(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples the resident size of `pid` until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<u64>,
}

impl Sampler {
    pub fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut highest = 0;
            loop {
                highest = read(pid).map_or(highest, |m| highest.max(m.rss_kib));
                if flag.load(Ordering::Relaxed) {
                    return highest;
                }
                std::thread::sleep(EVERY);
            }
        });
        Sampler { stop, thread }
    }

    /// The highest VmRSS sampled, in KiB.
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
