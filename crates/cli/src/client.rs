//! A small client for the node's HTTP API.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

/// Talks to one node.
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Result<Self> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(anyhow!(
                "node URL must start with http:// or https://, got '{base}'"
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        Ok(Client { base, http })
    }

    async fn answer(resp: reqwest::Response) -> Result<(u16, Value)> {
        let status = resp.status().as_u16();
        let text = resp.text().await.context("reading the node's answer")?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, v))
    }

    /// GET `path`; returns status and JSON.
    pub async fn get(&self, path: &str) -> Result<(u16, Value)> {
        let url = format!("{}{}", self.base, path);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("connecting to {url}"))?;
        Self::answer(resp).await
    }

    /// POST JSON to `path`; returns status and JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        let url = format!("{}{}", self.base, path);
        let resp = self
            .http
            .post(&url)
            .json(body)
            .send()
            .await
            .with_context(|| format!("connecting to {url}"))?;
        Self::answer(resp).await
    }

    /// GET a text resource that must answer 200.
    pub async fn get_text(&self, path: &str) -> Result<String> {
        let url = format!("{}{}", self.base, path);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.context("reading the node's answer")?;
        if status != 200 {
            // The API's errors are JSON with a code and a sentence: say them.
            return Err(match serde_json::from_str::<Value>(&text) {
                Ok(v) if v.get("code").is_some() => api_error(status, &v),
                _ => anyhow!("{url} answered HTTP {status}"),
            });
        }
        Ok(text)
    }

    /// GET (no body) or POST (a JSON body) `path`, answering the status
    /// and the raw bytes of the answer.
    pub async fn fetch(&self, path: &str, body: Option<&Value>) -> Result<(u16, Vec<u8>)> {
        let url = format!("{}{}", self.base, path);
        let req = match body {
            None => self.http.get(&url),
            Some(b) => self.http.post(&url).json(b),
        };
        let resp = req
            .send()
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.context("reading the node's answer")?;
        Ok((status, bytes.to_vec()))
    }

    /// GET that must succeed with 200.
    pub async fn get_ok(&self, path: &str) -> Result<Value> {
        let (status, v) = self.get(path).await?;
        if status != 200 {
            return Err(api_error(status, &v));
        }
        Ok(v)
    }
}

/// JSON as the CLI prints it: indented.
/// Reads a JSON file of at most `max` bytes, naming it in every error.
pub fn read_json_file(path: &std::path::Path, max: u64) -> Result<Value> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > max {
        anyhow::bail!("{} is larger than {} KiB", path.display(), max / 1024);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Prints JSON to stdout, indented.
pub fn print_json(v: &Value) {
    crate::outln!("{}", pretty(v));
}

/// `id` if it is a well-formed account, program or agency id (1..=64 of
/// `[a-z0-9._:-]`, safe in a URL path); `kind` names it in the error.
pub fn checked_id<'a>(kind: &str, id: &'a str) -> Result<&'a str> {
    if publica_money::model::valid_id(id) {
        Ok(id)
    } else {
        Err(anyhow!("'{id}' is not {kind} id (1..=64 of [a-z0-9._:-])"))
    }
}

/// Turns an error answer into a message with the node's code.
pub fn api_error(status: u16, v: &Value) -> anyhow::Error {
    match (
        v.get("code").and_then(Value::as_str),
        v.get("message").and_then(Value::as_str),
    ) {
        (Some(code), Some(msg)) => anyhow!("node refused ({status} {code}): {msg}"),
        _ => anyhow!("node answered HTTP {status}: {v}"),
    }
}
