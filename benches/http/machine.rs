//! What the figures were measured on, as Linux describes it: cores, processor model, memory, and
//! how busy the machine was (the load generator and other work share the cores with the server).

/// "2 cores (AMD EPYC), 23.5 GiB memory, Linux 6.1.0".
pub fn describe() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown processor", |(_, name)| name.trim());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib = crate::memory::kib(&meminfo, "MemTotal:").unwrap_or(0) as f64;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, Linux {}",
        memory_kib / 1024.0 / 1024.0,
        kernel.trim()
    )
}

/// The 1, 5 and 15 minute load averages, e.g. "0.52 0.31 0.20".
pub fn load() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
