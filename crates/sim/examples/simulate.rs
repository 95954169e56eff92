//! Simulates the default region into a directory and prints what it wrote:
//! `cargo run --release -p minesafe-sim --example simulate -- /tmp/sim [mines] [days]` (`-` for no output).

use std::time::Instant;

use minesafe_sim::{write_to_dir, SimConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "sim-out".into());
    let mut cfg = SimConfig::default();
    if let Some(m) = args.next() {
        cfg.mines = m.parse()?;
    }
    if let Some(d) = args.next() {
        cfg.days = d.parse()?;
    }
    let t0 = Instant::now();
    // `-` generates without writing, to time the simulator alone.
    let out = if dir == "-" { minesafe_sim::simulate(&cfg, &mut |_, _| Ok(()))? } else { write_to_dir(&cfg, std::path::Path::new(&dir))? };
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} files, {} records, {:.1} MB in {secs:.2} s ({:.0}k records/s)",
        out.files,
        out.records,
        out.bytes as f64 / 1e6,
        out.records as f64 / secs / 1e3
    );
    for t in &out.truth {
        println!("{} {:<20} {} … {} {:<24} {}", t.mine, t.kind, t.start, t.end, t.place, t.rules.join("|"));
    }
    Ok(())
}
