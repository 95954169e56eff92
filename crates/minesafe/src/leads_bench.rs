//! `minesafe leads bench --files`: the path a regulator's data takes — CSV files
//! in the import format on disk → parse → group per mine → analyse — timed on a
//! simulated region-year, against the one-minute target.
//!
//! The year is written group by group (`minesafe_sim::ops_csv`), so the
//! simulator never holds the region, and the peak memory is reset before the
//! read (Linux `clear_refs`), so the peak reported is that of reading and
//! analysing. The baseline, in the same run, is reading the same files and
//! counting their lines on the same threads: the least any parser must do.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use minesafe_crosscheck::Config;
use minesafe_sim::ops::OpsConfig;
use minesafe_sim::ops_csv;

/// The target: a region-year analysed in under a minute.
const TARGET_SECS: f64 = 60.0;

/// Simulates `mines` mines (seed 42, as `leads bench`), writes their year as CSV
/// into `dir` (a temporary directory when `None`), reads it back through
/// `read_inputs` and analyses it, printing the time of each step. The files are
/// deleted unless `keep`. Exit code 1 when the rows read back differ from the
/// rows written or any row is rejected.
pub fn bench_files(mines: usize, threads: usize, dir: Option<&Path>, keep: bool) -> Result<i32> {
    let threads = threads.max(1);
    let tmp;
    let dir: PathBuf = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            tmp = tempfile::Builder::new().prefix("minesafe-leads-bench").tempdir().context("creating a temporary directory")?;
            tmp.path().to_path_buf()
        }
    };
    let cfg = OpsConfig { name: "bench".into(), seed: 42, mines, ..OpsConfig::default() };

    let t0 = Instant::now();
    let written = ops_csv::write_ops_csv_streamed(&cfg, &dir, threads).with_context(|| format!("writing CSV into {}", dir.display()))?;
    let t_write = t0.elapsed().as_secs_f64();
    let (rows, bytes) = (written.rows(), written.bytes());
    let gen_peak = crate::peak::peak_rss_kib();
    println!(
        "wrote {mines} mines' year into {}: {} files, {rows} rows, {:.0} MB, in {t_write:.1} s (simulate + format + write, {threads} thread(s)); registry {}",
        dir.display(),
        written.files.len(),
        mb(bytes),
        written.registry.display()
    );

    let result = measure(&dir, &written, threads, gen_peak);
    if !keep {
        for f in &written.files {
            let _ = std::fs::remove_file(&f.path);
        }
        let _ = std::fs::remove_file(&written.registry);
    } else {
        println!("kept: minesafe leads analyse {} --registry {}", dir.display(), written.registry.display());
    }
    result
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

