//! Writes a simulated region-year ([`OpsYear`]) as the CSV files a regulator
//! receives (the import format of `docs/crosscheck-inputs.md`) plus the registry
//! the CLI loads with `--registry`, so that the file path — read, check, group
//! per mine, analyse — can be measured and proven equal to the in-memory one.
//!
//! Layout: one file per kind and group of [`MINES_PER_FILE`] consecutive mines,
//! `<kind>_m<first>-<last>.csv` (1-based mine numbers, e.g.
//! `energy_m0001-0025.csv`), and `registry.json`, all in one directory. Why
//! per mine group rather than one file per kind or per kind and month:
//! - a year of electricity for 500 mines is ~1 GB of CSV; files of ~25 mines keep
//!   the largest (electricity) under ~100 MB, so a reader on a few threads holds a
//!   few of them at once, not the region;
//! - 20 groups give 20 comparable big files per hourly kind, enough to keep
//!   every core busy to the end;
//! - every mine's rows of a kind are in exactly one file, in time order: grouping
//!   per mine is a move, not a concatenation of twelve monthly pieces to re-sort.
//!
//! Rows are written in the order the simulator keeps them (sorted by time), with
//! numbers in Rust's shortest round-trip form, so the import gives back exactly
//! the same series. Nothing is written for `MineInputs::power`: it is derived
//! from CDSS uploads, not imported (and the simulator leaves it empty).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use minesafe_crosscheck::import::Kind;
use minesafe_crosscheck::inputs::{day_start, Consumer, CrewActivity, Day, OutputSource, VolumeKind};
use minesafe_crosscheck::MineInputs;
use minesafe_model::{Registry, Timestamp};

use crate::ops::{OpsConfig, OpsYear};
use crate::SimError;

/// Mines per file (see the module doc for why).
pub const MINES_PER_FILE: usize = 25;

/// The registry's file name in the output directory.
pub const REGISTRY_FILE: &str = "registry.json";

/// One CSV file written.
#[derive(Clone, Debug, PartialEq)]
pub struct OpsCsvFile {
    pub path: PathBuf,
    pub kind: Kind,
    /// Data rows (the header not counted).
    pub rows: u64,
    pub bytes: u64,
}

/// What [`write_ops_csv`] wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpsCsvSummary {
    /// In group order, then [`Kind::ALL`] order.
    pub files: Vec<OpsCsvFile>,
    pub registry: PathBuf,
    pub mines: usize,
}

impl OpsCsvSummary {
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Bytes of CSV (the registry not counted).
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Rows per kind, in [`Kind::ALL`] order (kinds with no file left out).
    pub fn rows_by_kind(&self) -> Vec<(Kind, u64, u64)> {
        Kind::ALL
            .iter()
            .filter_map(|&k| {
                let fs = self.files.iter().filter(|f| f.kind == k);
                let (n, rows, bytes) = fs.fold((0, 0, 0), |(n, r, b), f| (n + 1, r + f.rows, b + f.bytes));
                (n > 0).then_some((k, rows, bytes))
            })
            .collect()
    }
}

/// Writes every series of every mine of `year`, and the registry, into `dir`
/// (created if missing; existing files of the same names are replaced).
pub fn write_ops_csv(year: &OpsYear, dir: &Path) -> Result<OpsCsvSummary, SimError> {
    std::fs::create_dir_all(dir).map_err(|source| SimError::File { path: dir.to_path_buf(), source })?;
    let mut out = OpsCsvSummary { mines: year.mines.len(), ..OpsCsvSummary::default() };
    for (g, group) in year.mines.chunks(MINES_PER_FILE).enumerate() {
        out.files.extend(write_group(group, g * MINES_PER_FILE, dir)?);
    }
    out.registry = write_registry(&Registry { mines: year.mines.iter().map(|m| m.info.clone()).collect() }, dir)?;
    Ok(out)
}

