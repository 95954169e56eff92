//! Measures end-to-end CDSS parsing (decode + split + records) on a synthetic
//! file: `cargo run --release -p minesafe-formats --example cdss_throughput [MB]`.

use std::time::Instant;

use minesafe_formats::container::{ParseOptions, UploadWriter};
use minesafe_formats::{with_upload, CdssRecord, Content};
use minesafe_model::{Status, Timestamp};

fn main() {
    let mb: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(64);
    let t = Timestamp::parse_beijing("2025-03-01 08:00:10").unwrap_or_default();
    let points: Vec<String> = (0..2000).map(|i| format!("99990000000101MN0001{i:04}")).collect();
    let mut w = UploadWriter::new("999900000001", "虚构示例矿", t);
    let mut n = 0usize;
    let mut size = 0usize;
    while size < mb << 20 {
        let p = &points[n % points.len()];
        let r = CdssRecord {
            point: p,
            sensor_name: "甲烷",
            location: "1201综采工作面T1",
            value: Some((n % 400) as f64 / 100.0),
            unit: "%CH4",
            status: Status(0),
            time: t,
        };
        w.record(&r);
        n += 1;
        size += 80;
    }
    let text = w.finish();
    let opts = ParseOptions { max_bytes: usize::MAX, ..ParseOptions::default() };
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let accepted = with_upload("999900000001_CDSS_20250301080010.txt", text.as_bytes(), &opts, |u| match u.content {
            Content::Cdss(p) => p.accepted.len(),
            _ => 0,
        });
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(accepted, Ok(n));
        best = best.min(secs);
    }
    println!("{n} records, {:.1} MB, best {:.3} s = {:.0} MB/s", text.len() as f64 / 1e6, best, text.len() as f64 / 1e6 / best);
}
