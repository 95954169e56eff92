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
}
