//! `ntm-relay`: the NTM Survey relay.
//!
//! Devices sync Automerge documents with it over the automerge-repo protocol
//! (WebSocket `/sync`, served by samod); documents are stored durably in
//! SQLite, or in PostgreSQL shared by several relays; the built web app is
//! served at `/`.

mod admin;
mod auth;
mod blobs;
mod cli;
mod exports;
mod http;
mod listen;
mod metrics;
mod security;
mod storage;
mod summaries;
mod sync_endpoint;

use clap::Parser;

/// jemalloc: the relay allocates and frees many small buffers per sync
/// message across threads, where glibc's allocator spent a tenth of the CPU
/// and kept memory in per-thread arenas. Measured in the load benchmark
/// against glibc and mimalloc: the same or more changes/s, and the least
/// peak RSS (1,000 devices: 78 MiB, against 92 with glibc and 98 with
/// mimalloc; 74 MiB with the options below).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: one arena (the relay has a few
/// busy threads, not one per core's worth of contention), freed pages back
/// to the system after a second rather than ten, and a background thread
/// that does it off the request path. `_RJEM_MALLOC_CONF` overrides them.
#[cfg(target_os = "linux")]
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_OPTIONS: Option<&'static std::ffi::c_char> = Some(unsafe {
    // SAFETY: a NUL-terminated literal, alive for the whole program.
    &*c"narenas:1,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr()
});

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout carries what commands print (codes, lists).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NTM_LOG").unwrap_or_else(|_| {
                "info,samod=warn,samod_core=warn,sqlx::postgres::notice=warn".into()
            }),
        )
        .init();
    match cli::Cli::parse().command {
        cli::Command::Serve(args) => http::serve(args).await,
        cli::Command::Catalog(cli::CatalogCommand::Check { file }) => check_catalog(&file),
        cli::Command::Catalog(cli::CatalogCommand::Import { file, store, by }) => {
            let storage = open_storage(&store).await?;
            let outcome = admin::import_catalog(&storage, &file, &by, unix_now()).await;
            storage.close().await;
            println!("{}", outcome?);
            Ok(())
        }
        cli::Command::Device(command) => device(command).await,
        cli::Command::Commune(cli::CommuneCommand::Merge {
            code,
            province,
            store,
        }) => {
            let storage = open_storage(&store).await?;
            let outcome = admin::merge_commune(&storage, &province, &code, unix_now()).await;
            storage.close().await;
            outcome
        }
        cli::Command::Document(command) => {
            let store = match &command {
                cli::DocumentCommand::History { store, .. }
                | cli::DocumentCommand::Revert { store, .. } => store.clone(),
            };
            let storage = open_storage(&store).await?;
            let outcome = match command {
                cli::DocumentCommand::History { id, .. } => {
                    admin::print_history(&storage, &id).await
                }
                cli::DocumentCommand::Revert { id, change, .. } => {
                    admin::revert(&storage, &id, &change, unix_now()).await
                }
            };
            storage.close().await;
            outcome
        }
    }
}

/// `ntm-relay device enrol | list | revoke`.
async fn device(command: cli::DeviceCommand) -> anyhow::Result<()> {
    let store = match &command {
        cli::DeviceCommand::Enrol { store, .. }
        | cli::DeviceCommand::List { store }
        | cli::DeviceCommand::Revoke { store, .. } => store.clone(),
    };
    let storage = open_storage(&store).await?;
    let auth = auth::Auth::new(storage.database());
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

/// Opens the relay's store for an admin command (a process of its own).
async fn open_storage(store: &cli::StoreArgs) -> anyhow::Result<storage::SqlStorage> {
    let db = storage::Database::open(&store.url()?).await?;
    Ok(storage::SqlStorage::new(
        db,
        &format!("admin-{}", std::process::id()),
    ))
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
