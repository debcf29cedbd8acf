//! Operational settings of the server (rate limits, CORS, shutdown) and log output.

use crate::ratelimit::RateLimitSettings;

/// Settings of `serve` that protect and operate the service.
#[derive(clap::Args, Debug, Clone)]
pub struct OpsArgs {
    /// Requests per minute a client may make (per bearer token, else per address); 0
    /// turns rate limiting off.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the per-minute pace applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 100)]
    pub rate_limit_burst: u32,
    /// Origins of web frontends allowed to call the API from a browser, comma-separated
    /// (`https://app.example.vn`); none: no CORS headers.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', num_args = 0..)]
    pub cors_origins: Vec<String>,
    /// Seconds a stopping server (SIGTERM, SIGINT) gives requests in flight to finish.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

impl OpsArgs {
    pub fn rate_limit(&self) -> RateLimitSettings {
        RateLimitSettings { per_minute: self.rate_limit_per_minute, burst: self.rate_limit_burst }
    }

    /// The origins given, without blanks (`CORS_ORIGINS=` means none).
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect()
    }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logs to standard output, filtered by `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).init(),
    }
}
