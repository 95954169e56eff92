//! Peak memory of this process, for `minesafe bench` (which runs `check` as a child
//! and asks it to report through `MINESAFE_REPORT_PEAK_RSS`).

/// Peak resident set size in KiB (VmHWM), on Linux.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

pub fn report_if_asked() {
    if std::env::var_os("MINESAFE_REPORT_PEAK_RSS").is_some() {
        if let Some(k) = peak_rss_kib() {
            eprintln!("peak_rss_kib={k}");
        }
    }
}
