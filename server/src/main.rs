//! `ntm-relay`: the NTM Survey relay.
//!
//! Devices sync Automerge documents with it over the automerge-repo protocol
//! (WebSocket `/sync`, served by samod); documents are stored durably in
//! SQLite; the built web app is served at `/`.

mod cli;
mod http;
mod storage;
mod sync_endpoint;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NTM_LOG")
                .unwrap_or_else(|_| "info,samod=warn,samod_core=warn".into()),
        )
        .init();
    match cli::Cli::parse().command {
        cli::Command::Serve(args) => http::serve(args).await,
    }
}
