//! `ntm-relay`: the NTM Survey relay.
//!
//! Devices sync Automerge documents with it over the automerge-repo protocol
//! (WebSocket `/sync`, served by samod); documents are stored durably in
//! SQLite; the built web app is served at `/`.

mod admin;
mod auth;
mod cli;
mod http;
mod metrics;
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
        cli::Command::Catalog(cli::CatalogCommand::Check { file }) => check_catalog(&file),
        cli::Command::Catalog(cli::CatalogCommand::Import { file, data_dir, by }) => {
            std::fs::create_dir_all(&data_dir)?;
            let storage = storage::SqliteStorage::open(&data_dir.join("relay.db")).await?;
            let outcome = admin::import_catalog(&storage, &file, &by, unix_now()).await;
            storage.close().await;
            println!("{}", outcome?);
            Ok(())
        }
        cli::Command::Device(command) => device(command).await,
    }
}

/// `ntm-relay device enrol | list | revoke`.
async fn device(command: cli::DeviceCommand) -> anyhow::Result<()> {
    let data_dir = match &command {
        cli::DeviceCommand::Enrol { data_dir, .. }
        | cli::DeviceCommand::List { data_dir }
        | cli::DeviceCommand::Revoke { data_dir, .. } => data_dir.clone(),
    };
    std::fs::create_dir_all(&data_dir)?;
    let storage = storage::SqliteStorage::open(&data_dir.join("relay.db")).await?;
    let auth = auth::Auth::open(storage.pool().clone()).await?;
    let result = match command {
        cli::DeviceCommand::Enrol { role, scope, .. } => auth
            .issue_code(&role, &scope, unix_now())
            .await
            .map(|code| println!("{code}")),
        cli::DeviceCommand::List { .. } => auth.list().await.map(|devices| {
            for d in devices {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.grant.role.code(),
                    d.grant.scope.join(","),
                    d.name,
                    match d.revoked_at {
                        Some(at) => format!("revoked {}", ntm_core::format::datetime_vi(at)),
                        None =>
                            format!("enrolled {}", ntm_core::format::datetime_vi(d.enrolled_at)),
                    }
                );
            }
        }),
        cli::DeviceCommand::Revoke { id, .. } => match auth.revoke(&id, unix_now()).await {
            Ok(true) => {
                println!("revoked {id}");
                Ok(())
            }
            Ok(false) => Err(auth::AuthError::Invalid(format!(
                "no active device {id:?} (see `ntm-relay device list`)"
            ))),
            Err(e) => Err(e),
        },
    };
    storage.close().await;
    Ok(result?)
}

/// Seconds since the Unix epoch (the core takes time as an argument).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Prints a summary of a valid catalog, or every problem of an invalid one.
fn check_catalog(file: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    match ntm_core::catalog::load_catalog(&file.display().to_string(), &text) {
        Ok(catalog) => {
            let indicators: usize = catalog.criteria.iter().map(|c| c.indicators.len()).sum();
            println!(
                "{}: {} ({}), {} criteria, {} indicators{}",
                file.display(),
                catalog.name_vi,
                catalog.version,
                catalog.criteria.len(),
                indicators,
                if catalog.illustrative {
                    ", thresholds ILLUSTRATIVE"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(errors) => {
            eprintln!("{errors}");
            anyhow::bail!("{} problem(s) in {}", errors.0.len(), file.display())
        }
    }
}
