//! PostgreSQL plans of the hot queries, from the store's own statements: each
//! call runs once on a fresh one-connection store, the statement it prepared
//! is read back from `pg_prepared_statements` (so no SQL is copied here), and
//! `EXPLAIN (ANALYZE, BUFFERS) EXECUTE` runs it with the call's arguments:
//! first as a custom plan, then after five runs (the plan a long-lived
//! server connection settles on, generic when PostgreSQL judges it as
//! cheap), and forced generic.

use rebloom_store::ConnectOptions;
use rebloom_store::unsealed::PostgresStore;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::pool::PoolConnection;

use super::hot::Call;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The plan's nodes, outermost first.
    pub shape: String,
    pub indexes: Vec<String>,
    pub seq_scans: Vec<String>,
    /// Rows the outermost node returned.
    pub rows: f64,
    pub execution_ms: f64,
    pub planning_ms: f64,
    pub shared_hit: i64,
    pub shared_read: i64,
    /// Whether it is a generic plan (parameters not folded in).
    pub generic: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub call: &'static str,
    pub statement: String,
    pub custom: Summary,
    pub steady: Summary,
    pub forced_generic: Summary,
}

fn walk(node: &Value, depth: usize, shape: &mut Vec<String>, s: &mut Summary) {
    let kind = node["Node Type"].as_str().unwrap_or("?");
    let backward = node["Scan Direction"].as_str() == Some("Backward");
    let mut label = kind.to_owned();
    if backward {
        label.push_str(" Backward");
    }
    if let Some(index) = node["Index Name"].as_str() {
        label.push_str(&format!(" using {index}"));
        if !s.indexes.iter().any(|i| i == index) {
            s.indexes.push(index.to_owned());
        }
    }
    if let Some(rel) = node["Relation Name"].as_str() {
        label.push_str(&format!(" on {rel}"));
        if kind == "Seq Scan" {
            s.seq_scans.push(rel.to_owned());
        }
    }
    let rows =
        node["Actual Rows"].as_f64().unwrap_or(0.0) * node["Actual Loops"].as_f64().unwrap_or(1.0);
    label.push_str(&format!(" ({rows:.0} rows)"));
    if depth < 4 {
        shape.push(label);
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        walk(child, depth + 1, shape, s);
    }
}

fn summary(explained: &Value) -> Summary {
    let top = &explained[0];
    let plan = &top["Plan"];
    let mut s = Summary {
        shape: String::new(),
        indexes: Vec::new(),
        seq_scans: Vec::new(),
        rows: plan["Actual Rows"].as_f64().unwrap_or(0.0),
        execution_ms: top["Execution Time"].as_f64().unwrap_or(0.0),
        planning_ms: top["Planning Time"].as_f64().unwrap_or(0.0),
        shared_hit: plan["Shared Hit Blocks"].as_i64().unwrap_or(0),
        shared_read: plan["Shared Read Blocks"].as_i64().unwrap_or(0),
        generic: explained.to_string().contains("$1"),
    };
    let mut shape = Vec::new();
    walk(plan, 0, &mut shape, &mut s);
    s.shape = shape.join(" > ");
    s
}

/// Statements prepared on the connection: (name, text, parameter count).
async fn prepared(conn: &mut PoolConnection<sqlx::Postgres>) -> Vec<(String, String, usize)> {
    sqlx::query(
        "SELECT name, statement, cardinality(parameter_types)::int8 AS n \
         FROM pg_prepared_statements WHERE NOT from_sql",
    )
    .persistent(false)
    .fetch_all(&mut **conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get::<String, _>("name"),
            r.get::<String, _>("statement"),
            r.get::<i64, _>("n") as usize,
        )
    })
    .collect()
}

async fn explain_once(conn: &mut PoolConnection<sqlx::Postgres>, sql: &str) -> Summary {
    let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut **conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let plan: sqlx::types::Json<Value> = row.get(0);
    summary(&plan.0)
}

/// The plans of one call's statement.
pub async fn explain(url: &str, schema: &str, call: &Call) -> Plan {
    let pg = PostgresStore::connect(&ConnectOptions {
        database_url: url.to_owned(),
        schema: Some(schema.to_owned()),
        max_connections: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let pool = pg.pool().clone();
    let before = {
        let mut conn = pool.acquire().await.unwrap();
        prepared(&mut conn).await
    };
    call.run(&pg).await;
    let mut conn = pool.acquire().await.unwrap();
    let fresh: Vec<_> = prepared(&mut conn)
        .await
        .into_iter()
        .filter(|p| !before.iter().any(|b| b.0 == p.0))
        .collect();
    assert_eq!(fresh.len(), 1, "{}: {fresh:?}", call.name());
    let (name, statement, n) = fresh[0].clone();
    let params = call.params();
    assert_eq!(params.len(), n, "{}: {statement}", call.name());
    let sql = format!(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}({})",
        params.join(", ")
    );
    let custom = explain_once(&mut conn, &sql).await;
    for _ in 0..4 {
        explain_once(&mut conn, &sql).await;
    }
    let steady = explain_once(&mut conn, &sql).await;
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    let forced_generic = explain_once(&mut conn, &sql).await;
    sqlx::raw_sql("RESET plan_cache_mode")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    pool.close().await;
    Plan {
        call: call.name(),
        statement: statement.split_whitespace().collect::<Vec<_>>().join(" "),
        custom,
        steady,
        forced_generic,
    }
}
