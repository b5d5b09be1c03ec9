//! A client for OpenAI-compatible chat-completions endpoints (OpenAI itself,
//! or a local server such as Ollama or llama.cpp), configured by `ai_url`,
//! `ai_model` and `ai_key`. It asks for a streamed answer (server-sent
//! events, with the token usage in the last event) and hands each piece of
//! text to the caller as it arrives; a server that answers in one JSON body
//! instead is understood too.
use crate::server::config::Config;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone)]
pub struct AiClient {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    key: String,
    max_tokens: u32,
}

#[derive(Serialize, Debug, Clone)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

/// Tokens the endpoint reports it used.
#[derive(Deserialize, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TokenUsage {
    #[serde(default)]
    pub prompt_tokens: u32,
    #[serde(default)]
    pub completion_tokens: u32,
}

/// What came back: the text, the usage when the endpoint reported it, and
/// whether the caller stopped it early.
#[derive(Debug, Default)]
pub struct Completion {
    pub text: String,
    pub usage: Option<TokenUsage>,
    pub stopped: bool,
}

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum AiError {
    #[error("The AI endpoint could not be reached. Try again in a moment.")]
    Unreachable,
    #[error("The AI endpoint took too long to answer.")]
    Timeout,
    #[error("The AI endpoint refused the request (HTTP {0}). Check the model name and key.")]
    Refused(u16),
    #[error("The AI endpoint answered something that is not a chat completion.")]
    Malformed,
}

impl From<reqwest::Error> for AiError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            AiError::Timeout
        } else if let Some(s) = e.status() {
            AiError::Refused(s.as_u16())
        } else if e.is_decode() || e.is_body() {
            AiError::Malformed
        } else {
            AiError::Unreachable
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    usage: Option<TokenUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<Content>,
    #[serde(default)]
    message: Option<Content>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    content: Option<String>,
}

impl AiClient {
    /// The client, when an endpoint and a model are configured.
    pub fn from_config(cfg: &Config) -> Option<AiClient> {
        let url = cfg.ai_url.trim().trim_end_matches('/');
        if url.is_empty() || cfg.ai_model.trim().is_empty() {
            return None;
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(cfg.ai_timeout_secs.max(1)))
            .build()
            .ok()?;
        Some(AiClient {
            http,
            endpoint: format!("{url}/chat/completions"),
            model: cfg.ai_model.trim().to_string(),
            key: cfg.ai_key.trim().to_string(),
            max_tokens: cfg.ai_max_tokens.max(16),
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Asks for a completion of `messages`, calling `on_text` with each piece
    /// as it arrives; when `on_text` answers false (the person stopped it, or
    /// went away) the request is dropped and what came so far is returned.
    pub async fn complete(
        &self,
        messages: &[Message],
        mut on_text: impl FnMut(&str) -> bool,
    ) -> Result<Completion, AiError> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "stream": true,
            "stream_options": { "include_usage": true },
        });
        let mut req = self.http.post(&self.endpoint).json(&body);
        if !self.key.is_empty() {
            req = req.bearer_auth(&self.key);
        }
        let res = req.send().await?;
        let status = res.status();
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "AI endpoint refused a draft");
            return Err(AiError::Refused(status.as_u16()));
        }
        let streamed = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut out = Completion::default();
        if !streamed {
            // One JSON body (a server that does not stream).
            let chunk: Chunk = res.json().await.map_err(|_| AiError::Malformed)?;
            let text = chunk
                .choices
                .into_iter()
                .next()
                .and_then(|c| c.message.or(c.delta))
                .and_then(|c| c.content)
                .ok_or(AiError::Malformed)?;
            out.stopped = !on_text(&text);
            out.text = text;
            out.usage = chunk.usage;
            return Ok(out);
        }
        let mut events = res.bytes_stream().eventsource();
        while let Some(event) = events.next().await {
            let event = event.map_err(|e| match e {
                eventsource_stream::EventStreamError::Transport(e) => AiError::from(e),
                _ => AiError::Malformed,
            })?;
            let data = event.data.trim();
            if data == "[DONE]" {
                break;
            }
            if data.is_empty() {
                continue;
            }
            let chunk: Chunk = serde_json::from_str(data).map_err(|_| AiError::Malformed)?;
            if let Some(u) = chunk.usage {
                out.usage = Some(u);
            }
            for choice in chunk.choices {
                if let Some(piece) = choice.delta.or(choice.message).and_then(|c| c.content) {
                    if piece.is_empty() {
                        continue;
                    }
                    out.text.push_str(&piece);
                    if !on_text(&piece) {
                        out.stopped = true;
                        return Ok(out);
                    }
                }
            }
        }
        if out.text.is_empty() && out.usage.is_none() {
            return Err(AiError::Malformed);
        }
        Ok(out)
    }
}

/// Credits for a number of tokens: one per started thousand, at least one.
pub fn credits_for(tokens: u64) -> i32 {
    tokens.div_ceil(1000).clamp(1, i32::MAX as u64) as i32
}

/// Tokens for a text when the endpoint did not say (about four characters each).
pub fn estimate_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_round_up_per_thousand_and_never_fall_below_one() {
        assert_eq!(credits_for(0), 1);
        assert_eq!(credits_for(1), 1);
        assert_eq!(credits_for(1000), 1);
        assert_eq!(credits_for(1001), 2);
        assert_eq!(credits_for(2999), 3);
    }

    #[test]
    fn estimates_about_four_characters_a_token() {
        assert_eq!(estimate_tokens(""), 1);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
