//! The `catalog` document (DESIGN.md §3–4): one per criteria-set version,
//! written by the province admin when a version is imported, read by everyone.
//!
//! A catalog version is immutable: a changed catalog is a new version and a
//! new document, never a merge of two edits. So the document keeps the
//! validated TOML source as text, next to the header fields a device lists
//! without parsing, and every device re-validates the source with the same
//! line-precise loader when it reads the document: a document whose source
//! does not load is refused, never half-used.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use super::{load_catalog, Catalog, CatalogErrors};
use crate::document::{commit, schema};
use crate::ids::DocumentId;

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-catalog/1";

/// Why a catalog document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogDocumentError {
    /// The root does not carry the catalog schema.
    #[error("not a catalog document (schema {0:?})")]
    NotACatalog(Option<String>),
    /// A root field is missing or has the wrong type.
    #[error("catalog document field {0:?} is missing or malformed")]
    Malformed(&'static str),
    /// The stored source does not load.
    #[error("the catalog stored in the document is invalid:\n{0}")]
    Invalid(CatalogErrors),
    /// The header disagrees with the source (written by a broken tool).
    #[error("catalog document header says {header:?} but its source is {source_id:?}")]
    HeaderMismatch {
        /// Id in the header.
        header: String,
        /// Id in the source.
        source_id: String,
    },
}

/// The document id of a catalog version: derived from its id, so the
/// version imported on the relay and the one a device looks for agree.
pub fn document_id(catalog_id: &str) -> DocumentId {
    DocumentId::derived(&format!("catalog/{catalog_id}"))
}

/// Validates a catalog file and makes its document (one change by
/// `imported_by` at `unix_seconds`). Nothing is made if the file is invalid.
pub fn import(
    file: &str,
    text: &str,
    imported_by: &str,
    unix_seconds: i64,
) -> Result<(Catalog, Automerge), CatalogErrors> {
    let catalog = load_catalog(file, text)?;
    let actor = format!("ntm-catalog:{}", catalog.id);
    let mut doc = Automerge::new().with_actor(automerge::ActorId::from(actor.as_bytes()));
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| commit(unix_seconds, &format!("import catalog {}", catalog.id)),
        |tx| {
            tx.put(ROOT, "schema", SCHEMA)?;
            tx.put(ROOT, "id", catalog.id.as_str())?;
            tx.put(ROOT, "set", catalog.set.code())?;
            tx.put(ROOT, "version", catalog.version.as_str())?;
            tx.put(ROOT, "name_vi", catalog.name_vi.as_str())?;
            tx.put(ROOT, "illustrative", catalog.illustrative)?;
            tx.put(ROOT, "file", file)?;
            tx.put(ROOT, "imported_by", imported_by)?;
            let source = tx.put_object(ROOT, "source", ObjType::Text)?;
            tx.splice_text(&source, 0, 0, text)?;
            Ok(())
        },
    )
    .expect("writing a fresh document cannot fail");
    Ok((catalog, doc))
}

fn root_str(doc: &Automerge, key: &'static str) -> Result<String, CatalogDocumentError> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Ok(s.to_string()),
            _ => Err(CatalogDocumentError::Malformed(key)),
        },
        _ => Err(CatalogDocumentError::Malformed(key)),
    }
}

/// The catalogs these documents hold (those that read), or, when none
/// does (none received yet), the versions shipped with the code: what a
/// device and the relay evaluate with.
pub fn read_or_shipped(docs: &[&Automerge]) -> Vec<Catalog> {
    let read: Vec<Catalog> = docs.iter().filter_map(|d| read(d).ok()).collect();
    if read.is_empty() {
        super::shipped()
    } else {
        read
    }
}

/// Reads and re-validates the catalog a document holds.
pub fn read(doc: &Automerge) -> Result<Catalog, CatalogDocumentError> {
    match schema(doc) {
        Some(s) if s == SCHEMA => {}
        other => return Err(CatalogDocumentError::NotACatalog(other)),
    }
    let header = root_str(doc, "id")?;
    let file = root_str(doc, "file")?;
    let source = match doc.get(ROOT, "source") {
        Ok(Some((Value::Object(ObjType::Text), obj))) => doc
            .text(&obj)
            .map_err(|_| CatalogDocumentError::Malformed("source"))?,
        _ => return Err(CatalogDocumentError::Malformed("source")),
    };
    let catalog = load_catalog(&file, &source).map_err(CatalogDocumentError::Invalid)?;
    if catalog.id != header {
        return Err(CatalogDocumentError::HeaderMismatch {
            header,
            source_id: catalog.id,
        });
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SHIPPED;

    #[test]
    fn shipped_catalogs_round_trip_through_their_documents() {
        for (file, text) in SHIPPED {
            let (catalog, doc) = import(file, text, "admin", 1_700_000_000).unwrap();
            let reloaded = Automerge::load(&doc.save()).unwrap();
            assert_eq!(read(&reloaded).unwrap(), catalog);
            assert_eq!(schema(&reloaded).as_deref(), Some(SCHEMA));
            assert!(catalog.illustrative, "{file} is marked illustrative");
        }
        assert_ne!(
            document_id("ntm-2021-2025"),
            document_id("ntm-advanced-2021-2025")
        );
    }

    #[test]
    fn an_invalid_file_makes_no_document() {
        let (file, text) = SHIPPED[0];
        let broken = text.replacen("unit = \"percent\"", "unit = \"phần trăm\"", 1);
        let errors = import(file, &broken, "admin", 0).unwrap_err();
        assert!(errors.to_string().contains("unit"), "{errors}");
    }

    #[test]
    fn a_tampered_document_is_refused_not_half_used() {
        let (file, text) = SHIPPED[0];
        let (_, mut doc) = import(file, text, "admin", 0).unwrap();
        let source = match doc.get(ROOT, "source").unwrap() {
            Some((_, obj)) => obj,
            None => unreachable!(),
        };
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.splice_text(&source, 0, 0, "garbage = \n")
        })
        .unwrap();
        assert!(matches!(read(&doc), Err(CatalogDocumentError::Invalid(_))));

        let (_, mut doc) = import(file, text, "admin", 0).unwrap();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "id", "other"))
            .unwrap();
        assert!(matches!(
            read(&doc),
            Err(CatalogDocumentError::HeaderMismatch { .. })
        ));
        assert!(matches!(
            read(&Automerge::new()),
            Err(CatalogDocumentError::NotACatalog(None))
        ));
    }
}
