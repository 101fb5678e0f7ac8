//! The figures: a table on stderr, and JSON for `docs/performance.md`.

use serde::Serialize;

use super::common::percentile;
use super::explain::Plan;
use super::hot::Hot;
use super::seed::Phase;

/// The database's p95 target (architecture 11.1).
pub const SLA_MS: f64 = 50.0;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Pct {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Pct {
    pub fn of(mut ms: Vec<f64>) -> Pct {
        if ms.is_empty() {
            return Pct::default();
        }
        ms.sort_by(f64::total_cmp);
        Pct {
            p50: percentile(&ms, 0.5),
            p95: percentile(&ms, 0.95),
            p99: percentile(&ms, 0.99),
            max: ms[ms.len() - 1],
        }
    }
}

/// The plans of one hot query for one person.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    /// `typical` (median activity of the sample) or `heaviest`.
    pub person: &'static str,
    /// Their messages (or the long session's, for deep pages).
    pub messages: u32,
    /// The query's main store call, and its index (steady plan; "" when none).
    pub main_call: &'static str,
    pub index: String,
    pub plans: Vec<Plan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub name: &'static str,
    pub what: &'static str,
    pub samples: usize,
    pub rows_per_call: f64,
    pub cold: Pct,
    pub warm: Pct,
    pub explained: Vec<Explained>,
    #[serde(skip)]
    pub hot: Option<Hot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableSize {
    pub table: String,
    pub rows: i64,
    pub heap_bytes: i64,
    pub index_bytes: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexUse {
    pub table: String,
    pub index: String,
    /// Scans during the measurements (those of the seeding subtracted).
    pub scans: i64,
    pub bytes: i64,
}

pub struct Run {
    pub backend: String,
    pub users: usize,
    pub messages: u64,
    pub sessions: usize,
    pub long_sessions: usize,
    pub seed_seconds: f64,
    pub phases: Vec<Phase>,
    pub vacuum_seconds: f64,
    pub queries: Vec<Measured>,
    pub tables: Vec<TableSize>,
    pub indexes: Vec<IndexUse>,
}

fn mb(bytes: i64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn first_plan(m: &Measured) -> Option<(&Explained, &Plan)> {
    let e = m.explained.first()?;
    Some((e, e.plans.iter().find(|p| p.call == e.main_call)?))
}

impl Run {
    pub fn within_sla(&self) -> bool {
        self.queries
            .iter()
            .all(|q| q.cold.p95 < SLA_MS && q.warm.p95 < SLA_MS)
    }

    pub fn print(&self) {
        eprintln!();
        eprintln!(
            "{}: {} people, {} messages in {} sessions ({} long-running)",
            self.backend, self.users, self.messages, self.sessions, self.long_sessions
        );
        eprintln!(
            "seeding (through the store, sealed), {:.0} s in all:",
            self.seed_seconds
        );
        for p in &self.phases {
            eprintln!(
                "  {:<44} {:>10} rows {:>8.1} s {:>9.0} rows/s",
                p.name,
                p.rows,
                p.seconds,
                p.rate()
            );
        }
        if self.vacuum_seconds > 0.0 {
            eprintln!(
                "  VACUUM (ANALYZE) of the tables: {:.1} s",
                self.vacuum_seconds
            );
        }
        eprintln!();
        eprintln!(
            "hot queries, ms per call (cold = first call for a random person, warm = the same call again):"
        );
        eprintln!(
            "  {:<26} {:>4} {:>6} | {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} | plan (typical person, steady)",
            "query", "n", "rows", "cold50", "p95", "p99", "warm50", "p95", "p99"
        );
        for q in &self.queries {
            let plan = first_plan(q).map_or_else(String::new, |(_, p)| {
                format!(
                    "{}{} {:.2} ms",
                    p.steady.shape,
                    if p.steady.generic { " [generic]" } else { "" },
                    p.steady.execution_ms
                )
            });
            eprintln!(
                "  {:<26} {:>4} {:>6.0} | {:>7.2} {:>7.2} {:>7.2} | {:>7.2} {:>7.2} {:>7.2} | {}",
                q.name,
                q.samples,
                q.rows_per_call,
                q.cold.p50,
                q.cold.p95,
                q.cold.p99,
                q.warm.p50,
                q.warm.p95,
                q.warm.p99,
                plan
            );
        }
        let plans: Vec<&Measured> = self
            .queries
            .iter()
            .filter(|q| !q.explained.is_empty())
            .collect();
        if !plans.is_empty() {
            eprintln!();
            eprintln!(
                "plans (EXPLAIN ANALYZE, BUFFERS; custom -> steady after 5 runs; forced generic):"
            );
            for q in plans {
                for e in &q.explained {
                    for p in &e.plans {
                        eprintln!(
                            "  {:<26} {:<8} ({:>5} msgs) {:<15} {:.3} ms, {} rows, hit {} read {} | steady{}: {:.3} ms {} | generic: {:.3} ms {}{}",
                            q.name,
                            e.person,
                            e.messages,
                            p.call,
                            p.custom.execution_ms,
                            p.custom.rows,
                            p.custom.shared_hit,
                            p.custom.shared_read,
                            if p.steady.generic { " (generic)" } else { "" },
                            p.steady.execution_ms,
                            p.steady.indexes.join(","),
                            p.forced_generic.execution_ms,
                            p.forced_generic.shape,
                            if p.custom.seq_scans.is_empty() && p.steady.seq_scans.is_empty() {
                                String::new()
                            } else {
                                format!(" SEQ SCAN on {:?}", p.steady.seq_scans)
                            }
                        );
                    }
                }
            }
        }
        if !self.tables.is_empty() {
            eprintln!();
            eprintln!("tables:");
            for t in &self.tables {
                if t.rows == 0 && t.index_bytes == 0 {
                    eprintln!("  {:<24} {:>8.1} MB", t.table, mb(t.heap_bytes));
                } else if t.heap_bytes == 0 {
                    eprintln!("  {:<24} {:>10} rows", t.table, t.rows);
                } else {
                    eprintln!(
                        "  {:<24} {:>10} rows  heap {:>8.1} MB  indexes {:>8.1} MB",
                        t.table,
                        t.rows,
                        mb(t.heap_bytes),
                        mb(t.index_bytes)
                    );
                }
            }
        }
        if !self.indexes.is_empty() {
            eprintln!("index scans during the measurements:");
            for i in &self.indexes {
                eprintln!(
                    "  {:<22} {:<40} {:>8} scans {:>8.1} MB",
                    i.table,
                    i.index,
                    i.scans,
                    mb(i.bytes)
                );
            }
        }
        eprintln!();
        let over: Vec<&str> = self
            .queries
            .iter()
            .filter(|q| q.cold.p95 >= SLA_MS || q.warm.p95 >= SLA_MS)
            .map(|q| q.name)
            .collect();
        if over.is_empty() {
            eprintln!("every hot query: p95 under {SLA_MS} ms, cold and warm");
        } else {
            eprintln!("p95 at or over {SLA_MS} ms: {}", over.join(", "));
        }
    }

    pub fn json(&self) -> serde_json::Value {
        let messages_phase = self.phases.iter().find(|p| p.name.starts_with("messages"));
        serde_json::json!({
            "backend": self.backend,
            "users": self.users,
            "messages": self.messages,
            "sessions": self.sessions,
            "long_sessions": self.long_sessions,
            "sla_ms": SLA_MS,
            "within_sla": self.within_sla(),
            "seed": {
                "seconds": self.seed_seconds,
                "messages_per_second": messages_phase.map(Phase::rate),
                "phases": self.phases.iter().map(|p| serde_json::json!({
                    "name": p.name.trim(),
                    "rows": p.rows,
                    "seconds": p.seconds,
                    "rows_per_second": p.rate(),
                })).collect::<Vec<_>>(),
                "vacuum_analyze_seconds": self.vacuum_seconds,
            },
            "tables": self.tables,
            "index_scans": self.indexes,
            "queries": self.queries.iter().map(|q| {
                let plan = first_plan(q);
                serde_json::json!({
                    "name": q.name,
                    "what": q.what,
                    "samples": q.samples,
                    "rows_per_call": q.rows_per_call,
                    "cold_ms": q.cold,
                    "warm_ms": q.warm,
                    "index": plan.map(|(e, _)| e.index.clone()),
                    "plan": plan.map(|(_, p)| p.steady.shape.clone()),
                    "plan_execution_ms": plan.map(|(_, p)| p.steady.execution_ms),
                    "explained": q.explained,
                })
            }).collect::<Vec<_>>(),
        })
    }
}
