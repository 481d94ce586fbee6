//! Direct answers for the ledger's lists (see `graphql::direct`): a page of blocks or
//! transactions, with what its plan read ahead, written without the executor when the
//! selection stays within the public, infallible fields. `Transaction.block`, a connection's
//! `totalCount` that needs a count, and anything not read ahead make the writer decline.

use async_graphql::{
    ContextSelectionSet, OutputType, ScalarType, Value,
    connection::{Edge, EmptyFields},
};
use uuid::Uuid;

use super::types::{
    Block, BlockConnection, TX_CURSOR, Transaction, TransactionConnection, TransactionStatus,
    TxTotal, int,
};
use crate::{
    graphql::{
        direct::{
            ConnShape, DirectWrite, Page, Shape, nullable, optional_string, string, sub_selection,
        },
        node::NodeObject,
    },
    platform::{
        money::Amount,
        paging::{self, PageRequest, encode_cursor},
    },
    users::graphql::{UserShape, user_shape, user_value},
    wallet::graphql::{WalletShape, wallet_shape, wallet_value},
};

enum TxField {
    Id,
    Hash,
    FromAddress,
    ToAddress,
    Amount,
    Fee,
    Message,
    Status(Value, Value),
    CreatedAt,
    ConfirmedAt,
    FromWallet(WalletShape),
    ToWallet(WalletShape),
}

type TxShape = Shape<TxField>;

enum BlockField {
    Id,
    Index,
    Hash,
    PreviousHash,
    Nonce,
    Difficulty,
    Timestamp,
    Reward,
    TransactionCount,
    Miner(UserShape),
    Transactions(PageRequest<Uuid>, ConnShape<TxShape>),
}

type BlockShape = Shape<BlockField>;

fn names<C: OutputType, E: OutputType>() -> (String, String) {
    (C::type_name().into_owned(), E::type_name().into_owned())
}

fn tx_connection_shape(ctx: &ContextSelectionSet<'_>, total: bool) -> Option<ConnShape<TxShape>> {
    let (connection, edge) =
        names::<TransactionConnection, Edge<String, Transaction, EmptyFields>>();
    ConnShape::compile(ctx, (&connection, &edge), total, tx_shape)
}

fn tx_shape(ctx: &ContextSelectionSet<'_>) -> Option<TxShape> {
    let status = |s| async_graphql::resolver_utils::enum_value(s);
    Shape::compile(ctx, "Transaction", |field| {
        Some(match field.item.node.name.node.as_str() {
            "id" => TxField::Id,
            "hash" => TxField::Hash,
            "fromAddress" => TxField::FromAddress,
            "toAddress" => TxField::ToAddress,
            "amount" => TxField::Amount,
            "fee" => TxField::Fee,
            "message" => TxField::Message,
            "status" => TxField::Status(
                status(TransactionStatus::Pending),
                status(TransactionStatus::Confirmed),
            ),
            "createdAt" => TxField::CreatedAt,
            "confirmedAt" => TxField::ConfirmedAt,
            "fromWallet" => TxField::FromWallet(wallet_shape(&sub_selection(field))?),
            "toWallet" => TxField::ToWallet(wallet_shape(&sub_selection(field))?),
            _ => return None,
        })
    })
}

/// A side's wallet as read ahead; declines when that side was not read.
fn side(
    shape: &WalletShape,
    ahead: Option<&Option<crate::wallet::graphql::Wallet>>,
) -> Option<Value> {
    match ahead? {
        Some(wallet) => wallet_value(shape, wallet),
        None => Some(Value::Null),
    }
}

fn tx_value(shape: &TxShape, tx: &Transaction) -> Option<Value> {
    let model = &tx.0;
    let ahead = tx.1.as_deref();
    shape.write(|field| {
        Some(match field {
            TxField::Id => Value::String(Transaction::node_id(model.id).0),
            TxField::Hash => string(&model.hash),
            TxField::FromAddress => string(&model.from_address),
            TxField::ToAddress => string(&model.to_address),
            TxField::Amount => Amount(model.amount).to_value(),
            TxField::Fee => Amount(model.fee).to_value(),
            TxField::Message => optional_string(model.message.as_deref()),
            TxField::Status(pending, confirmed) => {
                if model.status == crate::chain::STATUS_CONFIRMED {
                    confirmed.clone()
                } else {
                    pending.clone()
                }
            }
            TxField::CreatedAt => model.created_at.to_value(),
            TxField::ConfirmedAt => nullable(model.confirmed_at.map(|t| t.to_value())),
            TxField::FromWallet(w) => side(w, ahead?.sender.as_ref())?,
            TxField::ToWallet(w) => side(w, ahead?.recipient.as_ref())?,
        })
    })
}

