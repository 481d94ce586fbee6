//! Parsed documents by query text. Clients send the same few documents over and over with
//! different variables; parsing one costs more than everything else admission does to it, so
//! each distinct text is parsed once and its syntax tree reused. A document that does not
//! parse is not kept: it is parsed (and its error reported) again each time it is sent.

use std::sync::Arc;

use async_graphql::{
    Request,
    parser::{parse_query, types::ExecutableDocument},
};
use prometheus::{
    IntCounter, IntCounterVec, IntGauge, Opts,
    core::{Collector, Desc},
    proto::MetricFamily,
};

type Parsed = moka::sync::Cache<Arc<str>, Arc<ExecutableDocument>>;

/// Larger documents are parsed every time and never kept. Ordinary operations are far smaller
/// (the same bound as APQ_MAX_DOCUMENT_BYTES' default); and moka settles its budget only every
/// few dozen writes, so what it may hold over budget meanwhile stays small whatever clients
/// send (a stream of distinct 400 KiB comment-padded documents must not grow memory).
const MAX_CACHED_DOCUMENT_BYTES: usize = 32 * 1024;

pub struct DocumentCache {
    /// `None` when `DOCUMENT_CACHE_BYTES=0`.
    parsed: Option<Parsed>,
    metrics: DocumentMetrics,
}

impl DocumentCache {
    /// Weighed by the bytes of each document's text: the budget bounds memory whatever the
    /// documents' sizes (a syntax tree takes a few times its text).
    pub fn new(budget_bytes: u64) -> prometheus::Result<Self> {
        let parsed = (budget_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .weigher(|text: &Arc<str>, _: &Arc<ExecutableDocument>| {
                    u32::try_from(text.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(budget_bytes)
                .build()
        });
        Ok(Self {
            metrics: DocumentMetrics::new(parsed.clone())?,
            parsed,
        })
    }

    /// The request's document, from the cache or parsed now (and kept); also set on the
    /// request, so execution does not parse it again. `None` when it does not parse: the
    /// request keeps no document, and execution reports the syntax error with its position.
    pub fn parse(&self, request: &mut Request) -> Option<Arc<ExecutableDocument>> {
        let Some(parsed) = self
            .parsed
            .as_ref()
            .filter(|_| request.query.len() <= MAX_CACHED_DOCUMENT_BYTES)
        else {
            self.metrics.misses.inc();
            let doc = Arc::new(request.parsed_query().ok()?.clone());
            return Some(doc);
        };
        let doc = match parsed.get(request.query.as_str()) {
            Some(doc) => {
                self.metrics.hits.inc();
                doc
            }
            None => {
                self.metrics.misses.inc();
                let doc = Arc::new(parse_query(&request.query).ok()?);
                parsed.insert(Arc::from(request.query.as_str()), doc.clone());
                doc
            }
        };
        // Execution consumes the request's copy (it prunes skipped fields in place).
        request.set_parsed_query(doc.as_ref().clone());
        Some(doc)
    }

    /// For `/metrics`: hits, misses and the documents held.
    pub fn collector(&self) -> DocumentMetrics {
        self.metrics.clone()
    }
}

/// `graphql_document_cache_total{result="hit|miss"}` and `graphql_document_cache_entries`.
#[derive(Clone)]
pub struct DocumentMetrics {
    lookups: IntCounterVec,
    hits: IntCounter,
    misses: IntCounter,
    entries: IntGauge,
    parsed: Option<Parsed>,
}

impl DocumentMetrics {
    fn new(parsed: Option<Parsed>) -> prometheus::Result<Self> {
        let lookups = IntCounterVec::new(
            Opts::new(
                "graphql_document_cache_total",
                "GraphQL documents taken from the parsed-document cache (hit) or parsed (miss)",
            ),
            &["result"],
        )?;
        let entries = IntGauge::new(
            "graphql_document_cache_entries",
            "Parsed documents held by the document cache",
        )?;
        // Resolved once: a request increments a counter without looking its labels up.
        let hits = lookups.with_label_values(&["hit"]);
        let misses = lookups.with_label_values(&["miss"]);
        Ok(Self {
            lookups,
            hits,
            misses,
            entries,
            parsed,
        })
    }
}

impl Collector for DocumentMetrics {
    fn desc(&self) -> Vec<&Desc> {
        let mut descs = self.lookups.desc();
        descs.extend(self.entries.desc());
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        if let Some(parsed) = &self.parsed {
            // moka counts lazily; settle it so the figure is exact when scraped.
            parsed.run_pending_tasks();
            self.entries
                .set(i64::try_from(parsed.entry_count()).unwrap_or(i64::MAX));
        }
        let mut families = self.lookups.collect();
        families.extend(self.entries.collect());
        families
    }
}
