//! `blackroad-api seed`: demo data for benchmarks and manual exploration — users with real
//! wallets, signed transfers and mined blocks that `verifyChain` accepts, with every balance
//! consistent with the ledger invariant.

use anyhow::{Context, bail};
use chrono::Duration;
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    auth::password::PasswordHasherPool,
    chain::{
        BLOCK_REWARD, STATUS_CONFIRMED,
        entity::{block, transaction},
        hashing::{BlockDraft, TxFields, find_nonce, sign, transaction_hash},
        now_micros, tip,
    },
    platform::{error::AppError, money::UNITS_PER_COIN},
    users::entity as user,
    wallet::{
        SIGNUP_GRANT,
        crypto::{WalletCipher, generate_key_pair},
        entity as wallet,
    },
};

pub struct SeedPlan {
    pub users: usize,
    pub transactions: usize,
    pub blocks: usize,
    /// Proof-of-work difficulty of the seeded blocks (kept low so seeding is quick).
    pub difficulty: u32,
    pub password: String,
}

/// Rows per INSERT; well under both databases' bind-parameter limits.
const CHUNK: usize = 500;

struct DemoWallet {
    id: Uuid,
    user_id: Uuid,
    address: String,
    public_key: String,
    encrypted: String,
    key: ed25519_dalek::SigningKey,
    balance: i64,
}

