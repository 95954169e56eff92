//! `cargo bench -p minesafe-store --bench append`: the public [`bench_append`]
//! at a few group-commit sizes (2M rows, 1,000 points every 10 s).

use minesafe_store::bench_append;

fn main() {
    let rows: u64 = std::env::var("ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    for commit_every in [1_000u64, 10_000, 100_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        match bench_append(dir.path(), rows, 1_000, commit_every) {
            Ok(r) => println!("{r}"),
            Err(e) => eprintln!("bench failed: {e}"),
        }
    }
    uploads(false, 5_000);
    uploads(true, 1_000);
}

/// Uploads per second through `begin_upload` + `finish_upload` (archive write,
/// optional fsync, row insert), 2 KiB files, with and without archive fsync.
fn uploads(sync_archive: bool, files: usize) {
    use minesafe_store::{FileStatus, SqliteStore, Store, StoreOptions, UploadSummary};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = SqliteStore::open(&dir.path().join("u.db"), StoreOptions { sync_archive, ..Default::default() }).expect("open");
    let summary = UploadSummary {
        mine: Some("999900000001".into()),
        family: Some("CDSS".into()),
        header_time: None,
        encoding: Some("utf-8".into()),
        total: 1,
        accepted: 1,
        rejected: 0,
        status: FileStatus::Accepted,
        reason: None,
    };
    let t = std::time::Instant::now();
    for i in 0..files {
        let mut body = vec![b'x'; 2048];
        body[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let id = s.begin_upload(&format!("f{i}.txt"), &body).expect("upload").id();
        s.finish_upload(id, &summary).expect("finish");
    }
    let secs = t.elapsed().as_secs_f64();
    println!("store uploads: {files} files of 2 KiB, sync_archive={sync_archive}: {:.0} files/s", files as f64 / secs);
}
