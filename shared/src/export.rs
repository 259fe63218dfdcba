//! Tables the province exports (DESIGN.md §2.6): what each sheet holds, as
//! cells that keep their type (text, whole number, date) and headers and
//! labels as [`Message`] codes, so the relay writes them in the reader's
//! language, real numbers and dates in Excel, and the same table as CSV.
//! Pure: the file formats are the relay's (`server/src/exports.rs`).

use crate::catalog::Catalog;
use crate::date::Date;
use crate::message::Message;
use crate::overview::CommuneRow;
use crate::registry::Standing;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Words from the data (a name, a code), as they are.
    Text(String),
    /// Words in the reader's language.
    Label(Message),
    /// Words from the data that come in both languages (a criterion's
    /// name in the catalog).
    Named {
        /// Vietnamese.
        vi: String,
        /// English.
        en: String,
    },
    /// A whole number (a real number in Excel).
    Int(i64),
    /// A day (a real date in Excel, `dd/mm/yyyy`).
    Date(Date),
    /// Nothing.
    Empty,
}

/// One sheet: a title, the header row, the rows, notes under them.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's name (a message code; Excel allows 31 characters).
    pub sheet: Message,
    /// The line above the table.
    pub title: Message,
    /// Column headers.
    pub columns: Vec<Cell>,
    /// The rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
    /// Lines under the table (illustrative thresholds, synthetic data).
    pub notes: Vec<Message>,
}

/// The communes × criteria matrix of one catalog version (its set) on
/// `date`, the rows as the overview has them: code, name, district where
/// the province has districts, standing, target, criteria met, then one
/// column per criterion with its computed status and the department's
/// verdict. Illustrative thresholds are said under the table, and so is
/// `synthetic` (demo) data.
pub fn matrix(rows: &[CommuneRow], catalog: &Catalog, date: Date, synthetic: bool) -> Table {
    let set = catalog.set;
    let districts = rows.iter().any(|r| r.district.is_some());
    let mut columns = vec![
        Cell::Label(Message::new("export-code")),
        Cell::Label(Message::new("export-name")),
    ];
    if districts {
        columns.push(Cell::Label(Message::new("export-district")));
    }
    columns.extend([
        Cell::Label(Message::new("export-standing")),
        Cell::Label(Message::new("export-target")),
        Cell::Label(Message::new("export-met")),
        Cell::Label(Message::new("export-total")),
    ]);
    let criteria = &catalog.criteria;
    columns.extend(criteria.iter().map(|c| Cell::Named {
        vi: format!("{}. {}", c.number, c.name_vi),
        en: format!("{}. {}", c.number, c.name_en),
    }));
    let table_rows = rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::Text(r.code.clone()), Cell::Text(r.name.clone())];
            if districts {
                cells.push(r.district.clone().map_or(Cell::Empty, Cell::Text));
            }
            cells.push(Cell::Label(standing(&r.standing)));
            cells.push(match r.target {
                Some(t) => Cell::Label(
                    Message::new("export-target-of")
                        .with("set", t.level.criteria_set().code().to_owned())
                        .with("year", t.year.to_string()),
                ),
                None => Cell::Empty,
            });
            match r.score(set) {
                Some(score) => {
                    cells.push(Cell::Int(score.met as i64));
                    cells.push(Cell::Int(score.total as i64));
                    for (i, _) in criteria.iter().enumerate() {
                        let status = score.criteria.get(i).copied();
                        let verdict = score.verdicts.get(i).copied().flatten();
                        cells.push(match status {
                            Some(status) => Cell::Label(
                                Message::new("export-cell")
                                    .with("status", status.code().to_owned())
                                    .with(
                                        "verdict",
                                        verdict.map_or("none", |v| v.code()).to_owned(),
                                    ),
                            ),
                            None => Cell::Empty,
                        });
                    }
                }
                None => cells.extend(std::iter::repeat_n(Cell::Empty, 2 + criteria.len())),
            }
            cells
        })
        .collect();
    let mut notes = vec![Message::new("export-as-of").with("date", date.to_string())];
    if catalog.illustrative {
        notes.push(Message::new("illustrative-thresholds"));
    }
    if synthetic {
        notes.push(Message::new("export-synthetic"));
    }
    Table {
        sheet: Message::new("export-sheet-matrix"),
        title: Message::new("export-title-matrix")
            .with("set", set.code().to_owned())
            .with("catalog", catalog.id.clone()),
        columns,
        rows: table_rows,
        notes,
    }
}

/// The matrix file's name, without its extension.
pub fn matrix_file_name(catalog_id: &str, date: Date) -> String {
    format!(
        "ma-tran-tieu-chi-{catalog_id}-{:04}{:02}{:02}",
        date.year, date.month, date.day
    )
}

fn standing(standing: &Standing) -> Message {
    match standing {
        Standing::Recognised { level, year } => Message::new("export-standing-recognised")
            .with("set", level.criteria_set().code().to_owned())
            .with("year", year.to_string()),
        Standing::NotRecognised => Message::new("export-standing-not-recognised"),
        Standing::Succeeded { by, .. } => {
            Message::new("export-standing-succeeded").with("by", by.clone())
        }
        Standing::ToReassess { .. } => Message::new("export-standing-to-reassess"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_has_one_row_per_unit_and_one_column_per_criterion_with_typed_cells() {
        let province = crate::demo::generate(crate::demo::DemoParams {
            communes: 6,
            households: (3, 5),
            ..Default::default()
        });
        let date = Date::new(2026, 12, 1).unwrap();
        let catalogs = crate::catalog::shipped();
        let (rows, _) =
            crate::overview::overview(&province.registry, &province.surveys, &catalogs, date);
        let catalog = catalogs.iter().find(|c| c.id == "ntm-2026-2030").unwrap();
        assert!(catalog.illustrative);
        let table = matrix(&rows, catalog, date, true);
        let criteria = catalog.criteria.len();
        assert_eq!(criteria, 10);
        // No districts any more: code, name, standing, target, met, total.
        assert_eq!(table.columns.len(), 6 + criteria);
        assert_eq!(table.rows.len(), rows.len());
        for (row, r) in table.rows.iter().zip(&rows) {
            assert_eq!(row.len(), table.columns.len());
            assert_eq!(row[0], Cell::Text(r.code.clone()));
            let score = r
                .score(crate::catalog::CriteriaSet::Ntm)
                .expect("scored under 2026–2030");
            assert_eq!(row[4], Cell::Int(score.met as i64));
            assert_eq!(row[5], Cell::Int(10));
            let met_cells = row[6..]
                .iter()
                .filter(|c| matches!(c, Cell::Label(m) if m.args.iter().any(|(k, v)| *k == "status" && *v == crate::message::Arg::Text("met".into()))))
                .count();
            assert_eq!(met_cells, score.met, "{}", r.code);
        }
        let notes: Vec<&str> = table.notes.iter().map(|m| m.code).collect();
        assert_eq!(
            notes,
            [
                "export-as-of",
                "illustrative-thresholds",
                "export-synthetic"
            ]
        );
    }
}
