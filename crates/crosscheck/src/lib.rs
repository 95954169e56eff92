//! Strike at illegal operation (HM-3.1): compare output, haulage, sales,
//! electricity, explosives, gas emission, water and people with each other and
//! with the declared faces, and turn every inconsistency into a ranked [`Lead`]
//! that tells an inspection team which records to pull and where to go
//! underground.
//!
//! Inputs ([`inputs`]) are the daily and hourly series a mine or its suppliers
//! keep — imported from CSV/XLSX ([`import`]) or aggregated from the G2 uploads —
//! plus the registry's declared faces, areas, capacity, shifts and status
//! history. Each detector is a pure function of one mine's inputs:
//! - [`capacity`]: over capacity and intensity (CM-1.1 until 2026-06-30, CM26-1.1
//!   from 2026-07-01) with a run-rate warning (REC-8);
//! - [`reconcile`]: output that does not add up against haulage and sales (REC-2),
//!   electricity (REC-3) and methane emission (REC-4), on robust per-mine baselines;
//! - [`stops`]: production signs during a declared stop (REC-5);
//! - [`periodic`]: activity that avoids inspection days or moves to the night (REC-6);
//! - [`hidden`]: sustained activity where no declared face is (REC-1);
//! - [`crew`]: people per face per shift over the national limits (CM-1.6 / CM26-1.3,
//!   POS-4) and the rock-burst limits of 规程 2025 Art. 358 (POS-8);
//! - [`leaders`]: leaders' shifts underground against the rota (REC-7);
//! - [`concealment`]: cards that never came up, one person with several cards or a
//!   card moving while its holder is elsewhere, uploads that stop while power
//!   continues (ACC-LEAD-1…3).
//!
//! [`uploads`] derives the people, belt-scale, electrical-activity and upload-gap
//! series from the G2 files.
//!
//! No I/O and no clock: the analysis period comes in as an argument.

pub mod capacity;
pub mod concealment;
pub mod config;
pub mod crew;
pub mod hidden;
pub mod import;
pub mod inputs;
pub mod lead;
pub mod leaders;
pub mod periodic;
pub mod reconcile;
pub mod stops;
pub mod uploads;

pub use config::Config;
pub use inputs::MineInputs;
pub use lead::Lead;

/// Every detector over one mine, leads ranked by score (highest first).
pub fn analyse(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let mut leads = Vec::new();
    leads.extend(capacity::detect(m, cfg));
    leads.extend(reconcile::detect(m, cfg));
    leads.extend(stops::detect(m, cfg));
    leads.extend(periodic::detect(m, cfg));
    leads.extend(hidden::detect(m, cfg));
    leads.extend(crew::detect(m, cfg));
    leads.extend(leaders::detect(m, cfg));
    leads.extend(concealment::detect(m, cfg));
    lead::rank(&mut leads);
    leads
}