/// Simulates `cfg` group by group on `threads` threads and writes each group as
/// soon as it is made, so that a region too large to hold (or a benchmark that
/// must not count the simulator's memory) never has more than `threads` groups
/// in memory. Writes exactly what [`write_ops_csv`] writes for
/// `simulate_ops(cfg)` (the simulator is deterministic per mine).
pub fn write_ops_csv_streamed(cfg: &OpsConfig, dir: &Path, threads: usize) -> Result<OpsCsvSummary, SimError> {
    std::fs::create_dir_all(dir).map_err(|source| SimError::File { path: dir.to_path_buf(), source })?;
    let groups = cfg.mines.div_ceil(MINES_PER_FILE);
    let threads = threads.clamp(1, 64).min(groups.max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Part = (usize, Vec<OpsCsvFile>, Vec<minesafe_model::registry::MineInfo>);
    let parts: Vec<Result<Vec<Part>, SimError>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let next = &next;
                s.spawn(move || -> Result<Vec<Part>, SimError> {
                    let mut done = Vec::new();
                    loop {
                        let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if g >= groups {
                            return Ok(done);
                        }
                        let lo = g * MINES_PER_FILE;
                        let hi = (lo + MINES_PER_FILE).min(cfg.mines);
                        let mines: Vec<MineInputs> = (lo..hi).map(|i| crate::ops::simulate_mine(cfg, i).0).collect();
                        let files = write_group(&mines, lo, dir)?;
                        done.push((g, files, mines.into_iter().map(|m| m.info).collect()));
                    }
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut all = Vec::new();
    for p in parts {
        all.extend(p?);
    }
    all.sort_by_key(|p| p.0);
    let mut out = OpsCsvSummary { mines: cfg.mines, ..OpsCsvSummary::default() };
    let mut registry = Registry::default();
    for (_, files, infos) in all {
        out.files.extend(files);
        registry.mines.extend(infos);
    }
    out.registry = write_registry(&registry, dir)?;
    Ok(out)
}

fn write_registry(registry: &Registry, dir: &Path) -> Result<PathBuf, SimError> {
    let path = dir.join(REGISTRY_FILE);
    let text = serde_json::to_string(registry)?;
    std::fs::write(&path, text).map_err(|source| SimError::File { path: path.clone(), source })?;
    Ok(path)
}

/// The file name of a kind for the mines `first..first + n` (0-based indices).
pub fn file_name(kind: Kind, first: usize, n: usize) -> String {
    format!("{}_m{:04}-{:04}.csv", kind.name(), first + 1, first + n.max(1))
}

/// Writes one group of mines (`first` is the index of `mines[0]` in the region),
/// one file per kind that has rows.
pub fn write_group(mines: &[MineInputs], first: usize, dir: &Path) -> Result<Vec<OpsCsvFile>, SimError> {
    let mut files = Vec::new();
    for kind in Kind::ALL {
        if mines.iter().all(|m| kind_len(m, kind) == 0) {
            continue;
        }
        let path = dir.join(file_name(kind, first, mines.len()));
        let file = std::fs::File::create(&path).map_err(|source| SimError::File { path: path.clone(), source })?;
        let mut w = CsvOut { file: std::io::BufWriter::with_capacity(1 << 20, file), line: String::with_capacity(1 << 16), bytes: 0 };
        let rows = write_kind(&mut w, kind, mines).map_err(|source| SimError::File { path: path.clone(), source })?;
        w.finish().map_err(|source| SimError::File { path: path.clone(), source })?;
        files.push(OpsCsvFile { path, kind, rows, bytes: w.bytes });
    }
    Ok(files)
}

fn kind_len(m: &MineInputs, kind: Kind) -> usize {
    match kind {
        Kind::Output => m.output.len(),
        Kind::Energy => m.energy.len(),
        Kind::Explosives => m.explosives.len(),
        Kind::Volumes => m.volumes.len(),
        Kind::Methane => m.methane.len(),
        Kind::AreaHours => m.area_hours.len(),
        Kind::Crews => m.crews.len(),
        Kind::Trips => m.trips.len(),
        Kind::Identities => m.identities.len(),
        Kind::Lamps => m.lamps.len(),
        Kind::Rota => m.rota.len(),
        Kind::InspectionDays => m.inspection_days.len(),
        Kind::UploadGaps => m.upload_gaps.len(),
    }
}

/// A CSV file being written: rows are built in `line` and handed to the file in
/// blocks (formatting, not the system calls, is then the cost).
struct CsvOut {
    file: std::io::BufWriter<std::fs::File>,
    line: String,
    bytes: u64,
}

impl CsvOut {
    fn end_row(&mut self) -> std::io::Result<()> {
        self.line.push('\n');
        if self.line.len() >= 60_000 {
            self.flush_line()?;
        }
        Ok(())
    }

    fn flush_line(&mut self) -> std::io::Result<()> {
        self.file.write_all(self.line.as_bytes())?;
        self.bytes += self.line.len() as u64;
        self.line.clear();
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.flush_line()?;
        self.file.flush()
    }

    /// A text cell, quoted when it holds a separator, a quote or a line break.
    fn text(&mut self, s: &str) {
        if s.contains([',', '"', '\n', '\r']) {
            self.line.push('"');
            self.line.push_str(&s.replace('"', "\"\""));
            self.line.push('"');
        } else {
            self.line.push_str(s);
        }
    }

    fn sep(&mut self) {
        self.line.push(',');
    }

    fn num(&mut self, v: impl std::fmt::Display) {
        // Writing into a String cannot fail.
        let _ = write!(self.line, "{v}");
    }
}

/// Formats times and days, remembering the last one: hourly series repeat the
/// same hour for every consumer or area, daily ones the same day.
#[derive(Default)]
struct Times {
    time: Option<(Timestamp, String)>,
    day: Option<(Day, String)>,
}

impl Times {
    fn time(&mut self, t: Timestamp) -> &str {
        if self.time.as_ref().is_none_or(|(k, _)| *k != t) {
            self.time = Some((t, t.upload_format()));
        }
        self.time.as_ref().map_or("", |(_, s)| s.as_str())
    }

    fn day(&mut self, d: Day) -> &str {
        if self.day.as_ref().is_none_or(|(k, _)| *k != d) {
            self.day = Some((d, day_start(d).beijing_date()));
        }
        self.day.as_ref().map_or("", |(_, s)| s.as_str())
    }
}

fn source_name(s: OutputSource) -> &'static str {
    match s {
        OutputSource::Declared => "declared",
        OutputSource::BeltScale => "belt_scale",
        OutputSource::Weighbridge => "weighbridge",
        OutputSource::Sales => "sales",
        OutputSource::Rail => "rail",
        OutputSource::Road => "road",
    }
}

fn consumer_name(c: Consumer) -> &'static str {
    match c {
        Consumer::Total => "total",
        Consumer::Hoisting => "hoisting",
        Consumer::Ventilation => "ventilation",
        Consumer::Drainage => "drainage",
        Consumer::Haulage => "haulage",
        Consumer::Face => "face",
        Consumer::Other => "other",
    }
}

fn volume_name(v: VolumeKind) -> &'static str {
    match v {
        VolumeKind::GasDrainage => "gas_drainage",
        VolumeKind::WaterInflow => "water_inflow",
    }
}

