//! `docs/rules.md`, rendered from the catalog and the threshold tables, so the
//! document a regulator reads can never drift from what the code judges by.

use std::fmt::Write;

use crate::catalog::catalog;
use crate::tables::{tables, LimitRow};

/// A table cell: pipes and line breaks would break the Markdown table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn in_force(from: Option<&str>, to: Option<&str>) -> String {
    match (from, to) {
        (None, None) => "always".into(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("until {t}"),
        (Some(f), Some(t)) => format!("{f} – {t}"),
    }
}

fn classes(c: &[minesafe_model::LocationClass]) -> String {
    if c.is_empty() {
        "any".into()
    } else {
        c.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
    }
}

/// `1.0`, `0.75`, `24`: the way the regulation prints its numbers.
fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 10.0 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

fn num(x: Option<f64>) -> String {
    x.map(fmt_num).unwrap_or_else(|| "—".into())
}

fn limit_condition(r: &LimitRow) -> String {
    let mut s = format!("{} {} {}", r.op.symbol(), fmt_num(r.limit), r.unit);
    if let Some(secs) = r.longer_than_secs {
        let _ = write!(s, " for more than {} min", secs / 60);
    }
    s
}

/// Renders `docs/rules.md`: every catalog rule, the successors, every table row, and
/// the provisional rows that still need checking against the official text.
pub fn rules_markdown() -> String {
    let c = catalog();
    let tb = tables();
    let mut md = String::new();
    md.push_str("# minesafe rules\n\n");
    md.push_str(
        "Generated from `crates/rules/tables/*.toml` (`minesafe rules --markdown`); edit the tables, not this file.\n\
         Each finding cites the rule in force at the event's time; rows marked provisional are used but their\n\
         findings carry the `provisional` tag until the row is checked against the official text.\n\n",
    );

    md.push_str("## Rule catalog\n\n");
    md.push_str("| ID | Title | Legal source | Severity | Consequence | In force | Pinning test |\n|---|---|---|---|---|---|---|\n");
    for r in &c.rule {
        let mut title = cell(&r.title);
        if r.provisional {
            title.push_str(" *(provisional)*");
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | `{}` |",
            r.id,
            title,
            cell(&r.source),
            r.severity.id(),
            if r.consequence.is_empty() { "—".into() } else { r.consequence.join(", ") },
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            cell(&r.test),
        );
    }
    if !c.successor.is_empty() {
        md.push_str("\n### Successors\n\nA finding for an event on or after the date cites the successor.\n\n| Rule | Replaced by | From |\n|---|---|---|\n");
        for s in &c.successor {
            let _ = writeln!(md, "| {} | {} | {} |", s.rule, s.by, s.from);
        }
    }

    md.push_str("\n## Methane sensors: alarm, cut-off, restore (% CH4)\n\n");
    md.push_str("Alarm at ≥ alarm, cut power at ≥ cut-off, restore only below restore. Used by CSR-GAS-5, CSR-SENS-1 and the failed-power-cut check.\n\n");
    md.push_str("| Place | Classes | Alarm | Cut-off | Restore | Mine gas grades | Source | In force | Conf. |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in &tb.methane {
        let grades = if r.mine_gas_grades.is_empty() {
            "any".to_string()
        } else {
            r.mine_gas_grades.iter().map(|g| format!("{g:?}").to_lowercase()).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            md,
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.place),
            if r.provisional { " *(provisional)*" } else { "" },
            classes(&r.classes),
            fmt_num(r.alarm),
            num(r.cut),
            num(r.restore),
            grades,
            cell(&r.source),
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            cell(&r.confidence),
        );
    }

    md.push_str("\n## Limits (over the limit when the condition holds)\n\n");
    md.push_str("| Rule | Quantity | Classes | Condition | Source | In force | Conf. |\n|---|---|---|---|---|---|---|\n");
    for r in tb.limits.iter().filter(|r| r.rule != "CSR-WIND-1") {
        let _ = writeln!(
            md,
            "| {} | {}{} | {} | {} | {} | {} | {} |",
            r.rule,
            r.quantity.label(),
            if r.provisional { " *(provisional)*" } else { "" },
            classes(&r.classes),
            cell(&limit_condition(r)),
            cell(&r.source),
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            cell(&r.confidence),
        );
    }

    md.push_str("\n## Air velocity (CSR-WIND-1, m/s)\n\n");
    md.push_str("| Roadway | Classes | Min | Max | Source | In force |\n|---|---|---|---|---|---|\n");
    for r in &tb.velocity {
        let _ = writeln!(
            md,
            "| {}{} | {} | {} | {} | {} | {} |",
            cell(&r.roadway),
            if r.provisional { " *(provisional)*" } else { "" },
            if r.classes.is_empty() { "— (no class yet)".into() } else { classes(&r.classes) },
            num(r.min),
            num(r.max),
            cell(&r.source),
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
        );
    }

    if !tb.hooks.is_empty() {
        md.push_str("\n## Legal hooks of detections\n\n| Detection | Hook | In force |\n|---|---|---|\n");
        for h in &tb.hooks {
            let _ = writeln!(md, "| {} | {} | {} |", h.detection, h.hook, in_force(h.effective_from.as_deref(), h.effective_to.as_deref()));
        }
    }

    md.push_str("\n## Provisional table rows\n\nThese rows are in use; verify each against the official text and clear `provisional` in its table.\n\n");
    for r in tb.methane.iter().filter(|r| r.provisional) {
        let _ = writeln!(
            md,
            "- `methane_sensors.toml`: {} ({}), {}{}",
            r.place,
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            r.source,
            if r.note.is_empty() { String::new() } else { format!(" — {}", r.note) }
        );
    }
    for r in tb.limits.iter().filter(|r| r.provisional && r.rule != "CSR-WIND-1") {
        let _ = writeln!(
            md,
            "- {}: {} {} at {} ({}), {}{}",
            r.rule,
            r.quantity.label(),
            limit_condition(r),
            classes(&r.classes),
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            r.source,
            if r.note.is_empty() { String::new() } else { format!(" — {}", r.note) }
        );
    }
    for r in tb.velocity.iter().filter(|r| r.provisional) {
        let _ = writeln!(
            md,
            "- `air_velocity.toml`: {} ({}), {}{}",
            r.roadway,
            in_force(r.effective_from.as_deref(), r.effective_to.as_deref()),
            r.source,
            if r.note.is_empty() { String::new() } else { format!(" — {}", r.note) }
        );
    }
    for r in c.rule.iter().filter(|r| r.provisional) {
        let _ = writeln!(md, "- catalog rule {}: {}", r.id, r.source);
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_lists_every_rule_and_provisional_row() {
        let md = rules_markdown();
        for r in &catalog().rule {
            assert!(md.contains(&format!("| {} |", r.id)), "{} missing", r.id);
        }
        assert!(md.contains("| CSR-GAS-2 | Methane | longwall_return, heading_return, panel_return | > 1.0 % |"));
        assert!(md.contains("| CSR-GAS-2 | Methane | longwall_return, heading_return, panel_return | ≥ 1.0 % |"));
        assert!(md.contains("≥ 3.0 % for more than 10 min"));
        let provisional = md.split("## Provisional table rows").nth(1).unwrap();
        assert!(provisional.contains("Art 536 Table 19"));
        assert!(provisional.contains("Art 157 Table 6"));
        assert!(provisional.contains("catalog rule CSR-TEMP-1"));
        // Every catalog row has its seven cells: no stray pipe broke a row.
        let section = md.split("## Rule catalog").nth(1).unwrap().split("###").next().unwrap();
        let rows: Vec<_> = section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| ID")).collect();
        assert_eq!(rows.len(), catalog().rule.len());
        for line in rows {
            assert_eq!(line.replace("\\|", "").matches('|').count(), 8, "{line}");
        }
    }
}
