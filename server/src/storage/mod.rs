//! Document storage behind samod's `Storage` trait.
//!
//! `database` opens SQLite (the embedded default) or PostgreSQL; `kv` is
//! samod's store on it; `blobs` holds photos and files; `scale_out` lets several relay processes share a
//! PostgreSQL database; `durability` wraps the store so that the relay never
//! tells a peer it holds changes before they are on disk.

pub mod blobs;
mod database;
mod durability;
mod group_commit;
mod kv;
pub mod scale_out;

pub use database::{redact, url_for, Backend, Database};
pub use durability::{
    sync_message_heads, Durability, DurabilityLedger, DurableStorage, WrittenDocuments,
};
pub use group_commit::StorageHealth;
pub use kv::SqlStorage;
