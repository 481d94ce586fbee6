//! The work of each kind, on the chain and wallet domains' public surface. Progress goes to a
//! shared cell the worker stores with the lease (per page, or at its heartbeat).

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncSeekExt, AsyncWriteExt},
    sync::mpsc,
};
use uuid::Uuid;

use crate::{
    audit::AuditContext,
    chain::{self, TxFilter, hashing::NonceSearch},
    files::{self, ContentStore, Generated},
    graphql::{ids, node::NodeType},
    jobs::{JobModel, Kind, Payload, StatementPayload},
    platform::{
        error::{AppError, AppResult},
        money::Amount,
        paging::{Direction, PageRequest},
    },
    state::AppState,
    users, wallet,
};

/// The owner's folder (under their root) that large statements are written to.
pub const STATEMENT_FOLDER: &str = "statements";
const STATEMENT_HEADER: &str = "created_at,hash,direction,counterparty,amount,fee,status,message\n";

/// A job's progress in basis points, written by the work. `set` leaves it to the worker's
/// next heartbeat to store and announce (a proof of work reports many times a second);
/// `page` has the worker store and announce it before the work goes on, one `jobUpdated`
/// per page of blocks or transactions.
#[derive(Clone)]
pub struct Progress {
    points: Arc<AtomicU64>,
    pages: mpsc::UnboundedSender<i32>,
}

impl Progress {
    /// A progress cell and the worker's end of its page reports.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<i32>) {
        let (pages, reports) = mpsc::unbounded_channel();
        let progress = Self {
            points: Arc::default(),
            pages,
        };
        (progress, reports)
    }

    /// `fraction` of the work done (0..1).
    pub fn set(&self, fraction: f64) {
        let points = (fraction.clamp(0.0, 1.0) * 10_000.0).round() as u64;
        self.points.store(points, Ordering::Relaxed);
    }

    /// A page of the work is done, `fraction` of it in all: reported at once.
    pub fn page(&self, fraction: f64) {
        self.set(fraction);
        // The worker holds the receiver for as long as the work runs.
        let _ = self.pages.send(self.get());
    }

    /// Basis points (0–10000).
    pub fn get(&self) -> i32 {
        self.points.load(Ordering::Relaxed).min(10_000) as i32
    }
}

pub async fn execute(state: &AppState, job: &JobModel, progress: &Progress) -> AppResult<Value> {
    let kind = Kind::parse(&job.kind)
        .ok_or_else(|| AppError::bad_input("kind", format!("unknown job kind {}", job.kind)))?;
    match Payload::parse(kind, &job.payload)? {
        Payload::ChainVerify => chain_verify(state, progress).await,
        Payload::WalletStatement(p) => statement(state, job, p, progress).await,
        Payload::MineBlock(p) => {
            let max = p
                .max_transactions
                .unwrap_or(chain::DEFAULT_BLOCK_TRANSACTIONS);
            mine(state, job.owner_id, max, progress).await
        }
    }
}

async fn chain_verify(state: &AppState, progress: &Progress) -> AppResult<Value> {
    let total = chain::block_count(&state.db).await?.max(1) as f64;
    let page = state.config.jobs.job_page_size;
    let v = chain::verify_chain_observed(&state.db, page, |checked| {
        progress.page(checked as f64 / total);
    })
    .await?;
    Ok(json!({
        "valid": v.valid,
        "checkedBlocks": v.checked_blocks,
        "firstInvalidIndex": v.first_invalid_index,
        "reason": v.reason,
    }))
}

async fn mine(state: &AppState, owner: Uuid, max: u64, progress: &Progress) -> AppResult<Value> {
    let miner = users::find_by_id(&state.db, owner)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(|| AppError::bad_input("payload", "the job's owner can no longer mine"))?;
    let search = Arc::new(NonceSearch::default());
    // The proof of work runs on a blocking thread: when the job is dropped (cancelled, lost,
    // handed back) this stops it too.
    let _stop = StopOnDrop(search.clone());
    // Expected tries for `d` leading zero hex digits: 16^d.
    let expected = 16f64.powi(state.config.chain.chain_difficulty as i32);
    let audit = AuditContext::default().with_actor(owner);
    let mining = chain::mine_block_observed(state, &audit, &miner, max, search.clone());
    tokio::pin!(mining);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    let block = loop {
        tokio::select! {
            block = &mut mining => break block?,
            _ = tick.tick() => {
                // Past the expectation the luck is just bad; stay short of done.
                progress.set((search.tried.load(Ordering::Relaxed) as f64 / expected).min(0.99));
            }
        }
    };
    Ok(json!({
        "index": block.index,
        "hash": block.hash,
        "nonce": block.nonce,
        "transactionCount": block.transaction_count,
        "reward": Amount(block.reward).to_string(),
        "noncesTried": search.tried.load(Ordering::Relaxed),
    }))
}

