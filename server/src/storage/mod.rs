//! Document storage behind samod's `Storage` trait.
//!
//! `sqlite` is the embedded default; `durability` wraps any store so that the
//! relay never tells a peer it holds changes before they are on disk.

mod durability;
mod sqlite;

pub use durability::{Durability, DurabilityLedger, DurableStorage};
pub use sqlite::SqliteStorage;
