//! Harness for NTM Survey's end-to-end tests: the real `ntm-relay` process,
//! simulated devices speaking `ntm-core`'s protocol over real WebSockets, and
//! paths to the tools `cargo xtask test` installs.

pub mod browser;
pub mod device;
pub mod faults;
pub mod postgres;
pub mod relay;
pub mod workspace;

pub use device::Device;
pub use postgres::Postgres;
pub use relay::Relay;