pub async fn seed(
    db: &DatabaseConnection,
    cipher: &WalletCipher,
    plan: &SeedPlan,
) -> anyhow::Result<()> {
    if plan.users < 2 {
        bail!("seed needs at least 2 users");
    }
    if user::Entity::find().count(db).await? > 0 {
        bail!("seed expects a database without users; use a fresh DATA_DIR or DATABASE_URL");
    }
    let mut rng = StdRng::seed_from_u64(42);
    // One hash for every demo account: argon2 is deliberately slow, and they share a password.
    let password_hash = PasswordHasherPool::new(1)
        .hash(&plan.password)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let start = now_micros() - Duration::seconds(plan.blocks as i64 * 60 + 3600);

    let mut users = Vec::with_capacity(plan.users);
    let mut wallets = Vec::with_capacity(plan.users);
    for i in 0..plan.users {
        let id = Uuid::now_v7();
        users.push(user::ActiveModel {
            id: Set(id),
            username: Set(format!("demo{i:05}")),
            email: Set(format!("demo{i:05}@example.com")),
            password_hash: Set(password_hash.clone()),
            full_name: Set(Some(format!("Demo User {i}"))),
            avatar_url: Set(None),
            bio: Set(None),
            is_active: Set(true),
            is_verified: Set(false),
            is_admin: Set(false),
            created_at: Set(start),
            updated_at: Set(start),
            last_login_at: Set(None),
        });
        let pair = generate_key_pair();
        let encrypted = cipher.encrypt(&pair.signing_key, &pair.address)?;
        wallets.push(DemoWallet {
            id: Uuid::now_v7(),
            user_id: id,
            address: pair.address,
            public_key: pair.public_key_hex,
            encrypted,
            key: pair.signing_key,
            balance: SIGNUP_GRANT,
        });
    }

    // Transfers of 0.01–1 RoadCoin between random users, spread over the blocks in order.
    let per_block = plan.transactions.div_ceil(plan.blocks.max(1));
    let mut previous = tip(db).await.map_err(AppError::into_anyhow)?;
    let mut blocks = Vec::with_capacity(plan.blocks);
    let mut txs = Vec::with_capacity(plan.transactions);
    let mut remaining = plan.transactions;
    for b in 0..plan.blocks {
        let count = per_block.min(remaining);
        remaining -= count;
        let timestamp = start + Duration::seconds(b as i64 * 60 + 60);
        let block_id = Uuid::now_v7();
        let mut hashes = Vec::with_capacity(count);
        for _ in 0..count {
            let from = rng.gen_range(0..wallets.len());
            let to = (from + rng.gen_range(1..wallets.len())) % wallets.len();
            let amount = rng.gen_range(1..=100) * UNITS_PER_COIN / 100;
            if wallets[from].balance < amount {
                continue;
            }
            wallets[from].balance -= amount;
            wallets[to].balance += amount;
            let id = Uuid::now_v7();
            let created_at = timestamp - Duration::seconds(30);
            let hash = transaction_hash(&TxFields {
                id,
                from_address: &wallets[from].address,
                to_address: &wallets[to].address,
                amount,
                fee: 0,
                message: None,
                created_at,
            });
            let signature = sign(&wallets[from].key, &hash);
            hashes.push(hash.clone());
            txs.push(transaction::ActiveModel {
                id: Set(id),
                hash: Set(hash),
                from_address: Set(wallets[from].address.clone()),
                to_address: Set(wallets[to].address.clone()),
                amount: Set(amount),
                fee: Set(0),
                message: Set(None),
                signature: Set(Some(signature)),
                status: Set(STATUS_CONFIRMED.to_owned()),
                block_id: Set(Some(block_id)),
                created_at: Set(created_at),
                confirmed_at: Set(Some(timestamp)),
            });
        }
        let draft = BlockDraft {
            index: previous.index + 1,
            timestamp,
            previous_hash: previous.hash.clone(),
            transaction_hashes: hashes,
            difficulty: plan.difficulty,
        };
        let (nonce, hash) = find_nonce(&draft);
        let miner = rng.gen_range(0..wallets.len());
        wallets[miner].balance += BLOCK_REWARD;
        let model = block::Model {
            id: block_id,
            index: draft.index,
            timestamp,
            nonce,
            previous_hash: draft.previous_hash,
            hash,
            difficulty: plan.difficulty as i32,
            miner_id: Some(wallets[miner].user_id),
            reward: BLOCK_REWARD,
            transaction_count: draft.transaction_hashes.len() as i32,
        };
        previous = model.clone();
        blocks.push(model);
    }

    let txn = db.begin().await?;
    for chunk in users.chunks(CHUNK) {
        user::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let wallet_rows: Vec<wallet::ActiveModel> = wallets
        .iter()
        .map(|w| wallet::ActiveModel {
            id: Set(w.id),
            user_id: Set(w.user_id),
            address: Set(w.address.clone()),
            public_key: Set(w.public_key.clone()),
            encrypted_private_key: Set(w.encrypted.clone()),
            label: Set(None),
            is_primary: Set(true),
            balance: Set(w.balance),
            created_at: Set(start),
            updated_at: Set(start),
        })
        .collect();
    for chunk in wallet_rows.chunks(CHUNK) {
        wallet::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let block_rows: Vec<block::ActiveModel> = blocks.into_iter().map(Into::into).collect();
    for chunk in block_rows.chunks(CHUNK) {
        block::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in txs.chunks(CHUNK) {
        transaction::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let user_ids: Vec<Uuid> = wallets.iter().map(|w| w.user_id).collect();
    let social = crate::social::seed_demo(&txn, &user_ids, &mut rng, start).await?;
    let (videos, reactions) = crate::video::seed_demo(&txn, &user_ids, &mut rng, start).await?;
    let mail = crate::mail::seed_demo(&txn, &user_ids, start)
        .await
        .map_err(AppError::into_anyhow)?;
    let devices = crate::devices::seed_demo(&txn, &user_ids, start)
        .await
        .map_err(AppError::into_anyhow)?;
    txn.commit().await.context("committing the demo data")?;
    println!(
        "seeded {} posts, {} follows, {} likes, {} comments, {videos} videos, {reactions} video reactions",
        social.posts, social.follows, social.likes, social.comments
    );
    println!(
        "seeded {} users (password {:?}), {} transactions, {} blocks, {mail} mail messages, {devices} devices",
        plan.users,
        plan.password,
        txs.len(),
        plan.blocks
    );
    Ok(())
}
