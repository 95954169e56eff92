//! Reading the cross-check inputs (CSV/XLSX, docs/crosscheck-inputs.md) from
//! files and directory trees into one `MineInputs` per mine.
//!
//! A region-year is tens of millions of rows in a few hundred files, and parsing
//! is CPU-bound (about 1.5 M rows/s per core), so files are parsed on several
//! threads, largest first (so that no big file starts last and leaves the other
//! cores idle). Each worker holds only the file it is parsing: it reads the
//! bytes, parses them and drops them before taking the next. What the import
//! keeps is merged in the order of the sorted walk, whatever order the files
//! finish in, so rejects are printed in walk order and rows of one mine and time
//! from two files keep that order: the result does not depend on the threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use minesafe_crosscheck::import::{self, Import, Kind, Rows};
use minesafe_crosscheck::MineInputs;

/// How one file went.
#[derive(Clone, Debug)]
pub struct FileStat {
    pub path: PathBuf,
    /// The kind its name announces (`None`: a mixed file with a `kind` column, or unknown).
    pub kind: Option<Kind>,
    pub bytes: u64,
    /// Rows kept.
    pub rows: usize,
    pub rejects: usize,
    /// Seconds spent reading the bytes and parsing them, on the worker's thread.
    pub read_secs: f64,
    pub parse_secs: f64,
}

/// What [`read_inputs_with`] read, with its timings.
#[derive(Debug)]
pub struct ReadReport {
    /// Mines in code order.
    pub mines: Vec<MineInputs>,
    /// Rejected rows and files.
    pub rejected: usize,
    /// One per file, in walk order.
    pub files: Vec<FileStat>,
    /// Wall time of the walk, the parallel parse and the merge per mine.
    pub walk_secs: f64,
    pub parse_secs: f64,
    pub merge_secs: f64,
}

/// Reads every CSV/XLSX under `paths` into per-mine inputs, with the registry's
/// declared faces; rejected rows and files are printed on stderr with file and row.
/// Parses on as many threads as there are cores.
pub fn read_inputs(paths: &[PathBuf], registry: &minesafe_model::Registry) -> Result<(Vec<MineInputs>, usize)> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let r = read_inputs_with(paths, registry, threads)?;
    Ok((r.mines, r.rejected))
}

/// [`read_inputs`] on `threads` threads (at least 1), with per-file timings.
pub fn read_inputs_with(paths: &[PathBuf], registry: &minesafe_model::Registry, threads: usize) -> Result<ReadReport> {
    let t0 = Instant::now();
    let files = walk(paths)?;
    let walk_secs = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let (per_mine, stats, rejects, ignored) = parse_all(&files, threads)?;
    let parse_secs = t1.elapsed().as_secs_f64();
    for r in &rejects {
        eprintln!("rejected: {r}");
    }
    for c in &ignored {
        eprintln!("ignored column: {c}");
    }

    let t2 = Instant::now();
    let mut todo: Vec<(MineInputs, Vec<Rows>)> = Vec::with_capacity(per_mine.len());
    for (code, parts) in per_mine {
        let info = match registry.mines.iter().find(|m| m.code.as_str() == code) {
            Some(i) => i.clone(),
            None => {
                eprintln!("mine {code} is not in the registry: judged without declared faces, capacity or status");
                let Ok(mc) = minesafe_model::MineCode::parse(&code) else {
                    eprintln!("rejected: mine code {code:?} is not a valid mine code; its rows are skipped");
                    continue;
                };
                minesafe_model::registry::MineInfo::new(mc)
            }
        };
        let t = minesafe_model::Timestamp(i64::MIN);
        todo.push((MineInputs::new(info, t, t), parts));
    }
    let mines = merge_all(todo, threads);
    let merge_secs = t2.elapsed().as_secs_f64();
    Ok(ReadReport { mines, rejected: rejects.len(), files: stats, walk_secs, parse_secs, merge_secs })
}

/// The CSV/XLSX files under `paths`, each tree walked in file-name order.
fn walk(paths: &[PathBuf]) -> Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    for p in paths {
        for e in walkdir::WalkDir::new(p).sort_by_file_name() {
            let e = e.with_context(|| format!("reading {}", p.display()))?;
            let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("").to_ascii_lowercase();
            if !e.file_type().is_file() || !(ext == "csv" || ext == "xlsx") {
                continue;
            }
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            files.push((e.into_path(), len));
        }
    }
    Ok(files)
}

type Parsed = (BTreeMap<String, Vec<Rows>>, Vec<FileStat>, Vec<import::Reject>, Vec<String>);

