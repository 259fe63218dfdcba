//! `GET /api/export/matrix`: the communes × criteria matrix as an Excel
//! workbook or a UTF-8 CSV, from the documents the relay holds (registry,
//! province summary, catalogs). The table is the core's
//! (`ntm_core::export`); this module only reads the documents, checks who
//! asks, and writes the file: real numbers and dates in Excel, headers in
//! the reader's language, a CSV that Excel opens (byte-order mark).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ntm_core::access::{Access, DocumentInfo, DocumentKind};
use ntm_core::catalog::{self, Catalog};
use ntm_core::date::Date;
use ntm_core::export::{Cell, Table};
use ntm_i18n::{Locale, Words};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::sync_endpoint::{bearer, SyncState};

/// The query: which catalog version (default: the NTM set in force), the
/// file format, the language.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    catalog: Option<String>,
    #[serde(default)]
    format: FileFormat,
    lang: Option<String>,
}

/// The file format asked for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Excel.
    #[default]
    Xlsx,
    /// UTF-8 CSV.
    Csv,
}

/// The matrix as a file, for the devices that read the province summary
/// (district, department, office, admin: the same rule as the summary's).
pub async fn matrix(
    State(state): State<SyncState>,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return (
            StatusCode::BAD_REQUEST,
            "định dạng: xlsx hoặc csv / format: xlsx or csv\n",
        )
            .into_response();
    };
    if let Some(auth) = &state.auth {
        let grant = match auth.device_of_token(bearer(&headers)).await {
            Ok((_, grant)) => grant,
            Err(e) => return (e.token_status(), format!("{e}\n")).into_response(),
        };
        let summary = DocumentInfo {
            kind: DocumentKind::Summary,
            unit: String::new(),
            district: None,
            department: None,
        };
        if grant.access(Some(&summary)) == Access::None {
            return (
                StatusCode::FORBIDDEN,
                "chỉ các đơn vị cấp tỉnh được xuất bảng này / only the province's units may export this table\n",
            )
                .into_response();
        }
    }
    match build(&state, &query).await {
        Ok(Some((table, name))) => {
            let locale = query
                .lang
                .as_deref()
                .and_then(Locale::from_code)
                .unwrap_or(Locale::Vi);
            let words = Words::new(locale);
            let (bytes, kind, extension) = match query.format {
                FileFormat::Xlsx => match xlsx(&table, &words) {
                    Ok(bytes) => (
                        bytes,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "xlsx",
                    ),
                    Err(e) => {
                        tracing::error!("export: {e}");
                        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    }
                },
                FileFormat::Csv => (csv(&table, &words), "text/csv; charset=utf-8", "csv"),
            };
            (
                [
                    (header::CONTENT_TYPE, kind.to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.{extension}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "chưa có danh mục tỉnh hoặc bộ tiêu chí này / no province registry or no such catalog\n",
        )
            .into_response(),
        Err(e) => {
            tracing::error!("export: {e:#}");
            (StatusCode::SERVICE_UNAVAILABLE, "export failed\n").into_response()
        }
    }
}

/// The table and the file's name (without extension), or `None` when the
/// relay holds no registry or no such catalog.
async fn build(state: &SyncState, query: &ExportQuery) -> anyhow::Result<Option<(Table, String)>> {
    let Some(province) = state.enrolments.province().await? else {
        return Ok(None);
    };
    let storage = &state.storage;
    let registry_id = ntm_core::registry::document::document_id(&province).to_string();
    let Some(registry_doc) = storage.load_document(&registry_id).await? else {
        return Ok(None);
    };
    let registry = ntm_core::registry::document::read(&registry_doc)?;
    let summary_id = ntm_core::summary::document_id(&province).to_string();
    let entries = match storage.load_document(&summary_id).await? {
        Some(doc) => ntm_core::summary::read(&doc)?,
        None => Default::default(),
    };
    let mut docs = Vec::new();
    for id in storage.documents_of_kind(DocumentKind::Catalog).await? {
        docs.extend(storage.load_document(&id).await?);
    }
    // The catalogs the summary was evaluated with.
    let catalogs: Vec<Catalog> =
        catalog::document::read_or_shipped(&docs.iter().collect::<Vec<_>>());
    let today = Date::of_unix_vn(crate::unix_now());
    let (rows, _) = ntm_core::overview::overview_of_summary(&registry, &entries, today);
    // By default the first set in force (the NTM set).
    let wanted = query.catalog.clone().or_else(|| {
        rows.iter()
            .find_map(|r| r.scores.first().map(|s| s.catalog_id.clone()))
    });
    let Some(catalog) = wanted.and_then(|id| catalogs.into_iter().find(|c| c.id == id)) else {
        return Ok(None);
    };
    let table = ntm_core::export::matrix(&rows, &catalog, today, registry.province.synthetic);
    let name = ntm_core::export::matrix_file_name(&catalog.id, today);
    Ok(Some((table, name)))
}

fn text(cell: &Cell, words: &Words) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Label(m) => words.message(m),
        Cell::Named { vi, en } => match words.locale() {
            Locale::Vi => vi.clone(),
            Locale::En => en.clone(),
        },
        Cell::Int(n) => n.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The workbook: the title, the header row (bold, frozen), the rows with
/// numbers and dates as such, the notes under them.
fn xlsx(table: &Table, words: &Words) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = workbook.add_worksheet();
    // Excel refuses names over 31 characters or with []:*?/\.
    let name: String = words
        .message(&table.sheet)
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    sheet.set_name(name)?;
    const HEADER: u32 = 2;
    for (col, cell) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER, col as u16, text(cell, words), &bold)?;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = HEADER + 1 + i as u32;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Int(n) => {
                    sheet.write_number(r, col, *n as f64)?;
                }
                Cell::Date(d) => {
                    let date = ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8)?;
                    sheet.write_datetime_with_format(r, col, &date, &day)?;
                }
                Cell::Empty => {}
                other => {
                    sheet.write_string(r, col, text(other, words))?;
                }
            }
        }
    }
    // Columns fit the table; the title and the notes, written after, run
    // on over the next cells instead of widening the first column.
    sheet.autofit();
    sheet.write_string_with_format(0, 0, words.message(&table.title), &title)?;
    let below = HEADER + 2 + table.rows.len() as u32;
    for (i, note) in table.notes.iter().enumerate() {
        sheet.write_string(below + i as u32, 0, words.message(note))?;
    }
    sheet.set_freeze_panes(HEADER + 1, 2)?;
    workbook.save_to_buffer()
}

/// The header row and the rows, comma-separated, every field quoted,
/// after a UTF-8 byte-order mark (without it Excel reads the bytes as the
/// machine's code page and the diacritics break).
fn csv(table: &Table, words: &Words) -> Vec<u8> {
    let line = |cells: &[Cell]| {
        cells
            .iter()
            .map(|c| format!("\"{}\"", text(c, words).replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&line(&table.columns));
    out.push_str("\r\n");
    for row in &table.rows {
        out.push_str(&line(row));
        out.push_str("\r\n");
    }
    out.into_bytes()
}
