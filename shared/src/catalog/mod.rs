//! Criteria catalogs as versioned data (DESIGN.md §4): the model, the
//! vocabulary rules may use, the TOML loader with line-precise errors, and
//! the versions shipped in `shared/catalogs/`.

pub mod document;
mod load;
mod model;
mod vocabulary;

pub use load::{load_catalog, CatalogError, CatalogErrors};
pub use model::*;
pub use vocabulary::*;

/// The shipped catalog files: (file name, contents).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "ntm-2021-2025.toml",
        include_str!("../../catalogs/ntm-2021-2025.toml"),
    ),
    (
        "ntm-advanced-2021-2025.toml",
        include_str!("../../catalogs/ntm-advanced-2021-2025.toml"),
    ),
    (
        "ntm-2026-2030.toml",
        include_str!("../../catalogs/ntm-2026-2030.toml"),
    ),
    (
        "ntm-modern-2026-2030.toml",
        include_str!("../../catalogs/ntm-modern-2026-2030.toml"),
    ),
];

/// The shipped catalogs, loaded. They are tested to load, so this cannot fail.
pub fn shipped() -> Vec<Catalog> {
    SHIPPED
        .iter()
        .map(|(file, text)| {
            load_catalog(file, text)
                .unwrap_or_else(|e| panic!("shipped catalog {file} is invalid:\n{e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests;
