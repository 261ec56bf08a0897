//! Logging: tracing to stderr, as text or JSON lines, level from RUST_LOG (default info).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat) {
    // object_store logs each retry at info with the request's URL, which for an Azure SAS
    // carries the signature: its warnings only, unless RUST_LOG asks for more. The certificate
    // verifier logs each refused certificate as a debug dump (`Other(OtherError(...))`); the error
    // that follows says the same in words, so it is heard only when RUST_LOG asks for it.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,object_store=warn,rustls_platform_verifier=off"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into log files or collectors.
        .with_ansi(std::io::stderr().is_terminal());
    let result = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
