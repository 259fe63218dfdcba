//! `ntm-core`: the pure core of NTM Survey.
//!
//! No IO, no async runtime, no clock reads: time and randomness come in as
//! arguments, so the same logic runs in the browser (wasm32), in the relay and
//! in deterministic tests.

pub mod access;
pub mod appraisal;
pub mod blobs;
pub mod catalog;
pub mod date;
pub mod demo;
pub mod device;
pub mod document;
pub mod evaluation;
pub mod export;
pub mod format;
pub mod history;
pub mod ids;
pub mod limits;
pub mod message;
pub mod overview;
pub mod registry;
pub mod summary;
pub mod survey;
pub mod sync;
pub mod text;

pub use automerge;
pub use ids::{DocumentId, IdError, PeerId};