/// Parses the files on `threads` workers, largest first, and gathers each mine's
/// rows in walk order. A file that cannot be read stops the whole read (as a
/// missing file would), reported for the first such file in walk order.
fn parse_all(files: &[(PathBuf, u64)], threads: usize) -> Result<Parsed> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].1));
    let threads = threads.clamp(1, 64).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<(Import, FileStat)>)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (tx, next, order) = (tx.clone(), &next, &order);
            s.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                if tx.send((i, parse_one(&files[i].0))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Merge in walk order while the workers go on: a finished file waits only
        // for the files before it in the walk.
        let mut waiting: BTreeMap<usize, Result<(Import, FileStat)>> = BTreeMap::new();
        let mut due = 0usize;
        let mut out: Parsed = (BTreeMap::new(), Vec::with_capacity(files.len()), Vec::new(), Vec::new());
        let mut failed: Option<anyhow::Error> = None;
        for (i, res) in rx {
            waiting.insert(i, res);
            while let Some(res) = waiting.remove(&due) {
                due += 1;
                match res {
                    Ok((imp, stat)) if failed.is_none() => {
                        for (code, rows) in imp.mines {
                            out.0.entry(code).or_default().push(rows);
                        }
                        out.1.push(stat);
                        out.2.extend(imp.rejects);
                        out.3.extend(imp.ignored_columns);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        failed.get_or_insert(e);
                        // No point parsing the rest.
                        next.store(order.len(), Ordering::Relaxed);
                    }
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    })
}

fn parse_one(path: &Path) -> Result<(Import, FileStat)> {
    let t0 = Instant::now();
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let read_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let name = path.display().to_string();
    let imp = import::read(&name, &bytes);
    let parse_secs = t1.elapsed().as_secs_f64();
    let stat = FileStat {
        path: path.to_path_buf(),
        kind: Kind::from_file_name(&name),
        bytes: bytes.len() as u64,
        rows: imp.accepted(),
        rejects: imp.rejects.len(),
        read_secs,
        parse_secs,
    };
    Ok((imp, stat))
}

/// Moves each mine's rows into its inputs (sorted, as detectors expect) and sets
/// the period from the data, on `threads` threads; keeps the order of `todo`.
fn merge_all(todo: Vec<(MineInputs, Vec<Rows>)>, threads: usize) -> Vec<MineInputs> {
    let threads = threads.clamp(1, 64).min(todo.len().max(1));
    let chunk = todo.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<(MineInputs, Vec<Rows>)>> = Vec::new();
    let mut it = todo.into_iter().peekable();
    while it.peek().is_some() {
        parts.push(it.by_ref().take(chunk).collect());
    }
    std::thread::scope(|s| {
        let hs: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || part.into_iter().map(|(m, rows)| merge_one(m, rows)).collect::<Vec<_>>()))
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn merge_one(mut m: MineInputs, parts: Vec<Rows>) -> MineInputs {
    let mut it = parts.into_iter();
    let mut rows = it.next().unwrap_or_default();
    for more in it {
        rows.append(more);
    }
    rows.append_into(&mut m);
    let (from, to) = span(&m);
    m.from = from;
    m.to = to;
    m
}

/// The period the data covers: from the first day to the end of the last, by the
/// daily and hourly series. Card trips count only when there are none: a shift
/// starting at midnight has its crew going down the evening before, which would
/// otherwise open the period with a day of no output, power or people.
pub fn span(m: &MineInputs) -> (minesafe_model::Timestamp, minesafe_model::Timestamp) {
    use minesafe_crosscheck::inputs::{day_of, day_start};
    let fold = |days: &mut dyn Iterator<Item = i32>| days.fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let (mut lo, mut hi) = fold(
        &mut m
            .output
            .iter()
            .map(|r| r.day)
            .chain(m.energy.iter().map(|r| day_of(r.hour)))
            .chain(m.area_hours.iter().map(|r| day_of(r.hour)))
            .chain(m.crews.iter().map(|r| r.day))
            .chain(m.explosives.iter().map(|r| r.day))
            .chain(m.methane.iter().map(|r| day_of(r.hour))),
    );
    if lo > hi {
        (lo, hi) = fold(&mut m.trips.iter().map(|r| day_of(r.down)));
    }
    if lo > hi {
        (minesafe_model::Timestamp(0), minesafe_model::Timestamp(0))
    } else {
        (day_start(lo), day_start(hi + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINE: &str = "140211011234";
    const MINE2: &str = "140211019999";

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write");
    }

    #[test]
    fn files_read_in_parallel_give_the_same_mines_in_walk_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        // One mine's energy split over two files with the same hours: the walk
        // order (a before b) decides the order within an hour, not the threads.
        let mut a = String::from("mine,hour,consumer,feeder,kwh\n");
        let mut b = a.clone();
        for h in 0..200 {
            let t = minesafe_model::Timestamp::parse_beijing("2026-03-02 00:00:00").expect("t").plus_secs(h * 3600).upload_format();
            a.push_str(&format!("{MINE},{t},hoisting,H1,{h}\n"));
            b.push_str(&format!("{MINE},{t},hoisting,H2,{}\n", h + 1000));
        }
        write(dir.path(), "energy_a.csv", &a);
        write(dir.path(), "energy_b.csv", &b);
        write(
            dir.path(),
            "output.csv",
            &format!("mine,day,source,tonnes\n{MINE2},2026-03-02,declared,3000\n{MINE},2026-03-03,sales,lots\n"),
        );
        write(dir.path(), "stuff.csv", "mine,day\n");
        write(dir.path(), "notes.txt", "not an input");
        let registry = minesafe_model::Registry::default();
        let paths = [dir.path().to_path_buf()];
        let one = read_inputs_with(&paths, &registry, 1).expect("read");
        for threads in [2, 3, 8] {
            let r = read_inputs_with(&paths, &registry, threads).expect("read");
            assert_eq!(r.rejected, 2, "a bad row and a file of no kind");
            assert_eq!(r.files.len(), 4, "the .txt is not read");
            let names: Vec<_> = r.files.iter().map(|f| f.path.file_name().and_then(|n| n.to_str()).unwrap_or("")).collect();
            assert_eq!(names, ["energy_a.csv", "energy_b.csv", "output.csv", "stuff.csv"], "walk order");
            assert_eq!(r.files.iter().map(|f| f.rows).sum::<usize>(), 401);
            assert_eq!(r.mines.len(), 2);
            let m = r.mines.iter().find(|m| m.code() == MINE).expect("mine");
            assert_eq!(m.energy.len(), 400);
            assert_eq!((m.energy[0].feeder.as_str(), m.energy[1].feeder.as_str()), ("H1", "H2"));
            assert_eq!(m.energy, one.mines.iter().find(|m| m.code() == MINE).expect("mine").energy);
            // The period is what the data covers.
            assert_eq!(m.from, minesafe_model::Timestamp::parse_beijing("2026-03-02 00:00:00").expect("t"));
            assert_eq!(m.to, minesafe_model::Timestamp::parse_beijing("2026-03-11 00:00:00").expect("t"));
            let m2 = r.mines.iter().find(|m| m.code() == MINE2).expect("mine");
            assert_eq!(m2.output.len(), 1);
        }
    }

    #[test]
    fn the_period_is_that_of_the_series_not_of_a_trip_down_the_evening_before() {
        let t = |s: &str| minesafe_model::Timestamp::parse_beijing(s).expect("t");
        let code = minesafe_model::MineCode::parse(MINE).expect("code");
        let mut m = MineInputs::new(minesafe_model::registry::MineInfo::new(code), t("2000-01-01 00:00:00"), t("2000-01-01 00:00:00"));
        let trip = minesafe_crosscheck::inputs::CardTrip {
            card: "C1".into(),
            down: t("2026-01-01 23:40:00"),
            up: Some(t("2026-01-02 08:30:00")),
            last_seen: t("2026-01-02 08:29:00"),
            areas: Vec::new(),
        };
        m.trips.push(trip);
        // Only trips: they make the period.
        assert_eq!(span(&m), (t("2026-01-01 00:00:00"), t("2026-01-02 00:00:00")));
        m.methane.push(minesafe_crosscheck::inputs::HourlyMethane { hour: t("2026-01-02 00:00:00"), m3_per_min: 1.0 });
        m.methane.push(minesafe_crosscheck::inputs::HourlyMethane { hour: t("2026-01-03 23:00:00"), m3_per_min: 1.0 });
        assert_eq!(span(&m), (t("2026-01-02 00:00:00"), t("2026-01-04 00:00:00")));
        m.methane.clear();
        m.trips.clear();
        assert_eq!(span(&m), (minesafe_model::Timestamp(0), minesafe_model::Timestamp(0)), "no data, no period");
    }

    #[test]
    fn a_missing_path_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_inputs(&[dir.path().join("nope")], &minesafe_model::Registry::default()).expect_err("missing");
        assert!(format!("{err:#}").contains("nope"), "{err:#}");
        // An empty directory is no error: nothing to read.
        let (mines, rejected) = read_inputs(&[dir.path().to_path_buf()], &minesafe_model::Registry::default()).expect("empty");
        assert_eq!((mines.len(), rejected), (0, 0));
    }
}