fn activity_name(a: CrewActivity) -> &'static str {
    match a {
        CrewActivity::Production => "production",
        CrewActivity::Maintenance => "maintenance",
        CrewActivity::CuttingAndSupport => "cutting_and_support",
        CrewActivity::Other => "other",
    }
}

/// The header of each kind: the documented canonical column names.
fn header(kind: Kind) -> &'static str {
    match kind {
        Kind::Output => "mine,day,source,tonnes",
        Kind::Energy => "mine,hour,consumer,feeder,kwh",
        Kind::Explosives => "mine,day,place,explosive_kg,detonators",
        Kind::Volumes => "mine,day,volume,m3",
        Kind::Methane => "mine,hour,m3_per_min",
        Kind::AreaHours => "mine,hour,area,people_max,person_hours",
        Kind::Crews => "mine,day,shift,site,people_max,at,activity,approved_extra",
        Kind::Trips => "mine,card,down,up,last_seen,areas",
        Kind::Identities => "mine,card,person_id,name,post",
        Kind::Lamps => "mine,person_id,lamp_out,lamp_in",
        Kind::Rota => "mine,person_id,name,post,month,required_shifts",
        Kind::InspectionDays => "mine,day",
        Kind::UploadGaps => "mine,system,from,to",
    }
}

fn write_kind(w: &mut CsvOut, kind: Kind, mines: &[MineInputs]) -> std::io::Result<u64> {
    w.line.push_str(header(kind));
    w.end_row()?;
    let mut t = Times::default();
    let mut rows = 0u64;
    for m in mines {
        let code = m.code();
        macro_rules! each {
            ($series:expr, |$r:ident| $body:block) => {
                for $r in &$series {
                    w.line.push_str(code);
                    w.sep();
                    $body
                    w.end_row()?;
                    rows += 1;
                }
            };
        }
        match kind {
            Kind::Output => each!(m.output, |r| {
                w.line.push_str(t.day(r.day));
                w.sep();
                w.line.push_str(source_name(r.source));
                w.sep();
                w.num(r.tonnes);
            }),
            Kind::Energy => each!(m.energy, |r| {
                w.line.push_str(t.time(r.hour));
                w.sep();
                w.line.push_str(consumer_name(r.consumer));
                w.sep();
                w.text(&r.feeder);
                w.sep();
                w.num(r.kwh);
            }),
            Kind::Explosives => each!(m.explosives, |r| {
                w.line.push_str(t.day(r.day));
                w.sep();
                w.text(&r.place);
                w.sep();
                w.num(r.explosive_kg);
                w.sep();
                w.num(r.detonators);
            }),
            Kind::Volumes => each!(m.volumes, |r| {
                w.line.push_str(t.day(r.day));
                w.sep();
                w.line.push_str(volume_name(r.kind));
                w.sep();
                w.num(r.m3);
            }),
            Kind::Methane => each!(m.methane, |r| {
                w.line.push_str(t.time(r.hour));
                w.sep();
                w.num(r.m3_per_min);
            }),
            Kind::AreaHours => each!(m.area_hours, |r| {
                w.line.push_str(t.time(r.hour));
                w.sep();
                w.text(&r.area);
                w.sep();
                w.num(r.people_max);
                w.sep();
                w.num(r.person_hours);
            }),
            Kind::Crews => each!(m.crews, |r| {
                w.line.push_str(t.day(r.day));
                w.sep();
                w.text(&r.shift);
                w.sep();
                w.text(&r.site);
                w.sep();
                w.num(r.people_max);
                w.sep();
                w.line.push_str(t.time(r.at));
                w.sep();
                w.line.push_str(activity_name(r.activity));
                w.sep();
                w.num(r.approved_extra);
            }),
            Kind::Trips => each!(m.trips, |r| {
                w.text(&r.card);
                w.sep();
                w.line.push_str(t.time(r.down));
                w.sep();
                if let Some(up) = r.up {
                    w.line.push_str(t.time(up));
                }
                w.sep();
                w.line.push_str(t.time(r.last_seen));
                w.sep();
                let mut cell = String::new();
                for (i, (at, area)) in r.areas.iter().enumerate() {
                    if i > 0 {
                        cell.push(';');
                    }
                    cell.push_str(area);
                    cell.push('@');
                    at.write_upload(&mut cell);
                }
                w.text(&cell);
            }),
            Kind::Identities => each!(m.identities, |r| {
                w.text(&r.card);
                w.sep();
                w.text(&r.person_id);
                w.sep();
                w.text(&r.name);
                w.sep();
                w.text(&r.post);
            }),
            Kind::Lamps => each!(m.lamps, |r| {
                w.text(&r.person_id);
                w.sep();
                w.line.push_str(t.time(r.lamp_out));
                w.sep();
                if let Some(i) = r.lamp_in {
                    w.line.push_str(t.time(i));
                }
            }),
            Kind::Rota => each!(m.rota, |r| {
                w.text(&r.person_id);
                w.sep();
                w.text(&r.name);
                w.sep();
                w.text(&r.post);
                w.sep();
                // The month as `yyyy-MM`.
                let d = t.day(r.month);
                w.line.push_str(d.get(..7).unwrap_or(d));
                w.sep();
                w.num(r.required_shifts);
            }),
            Kind::InspectionDays => each!(m.inspection_days, |r| {
                w.line.push_str(t.day(*r));
            }),
            Kind::UploadGaps => each!(m.upload_gaps, |r| {
                w.text(&r.system);
                w.sep();
                w.line.push_str(t.time(r.from));
                w.sep();
                w.line.push_str(t.time(r.to));
            }),
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use minesafe_crosscheck::import::{self, Import};

    use super::*;
    use crate::ops::{simulate_ops, OpsConfig};

    fn read_dir(dir: &Path) -> Import {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        paths.sort();
        let mut imp = Import::default();
        for p in paths {
            let bytes = std::fs::read(&p).expect("read");
            imp.extend(import::read(&p.display().to_string(), &bytes));
        }
        imp
    }

    #[test]
    fn a_small_year_reads_back_as_the_same_series() {
        // Every pattern on some mine, so hidden faces, second cards, never-up
        // trips, upload gaps and extra explosives are all in the files.
        let cfg = OpsConfig { name: "csv".into(), seed: 7, mines: 30, clean_share: 0.0, ..OpsConfig::default() };
        let year = simulate_ops(&cfg);
        let dir = tempfile::tempdir().expect("tempdir");
        let sum = write_ops_csv(&year, dir.path()).expect("write");
        // Two groups (25 + 5 mines), every kind the year has in each.
        assert!(sum.files.iter().any(|f| f.path.ends_with("energy_m0001-0025.csv")));
        assert!(sum.files.iter().any(|f| f.path.ends_with("energy_m0026-0030.csv")));
        let mut imp = read_dir(dir.path());
        assert!(imp.rejects.is_empty(), "{:#?}", &imp.rejects[..imp.rejects.len().min(10)]);
        assert!(imp.ignored_columns.is_empty(), "{:?}", imp.ignored_columns);
        assert_eq!(imp.accepted() as u64, sum.rows());
        let on_disk: u64 = sum.files.iter().map(|f| std::fs::metadata(&f.path).expect("meta").len()).sum();
        assert_eq!(on_disk, sum.bytes());
        let registry = minesafe_formats::registry::parse_registry(&std::fs::read_to_string(&sum.registry).expect("registry"), false)
            .expect("registry parses");
        assert_eq!(registry.mines.len(), 30);
        let mut kinds_seen = std::collections::BTreeSet::new();
        for want in &year.mines {
            let info = registry.mines.iter().find(|i| i.code == want.info.code).expect("mine in registry").clone();
            assert_eq!(&info, &want.info);
            let mut got = MineInputs::new(info, want.from, want.to);
            let n = import::merge_into(&mut imp, &mut got);
            assert!(n > 0);
            for k in Kind::ALL {
                assert_eq!(kind_len(&got, k), kind_len(want, k), "{} {k}", want.code());
                if kind_len(want, k) > 0 {
                    kinds_seen.insert(k);
                }
            }
            // Whole series equal, values to the last bit (shortest round-trip numbers).
            assert_eq!(got.output, want.output);
            assert_eq!(got.energy, want.energy);
            assert_eq!(got.explosives, want.explosives);
            assert_eq!(got.volumes, want.volumes);
            assert_eq!(got.methane, want.methane);
            assert_eq!(got.area_hours, want.area_hours);
            assert_eq!(got.crews, want.crews);
            assert_eq!(got.trips, want.trips);
            assert_eq!(got.identities, want.identities);
            assert_eq!(got.lamps, want.lamps);
            assert_eq!(got.rota, want.rota);
            assert_eq!(got.inspection_days, want.inspection_days);
            assert_eq!(got.upload_gaps, want.upload_gaps);
        }
        assert!(imp.mines.is_empty(), "every mine was claimed");
        // The year exercises every kind the import knows.
        assert_eq!(kinds_seen.len(), Kind::ALL.len(), "{kinds_seen:?}");
    }

    #[test]
    fn streamed_writing_gives_the_same_files() {
        let cfg = OpsConfig { name: "csv".into(), seed: 3, mines: 27, ..OpsConfig::default() };
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        let whole = write_ops_csv(&simulate_ops(&cfg), a.path()).expect("write");
        let streamed = write_ops_csv_streamed(&cfg, b.path(), 2).expect("write");
        assert_eq!(whole.files.len(), streamed.files.len());
        for (x, y) in whole.files.iter().zip(&streamed.files) {
            assert_eq!(x.path.file_name(), y.path.file_name());
            assert_eq!((x.rows, x.bytes), (y.rows, y.bytes));
            assert!(std::fs::read(&x.path).expect("read") == std::fs::read(&y.path).expect("read"), "{}", x.path.display());
        }
        assert_eq!(std::fs::read(&whole.registry).expect("read"), std::fs::read(&streamed.registry).expect("read"));
    }

    #[test]
    fn cells_with_separators_are_quoted_and_read_back() {
        let code = minesafe_model::MineCode::parse("140211011234").expect("code");
        let mut m = MineInputs::new(minesafe_model::registry::MineInfo::new(code), Timestamp(0), Timestamp(0));
        m.identities.push(minesafe_crosscheck::inputs::CardIdentity {
            card: "C1".into(),
            person_id: "P1".into(),
            name: "张三, \"老张\"".into(),
            post: "矿长\n带班".into(),
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let files = write_group(std::slice::from_ref(&m), 0, dir.path()).expect("write");
        assert_eq!(files.len(), 1, "only the kind with rows gets a file");
        assert!(files[0].path.ends_with("identities_m0001-0001.csv"));
        let imp = read_dir(dir.path());
        assert!(imp.rejects.is_empty(), "{:?}", imp.rejects);
        assert_eq!(imp.mines["140211011234"].identities, m.identities);
    }

    #[test]
    fn an_unwritable_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").expect("write");
        let year = simulate_ops(&OpsConfig { mines: 1, ..OpsConfig::default() });
        let err = write_ops_csv(&year, &blocker.join("sub")).expect_err("a file is in the way");
        assert!(err.to_string().contains("file"), "{err}");
    }
}
