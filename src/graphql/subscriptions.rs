//! Turning bus subscriptions into GraphQL subscription streams.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};

use crate::platform::{
    error::AppError,
    pubsub::{Message, Subscription},
};

/// The stream of what `select` picks out of `M`'s messages.
///
/// The bus buffer is the subscription's bound: a client that falls further behind gets one
/// error and its subscription ends, while the publisher and every other subscriber carry on.
pub fn receive<M, T, F>(
    subscription: Subscription<M>,
    select: F,
) -> impl Stream<Item = async_graphql::Result<T>> + Send + 'static
where
    M: Message,
    T: Send + 'static,
    F: Fn(&M) -> Option<T> + Send + 'static,
{
    subscription
        .into_stream()
        .filter_map(move |item: Result<Arc<M>, _>| {
            let out = match item {
                Ok(message) => select(&message).map(Ok),
                Err(lagged) => {
                    tracing::debug!(?lagged, "subscriber fell behind; ending its subscription");
                    Some(Err(AppError::ServiceUnavailable(
                        "subscription ended: the client fell too far behind; subscribe again",
                    )
                    .into()))
                }
            };
            std::future::ready(out)
        })
}
