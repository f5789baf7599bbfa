//! Prometheus metrics kept in memory: requests by route and status, a latency histogram,
//! and the database pool.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(route.to_owned()).or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    h.counts[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    pub fn render(&self, db: &twotier_core::DbStats) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP twotier_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE twotier_http_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((method, route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "twotier_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(method),
                    escape(route)
                );
            }
        }
        out.push_str("# HELP twotier_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE twotier_http_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let route = escape(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "twotier_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "twotier_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "twotier_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "twotier_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP twotier_db_pool_connections Open database connections.\n# TYPE twotier_db_pool_connections gauge\n");
        let _ = writeln!(out, "twotier_db_pool_connections {}", db.pool_size);
        out.push_str("# HELP twotier_db_pool_idle_connections Idle database connections.\n# TYPE twotier_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "twotier_db_pool_idle_connections {}", db.pool_idle);
        out.push_str("# HELP twotier_db_write_transactions_total Write transactions committed or attempted.\n# TYPE twotier_db_write_transactions_total counter\n");
        let _ = writeln!(
            out,
            "twotier_db_write_transactions_total {}",
            db.write_transactions
        );
        if let Some(batches) = db.write_batches {
            out.push_str("# HELP twotier_db_write_batches_total SQLite commits, each shared by one or more write transactions.\n# TYPE twotier_db_write_batches_total counter\n");
            let _ = writeln!(out, "twotier_db_write_batches_total {batches}");
        }
        if let Some(waiting) = db.writes_waiting {
            out.push_str("# HELP twotier_db_writes_waiting SQLite write transactions waiting for the writer.\n# TYPE twotier_db_writes_waiting gauge\n");
            let _ = writeln!(out, "twotier_db_writes_waiting {waiting}");
        }
        out
    }
}