fn block_shape(ctx: &ContextSelectionSet<'_>) -> Option<BlockShape> {
    Shape::compile(ctx, "Block", |field| {
        Some(match field.item.node.name.node.as_str() {
            "id" => BlockField::Id,
            "index" => BlockField::Index,
            "hash" => BlockField::Hash,
            "previousHash" => BlockField::PreviousHash,
            "nonce" => BlockField::Nonce,
            "difficulty" => BlockField::Difficulty,
            "timestamp" => BlockField::Timestamp,
            "reward" => BlockField::Reward,
            "transactionCount" => BlockField::TransactionCount,
            "miner" => BlockField::Miner(user_shape(&sub_selection(field))?),
            "transactions" => {
                // The resolver's own argument parsing; whatever it would reject, it answers.
                let (_, first) = field.param_value::<Option<i32>>("first", None).ok()?;
                let (_, after) = field.param_value::<Option<String>>("after", None).ok()?;
                let page = paging::forward(TX_CURSOR, first, after.as_deref()).ok()?;
                BlockField::Transactions(page, tx_connection_shape(&sub_selection(field), true)?)
            }
            _ => return None,
        })
    })
}

/// A block's page of transactions, as `Block.transactions` cuts it from what was read ahead.
fn block_transactions(
    block: &Block,
    page: &PageRequest<Uuid>,
    shape: &ConnShape<TxShape>,
) -> Option<Value> {
    let all = block.1.as_ref()?.transactions.as_ref()?;
    let rest: Vec<&Transaction> = all
        .iter()
        .filter(|t| page.cursor.is_none_or(|c| t.0.id > c))
        .take(page.limit as usize + 1)
        .collect();
    let (rows, more) = paging::split_page(rest, page.limit);
    write_page(
        shape,
        rows,
        more,
        page.cursor.is_some(),
        Some(int(block.0.transaction_count as i64)),
    )
}

fn write_page(
    shape: &ConnShape<TxShape>,
    rows: Vec<&Transaction>,
    has_next: bool,
    has_previous: bool,
    total: Option<i32>,
) -> Option<Value> {
    let cursors = shape.needs_cursors();
    let items = rows
        .into_iter()
        .map(|t| {
            let cursor = if cursors {
                encode_cursor(TX_CURSOR, t.0.id)
            } else {
                String::new()
            };
            (t, cursor)
        })
        .collect();
    let page = Page {
        items,
        has_previous,
        has_next,
        total,
    };
    shape.write(&page, tx_value)
}

fn block_value(shape: &BlockShape, block: &Block) -> Option<Value> {
    let model = &block.0;
    shape.write(|field| {
        Some(match field {
            BlockField::Id => Value::String(Block::node_id(model.id).0),
            BlockField::Index => Value::from(int(model.index)),
            BlockField::Hash => string(&model.hash),
            BlockField::PreviousHash => string(&model.previous_hash),
            BlockField::Nonce => string(&model.nonce),
            BlockField::Difficulty => Value::from(model.difficulty),
            BlockField::Timestamp => model.timestamp.to_value(),
            BlockField::Reward => Amount(model.reward).to_value(),
            BlockField::TransactionCount => Value::from(model.transaction_count),
            BlockField::Miner(user) => match model.miner_id {
                None => Value::Null,
                Some(_) => match block.1.as_ref()?.miner.as_ref()? {
                    Some(miner) => user_value(user, miner)?,
                    None => Value::Null,
                },
            },
            BlockField::Transactions(page, shape) => block_transactions(block, page, shape)?,
        })
    })
}

/// The cursors a connection already holds, when selected.
fn items<'c, T>(
    edges: impl Iterator<Item = &'c Edge<String, T, EmptyFields>>,
    cursors: bool,
) -> Vec<(&'c T, String)>
where
    T: OutputType + 'c,
{
    edges
        .map(|e| {
            (
                &e.node,
                if cursors {
                    e.cursor.clone()
                } else {
                    String::new()
                },
            )
        })
        .collect()
}

impl DirectWrite for BlockConnection {
    fn write(&self, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
        let (connection, edge) = names::<BlockConnection, Edge<String, Block, EmptyFields>>();
        // `totalCount` of blocks is a count the resolver runs: not written here.
        let shape = ConnShape::compile(ctx, (&connection, &edge), false, block_shape)?;
        let page = Page {
            items: items(self.edges.iter(), shape.needs_cursors()),
            has_previous: self.has_previous_page,
            has_next: self.has_next_page,
            total: None,
        };
        shape.write(&page, block_value)
    }
}

impl DirectWrite for TransactionConnection {
    fn write(&self, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
        let total = match &self.additional_fields {
            TxTotal::Known(n) => Some(int(*n)),
            TxTotal::Filter(_) | TxTotal::Wallet(..) => None,
        };
        let shape = tx_connection_shape(ctx, total.is_some())?;
        let page = Page {
            items: items(self.edges.iter(), shape.needs_cursors()),
            has_previous: self.has_previous_page,
            has_next: self.has_next_page,
            total,
        };
        shape.write(&page, tx_value)
    }
}