struct StopOnDrop(Arc<NonceSearch>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::Relaxed);
    }
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

async fn statement(
    state: &AppState,
    job: &JobModel,
    p: StatementPayload,
    progress: &Progress,
) -> AppResult<Value> {
    let owner = job.owner_id;
    let address = p.address.trim().to_owned();
    let mine = wallet::by_address(&state.db, &address)
        .await?
        .is_some_and(|w| w.user_id == owner);
    if !mine {
        return Err(AppError::bad_input(
            "payload",
            "address is not one of your wallets",
        ));
    }
    let filter = TxFilter {
        address: Some(address.clone()),
        status: None,
    };
    let inline_max =
        usize::try_from(state.config.jobs.job_statement_inline_bytes).unwrap_or(usize::MAX);
    let total = chain::transaction_count(&state.db, &filter).await?.max(1) as f64;
    let mut csv = String::from(STATEMENT_HEADER);
    // Once the statement outgrows `inline_max` it goes on in a temporary file, a page at a
    // time, so a large one never sits in memory whole.
    let mut spill: Option<tokio::fs::File> = None;
    let quota = state.config.files.file_quota_bytes;
    let (mut seen, mut rows, mut spilled) = (0u64, 0u64, 0u64);
    let mut cursor = None;
    loop {
        let page = PageRequest {
            limit: state.config.jobs.job_page_size,
            cursor,
            direction: Direction::Forward,
        };
        let (txs, more) = chain::transactions_page(&state.db, &filter, &page, true).await?;
        for tx in &txs {
            seen += 1;
            let in_range = p.from.is_none_or(|f| tx.created_at >= f)
                && p.to.is_none_or(|t| tx.created_at <= t);
            if !in_range {
                continue;
            }
            let outgoing = tx.from_address == address;
            let (direction, counterparty) = if outgoing {
                ("out", &tx.to_address)
            } else {
                ("in", &tx.from_address)
            };
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                tx.created_at.to_rfc3339(),
                tx.hash,
                direction,
                counterparty,
                Amount(tx.amount),
                Amount(if outgoing { tx.fee } else { 0 }),
                tx.status,
                csv_field(tx.message.as_deref().unwrap_or("")),
            ));
            rows += 1;
        }
        if spill.is_none() && csv.len() > inline_max {
            let file = ContentStore::new(&state.config.data_dir).temp_file()?;
            spill = Some(tokio::fs::File::from_std(file));
        }
        if let Some(file) = spill.as_mut() {
            spilled += csv.len() as u64;
            // Past the whole quota it can never be stored: stop writing now.
            if spilled > quota {
                return Err(files::generated_over_quota(quota));
            }
            file.write_all(csv.as_bytes()).await.map_err(spill_error)?;
            csv.clear();
        }
        progress.page(seen as f64 / total);
        cursor = txs.last().map(|t| t.id);
        if !more {
            break;
        }
    }
    let mut result = json!({
        "address": address,
        "from": p.from,
        "to": p.to,
        "rows": rows,
        "contentType": "text/csv",
    });
    match spill {
        None => result["csv"] = Value::String(csv),
        Some(mut file) => {
            file.flush().await.map_err(spill_error)?;
            file.seek(std::io::SeekFrom::Start(0))
                .await
                .map_err(spill_error)?;
            let name = format!("{address}-{}.csv", ids::encode(NodeType::Job, job.id).0);
            let audit = AuditContext::default().with_actor(owner);
            let generated = Generated {
                folder: STATEMENT_FOLDER,
                name,
                mime_type: "text/csv",
                content: file.into_std().await,
            };
            let node = files::save_generated(state, &audit, owner, generated).await?;
            let id = ids::encode(NodeType::File, node.id).0;
            result["file"] = json!({
                "id": id,
                "name": node.name,
                "path": format!("/{STATEMENT_FOLDER}/{}", node.name),
                "size": node.size,
                "downloadUrl": format!("/files/{id}"),
            });
        }
    }
    Ok(result)
}

fn spill_error(e: std::io::Error) -> AppError {
    AppError::internal(anyhow::Error::new(e).context("writing a statement"))
}
