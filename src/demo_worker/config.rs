//! The Worker's configuration, read from its bindings once per request.

use worker::Env;

use crate::order::FulfillOn;

/// Secrets and vars, as in a real deployment (`wrangler secret put`, `[vars]`).
pub struct Config {
    /// `KUNOG_KEY`: the API key (secret).
    pub api_key: String,
    /// `KUNOG_API_BASE`: the API's base URL (the local sandbox in development).
    pub api_base: String,
    /// `KUNOG_WEBHOOK_SECRET`, then `KUNOG_WEBHOOK_SECRET_PREVIOUS` during a roll (secrets).
    pub webhook_secrets: Vec<String>,
    /// `FULFILL_ON`: `confirmed` (default) or `pending` (digital goods).
    pub fulfill_on: FulfillOn,
    /// `DEMO`: serve the demo storefront at `/`.
    pub demo: bool,
}

impl Config {
    /// Reads every setting; a message naming what is missing or wrong otherwise.
    pub fn from_env(env: &Env) -> Result<Config, String> {
        let read = |name: &str| -> Option<String> {
            env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
        };
        let api_key = read("KUNOG_KEY").ok_or("KUNOG_KEY is not set (wrangler secret put KUNOG_KEY)")?;
        let mut webhook_secrets = vec![read("KUNOG_WEBHOOK_SECRET")
            .ok_or("KUNOG_WEBHOOK_SECRET is not set (wrangler secret put KUNOG_WEBHOOK_SECRET)")?];
        if let Some(previous) = read("KUNOG_WEBHOOK_SECRET_PREVIOUS").filter(|s| !s.is_empty()) {
            webhook_secrets.push(previous);
        }
        Ok(Config {
            api_key,
            api_base: read("KUNOG_API_BASE").unwrap_or_else(|| crate::client::DEFAULT_BASE_URL.to_owned()),
            webhook_secrets,
            fulfill_on: FulfillOn::parse(read("FULFILL_ON").as_deref())?,
            demo: matches!(read("DEMO").as_deref(), Some("on" | "true" | "1")),
        })
    }
}
