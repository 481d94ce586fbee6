//! The AI chat section of the configuration (the provider itself is `OPENAI_BASE_URL`,
//! `OPENAI_API_KEY` and `AI_MODEL` in the main section).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AiConfig {
    /// Messages one user may send in any 24 hours; beyond it `RATE_LIMITED`.
    pub ai_daily_messages: u64,
    /// Most earlier messages of the conversation sent with each request.
    pub ai_context_messages: u64,
    pub ai_connect_timeout_ms: u64,
    /// From the request to the first token of the reply.
    pub ai_first_token_timeout_ms: u64,
    /// The whole reply.
    pub ai_total_timeout_ms: u64,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            ai_daily_messages: 100,
            ai_context_messages: 20,
            ai_connect_timeout_ms: 5_000,
            ai_first_token_timeout_ms: 30_000,
            ai_total_timeout_ms: 120_000,
        }
    }
}

impl AiConfig {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.ai_connect_timeout_ms)
    }
    pub fn first_token_timeout(&self) -> Duration {
        Duration::from_millis(self.ai_first_token_timeout_ms)
    }
    pub fn total_timeout(&self) -> Duration {
        Duration::from_millis(self.ai_total_timeout_ms)
    }
}

impl Section for AiConfig {}
