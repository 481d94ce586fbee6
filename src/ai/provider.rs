//! The OpenAI-compatible provider: `POST {OPENAI_BASE_URL}/v1/chat/completions` with
//! `stream: true`, read as server-sent events. One retry on a 5xx or a connection error
//! before the first token. Failures are codes; the provider's own text is only logged.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::AiConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    NotConfigured,
    /// The provider could not be reached or answered with an error.
    Unavailable,
    Timeout,
    /// The stream was not the chat-completions format.
    BadResponse,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::NotConfigured => "AI_NOT_CONFIGURED",
            Failure::Unavailable => "AI_UNAVAILABLE",
            Failure::Timeout => "AI_TIMEOUT",
            Failure::BadResponse => "AI_BAD_RESPONSE",
        }
    }
}

pub struct Provider {
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
}

/// Whether a failed attempt may be made again (nothing was streamed yet).
enum Attempt {
    Retry,
    Fail(Failure),
}

/// Streams the reply to `messages` (`{role, content}` objects), calling `on_delta` for each
/// piece; the whole reply.
pub async fn complete(
    provider: &Provider,
    config: &AiConfig,
    messages: Vec<Value>,
    mut on_delta: impl FnMut(&str),
) -> Result<String, Failure> {
    let client = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout())
        .build()
        .map_err(|e| {
            tracing::warn!(error = %e, "AI client could not be built");
            Failure::Unavailable
        })?;
    let deadline = Instant::now() + config.total_timeout();
    let body = json!({"model": provider.model, "messages": messages, "stream": true});
    for attempt in 0..2 {
        match once(&client, provider, config, &body, deadline, &mut on_delta).await {
            Ok(reply) => return Ok(reply),
            Err(Attempt::Retry) if attempt == 0 => {
                tracing::info!("AI provider failed before the first token; retrying once");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(Attempt::Retry) => return Err(Failure::Unavailable),
            Err(Attempt::Fail(failure)) => return Err(failure),
        }
    }
    Err(Failure::Unavailable)
}

async fn once(
    client: &reqwest::Client,
    provider: &Provider,
    config: &AiConfig,
    body: &Value,
    deadline: Instant,
    on_delta: &mut impl FnMut(&str),
) -> Result<String, Attempt> {
    let url = format!(
        "{}/v1/chat/completions",
        provider.base_url.trim_end_matches('/')
    );
    let mut request = client.post(url).json(body);
    if let Some(key) = &provider.api_key {
        request = request.bearer_auth(key);
    }
    let first_token_by = (Instant::now() + config.first_token_timeout()).min(deadline);
    let response = match tokio::time::timeout_at(first_token_by, request.send()).await {
        Err(_) => return Err(Attempt::Fail(Failure::Timeout)),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "AI provider unreachable");
            return Err(Attempt::Retry);
        }
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if status.is_server_error() {
        tracing::warn!(%status, "AI provider error");
        return Err(Attempt::Retry);
    }
    if !status.is_success() {
        tracing::warn!(%status, "AI provider refused the request");
        return Err(Attempt::Fail(Failure::Unavailable));
    }
    let mut events = response.bytes_stream().eventsource();
    let mut reply = String::new();
    let mut started = false;
    loop {
        let by = if started { deadline } else { first_token_by };
        let event = match tokio::time::timeout_at(by, events.next()).await {
            Err(_) => return Err(Attempt::Fail(Failure::Timeout)),
            // Ended without `[DONE]`: cut off.
            Ok(None) => return Err(Attempt::Fail(Failure::BadResponse)),
            Ok(Some(Err(e))) => {
                tracing::warn!(error = %e, "AI stream broke");
                return Err(if started {
                    Attempt::Fail(Failure::Unavailable)
                } else {
                    Attempt::Retry
                });
            }
            Ok(Some(Ok(event))) => event,
        };
        if event.data.trim() == "[DONE]" {
            return Ok(reply);
        }
        let chunk: Value = serde_json::from_str(&event.data).map_err(|e| {
            tracing::warn!(error = %e, "AI stream sent something other than a chunk");
            Attempt::Fail(Failure::BadResponse)
        })?;
        let Some(choice) = chunk["choices"].get(0) else {
            return Err(Attempt::Fail(Failure::BadResponse));
        };
        if let Some(delta) = choice["delta"]["content"].as_str()
            && !delta.is_empty()
        {
            started = true;
            reply.push_str(delta);
            on_delta(delta);
        }
    }
}