fn measure(dir: &Path, written: &ops_csv::OpsCsvSummary, threads: usize, gen_peak: Option<u64>) -> Result<i32> {
    let (rows, bytes) = (written.rows(), written.bytes());
    // Baseline: the same bytes from disk (page cache: they were just written), lines counted.
    let t_base = count_lines(&written.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(), threads)?;
    let base_lines = t_base.1;
    let t_base = t_base.0;

    let reset = reset_peak();
    let cpu1 = cpu_secs();
    let t1 = Instant::now();
    let registry = crate::batch::load_registry(Some(&written.registry))?;
    let read = crate::leads_read::read_inputs_with(&[dir.to_path_buf()], &registry, threads)?;
    let t_read = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let leads = crate::leads_cli::analyse_all(&read.mines, &Config::default(), threads);
    let t_analyse = t2.elapsed().as_secs_f64();
    let cpu = cpu_secs().zip(cpu1).map(|(b, a)| b - a);
    let peak = crate::peak::peak_rss_kib();

    let got: usize = read.files.iter().map(|f| f.rows).sum();
    let n_leads: usize = leads.iter().map(Vec::len).sum();
    let total = t_read + t_analyse;
    println!(
        "baseline, read the files and count lines ({threads} thread(s)): {t_base:.2} s, {:.0} MB/s, {base_lines} lines",
        mb(bytes) / t_base.max(1e-9)
    );
    println!(
        "read_inputs ({threads} thread(s)): {t_read:.2} s — {:.0} MB/s, {:.2} M rows/s, {:.1}× the baseline; {} mines, {got} rows kept, {} rejected",
        mb(bytes) / t_read.max(1e-9),
        rows as f64 / t_read.max(1e-9) / 1e6,
        t_read / t_base.max(1e-9),
        read.mines.len(),
        read.rejected
    );
    println!(
        "  of which: walk {:.2} s, parse {:.2} s (wall), merge per mine {:.2} s; registry load {:.2} s",
        read.walk_secs,
        read.parse_secs,
        read.merge_secs,
        (t_read - read.walk_secs - read.parse_secs - read.merge_secs).max(0.0)
    );
    println!("  per kind (thread-seconds, summed over files):");
    for (kind, krows, kbytes) in written.rows_by_kind() {
        let fs: Vec<_> = read.files.iter().filter(|f| f.kind == Some(kind)).collect();
        let parse: f64 = fs.iter().map(|f| f.parse_secs).sum();
        let io: f64 = fs.iter().map(|f| f.read_secs).sum();
        println!(
            "    {:<16} {:>3} files {:>10} rows {:>8.0} MB  read {:>6.2} s  parse {:>6.2} s  {:>5.2} M rows/s per core",
            kind.name(),
            fs.len(),
            krows,
            mb(kbytes),
            io,
            parse,
            krows as f64 / parse.max(1e-9) / 1e6
        );
    }
    if let Some(f) = read.files.iter().max_by(|a, b| a.parse_secs.total_cmp(&b.parse_secs)) {
        println!(
            "  slowest file: {} ({:.0} MB, {} rows, {} rejected) parsed in {:.2} s",
            f.path.display(),
            mb(f.bytes),
            f.rows,
            f.rejects,
            f.parse_secs
        );
    }
    println!("analysis ({threads} thread(s)): {t_analyse:.2} s, {n_leads} leads");
    println!(
        "file → leads: {total:.1} s for {rows} rows ({:.2} M rows/s) — target < {TARGET_SECS:.0} s: {}",
        rows as f64 / total.max(1e-9) / 1e6,
        if total < TARGET_SECS { "met" } else { "MISSED" }
    );
    if let Some(c) = cpu {
        // On a shared machine the wall time includes waiting for the cores.
        println!(
            "CPU time of read + analyse: {c:.1} s over {total:.1} s wall = {:.2} of {threads} thread(s) busy (less: other processes had the cores)",
            c / total.max(1e-9)
        );
    }
    let show = |k: Option<u64>| k.map(|k| format!("{:.0} MB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into());
    if reset {
        println!("peak RSS: read + analyse {}; writing (simulation, 1 group per thread) {}", show(peak), show(gen_peak));
    } else {
        println!("peak RSS of the whole run (the peak could not be reset before the read): {}", show(peak));
    }
    if got as u64 != rows || read.rejected > 0 {
        eprintln!("read back {got} rows of {rows} written, {} rejected: the file path lost data", read.rejected);
        return Ok(1);
    }
    Ok(0)
}

/// Reads every file and counts `\n`, on `threads` threads; (seconds, lines).
fn count_lines(paths: &[PathBuf], threads: usize) -> Result<(f64, u64)> {
    let t = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = threads.clamp(1, 64).min(paths.len().max(1));
    let counts: Vec<Result<u64>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let next = &next;
                s.spawn(move || -> Result<u64> {
                    let mut n = 0u64;
                    while let Some(p) = paths.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        let b = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                        n += b.iter().filter(|&&c| c == b'\n').count() as u64;
                    }
                    Ok(n)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut lines = 0;
    for c in counts {
        lines += c?;
    }
    Ok((t.elapsed().as_secs_f64(), lines))
}

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`,
/// clock ticks of 1/100 s).
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after `)`.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Resets the process's peak RSS (Linux ≥ 4.0: `5` into `/proc/self/clear_refs`),
/// so that the next reading is the peak of what follows.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use minesafe_sim::ops::simulate_ops;

    /// (mine, rule, start, end, place) of a lead.
    type Key = (String, String, i64, Option<i64>, Option<String>);

    /// The key of every lead, and the scores (sorted by mine, rule, start).
    fn keyed(leads: &[Vec<minesafe_crosscheck::Lead>]) -> (BTreeSet<Key>, Vec<String>) {
        let mut set = BTreeSet::new();
        let mut scores = Vec::new();
        for l in leads.iter().flatten() {
            let f = &l.finding;
            set.insert((f.mine.clone(), f.rule.clone(), f.start.0, f.end.map(|e| e.0), f.place.clone()));
            scores.push(format!("{} {} {} {:.6}", f.mine, f.rule, f.start.0, l.score));
        }
        scores.sort();
        (set, scores)
    }

    #[test]
    fn the_file_path_gives_the_leads_of_the_in_memory_year() {
        // Patterned mines among clean ones, so that there are leads to compare.
        let cfg = OpsConfig { name: "files".into(), seed: 11, mines: 12, ..OpsConfig::default() };
        let year = simulate_ops(&cfg);
        let dir = tempfile::tempdir().expect("tempdir");
        let written = ops_csv::write_ops_csv(&year, dir.path()).expect("write");
        let registry = crate::batch::load_registry(Some(&written.registry)).expect("registry");
        let read = crate::leads_read::read_inputs_with(&[dir.path().to_path_buf()], &registry, 2).expect("read");
        assert_eq!(read.rejected, 0);
        assert_eq!(read.mines.len(), 12);
        let mut by_code: Vec<&minesafe_crosscheck::MineInputs> = year.mines.iter().collect();
        by_code.sort_by(|a, b| a.code().cmp(b.code()));
        for (got, want) in read.mines.iter().zip(&by_code) {
            assert_eq!(got.code(), want.code());
            assert_eq!((got.from, got.to), (want.from, want.to), "the period comes from the data");
            assert_eq!(got.info, want.info, "the registry round-trips");
        }
        let cfg = Config::default();
        let mem = keyed(&crate::leads_cli::analyse_all(&by_code.iter().map(|m| (*m).clone()).collect::<Vec<_>>(), &cfg, 2));
        let files = keyed(&crate::leads_cli::analyse_all(&read.mines, &cfg, 2));
        assert!(mem.0.len() >= 5, "the patterns give leads: {:?}", mem.0);
        assert_eq!(files.0, mem.0);
        assert_eq!(files.1, mem.1, "and the same scores");
    }

    #[test]
    fn bench_files_checks_what_it_reads_and_cleans_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("year");
        assert_eq!(bench_files(2, 2, Some(&out), false).expect("bench"), 0);
        let left: Vec<_> = std::fs::read_dir(&out).expect("dir").collect();
        assert!(left.is_empty(), "files deleted unless kept: {left:?}");
        assert_eq!(bench_files(2, 1, Some(&out), true).expect("bench"), 0);
        let kept = std::fs::read_dir(&out).expect("dir").count();
        assert!(kept >= 10, "every kind and the registry kept: {kept}");
    }
}
