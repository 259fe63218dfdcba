//! The household list at commune scale: one summary per household, read in
//! one pass with the facts evaluation needs; villages with how many of their
//! households are surveyed; search by the head's or any member's name that
//! ignores case and diacritics; filters; the Vietnamese order of names.
//!
//! The views show a window of [`Listing::query`]'s result, never the whole
//! commune, so 3,000 households cost what 30 do on screen.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::{Automerge, ChangeHash};

use super::poverty::PovertyClass;
use super::record::{self, Progress};
use super::{household_obj, households, HouseholdId};
use crate::evaluation::{HouseholdFacts, SurveyFacts};
use crate::history;
use crate::text::{self, SortKey};

/// One household as the list shows it.
#[derive(Debug, Clone, PartialEq, minicbor::Encode, minicbor::Decode)]
pub struct HouseholdSummary {
    /// Stable id.
    #[n(0)]
    pub id: HouseholdId,
    /// Head of household (the winning value).
    #[n(1)]
    pub head: String,
    /// Village (the winning value; empty if never set).
    #[n(2)]
    pub village: String,
    /// Members: the roster's size, else the declared number.
    #[n(3)]
    pub members: Option<u32>,
    /// Every member's name, as recorded.
    #[n(4)]
    pub member_names: Vec<String>,
    /// How far its record is filled in.
    #[n(5)]
    pub progress: Progress,
    /// Poverty class for the survey year, once income and conditions allow it.
    #[n(6)]
    pub poverty: Option<PovertyClass>,
    /// Fields where concurrent edits left two values (paths like
    /// `head`, `record/water`, `record/roster/<member>/name`).
    #[n(7)]
    pub conflicts: Vec<String>,
    /// When it was first recorded (unix seconds).
    #[n(8)]
    pub created_at: i64,
}

/// Which households a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every household.
    #[default]
    All,
    /// Nothing of the record yet.
    NotSurveyed,
    /// Some sections still to answer.
    Incomplete,
    /// Poor or near-poor for the survey year.
    PoorOrNearPoor,
    /// Fields needing a decision between two devices' values.
    Conflicts,
}

impl Filter {
    /// Every filter, in the order the screen offers them.
    pub const ALL: [Filter; 5] = [
        Filter::All,
        Filter::NotSurveyed,
        Filter::Incomplete,
        Filter::PoorOrNearPoor,
        Filter::Conflicts,
    ];

    /// A stable code (element ids, stored choices).
    pub fn code(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::NotSurveyed => "not-surveyed",
            Filter::Incomplete => "incomplete",
            Filter::PoorOrNearPoor => "poor",
            Filter::Conflicts => "conflicts",
        }
    }

    /// Whether a household passes.
    pub fn admits(self, h: &HouseholdSummary) -> bool {
        match self {
            Filter::All => true,
            Filter::NotSurveyed => h.progress == Progress::NotSurveyed,
            Filter::Incomplete => matches!(h.progress, Progress::Incomplete { .. }),
            Filter::PoorOrNearPoor => {
                matches!(h.poverty, Some(PovertyClass::Poor | PovertyClass::NearPoor))
            }
            Filter::Conflicts => !h.conflicts.is_empty(),
        }
    }
}

/// A set of households, shared between a view model and the list's query.
pub type HouseholdSet = Arc<BTreeSet<HouseholdId>>;

/// What the person asked the list for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Typed search text (any case, with or without diacritics).
    pub text: String,
    /// One village only (its name as recorded), or all.
    pub village: Option<String>,
    /// Which households.
    pub filter: Filter,
    /// Only these households (those behind a gap of the scorecard), or all.
    pub among: Option<HouseholdSet>,
}

/// A village and how far its survey is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageSummary {
    /// The name as recorded ("" for households without a village).
    pub name: String,
    /// Households listed in it.
    pub total: usize,
    /// Of which with every section answered.
    pub surveyed: usize,
    /// Of which with fields needing a decision.
    pub conflicts: usize,
}

/// The commune's households, indexed for search and sorted in Vietnamese
/// order of the head's name (given name first).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    rows: Vec<HouseholdSummary>,
    /// Folded head and member names per row, for search.
    search: Vec<Vec<String>>,
    /// Row indices in display order.
    order: Vec<usize>,
}

impl Listing {
    /// Indexes the given summaries.
    pub fn new(rows: Vec<HouseholdSummary>) -> Listing {
        let (search, keys) = rows
            .iter()
            .map(Indexed::of)
            .map(|i| (i.names, i.key))
            .unzip();
        Listing::indexed(rows, search, keys)
    }

    /// The listing of rows whose search names and sort keys are known.
    fn indexed(
        rows: Vec<HouseholdSummary>,
        search: Vec<Vec<String>>,
        keys: Vec<SortKey>,
    ) -> Listing {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            keys[a]
                .cmp(&keys[b])
                .then_with(|| rows[a].id.cmp(&rows[b].id))
        });
        Listing {
            rows,
            search,
            order,
        }
    }

    /// How many households in all.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// One row (an index from [`Listing::query`]).
    pub fn row(&self, index: usize) -> Option<&HouseholdSummary> {
        self.rows.get(index)
    }

    /// The row of a household.
    pub fn find(&self, id: &HouseholdId) -> Option<&HouseholdSummary> {
        self.rows.iter().find(|r| &r.id == id)
    }

    /// The rows that answer a query, in display order. A search matches when
    /// every typed word occurs in the head's name or in one member's name.
    pub fn query(&self, query: &Query) -> Vec<usize> {
        let folded = text::fold(&query.text);
        self.order
            .iter()
            .copied()
            .filter(|&i| {
                let row = &self.rows[i];
                query.village.as_ref().is_none_or(|v| &row.village == v)
                    && query.filter.admits(row)
                    && query.among.as_ref().is_none_or(|ids| ids.contains(&row.id))
                    && (folded.is_empty()
                        || self.search[i].iter().any(|n| text::matches(n, &folded)))
            })
            .collect()
    }

    /// Villages in Vietnamese order, with their progress.
    pub fn villages(&self) -> Vec<VillageSummary> {
        let mut by_name: std::collections::BTreeMap<&str, VillageSummary> = Default::default();
        for row in &self.rows {
            let v = by_name
                .entry(row.village.as_str())
                .or_insert_with(|| VillageSummary {
                    name: row.village.clone(),
                    total: 0,
                    surveyed: 0,
                    conflicts: 0,
                });
            v.total += 1;
            v.surveyed += usize::from(row.progress == Progress::Complete);
            v.conflicts += usize::from(!row.conflicts.is_empty());
        }
        let mut list: Vec<VillageSummary> = by_name.into_values().collect();
        list.sort_by_cached_key(|v| text::sort_key(&v.name));
        list
    }

    /// Households with fields needing a decision (the commune-wide list).
    pub fn needing_decision(&self) -> Vec<&HouseholdSummary> {
        self.order
            .iter()
            .map(|&i| &self.rows[i])
            .filter(|r| !r.conflicts.is_empty())
            .collect()
    }
}

/// A row's search names (folded) and sort key: computed when the row is
/// read, not each time the listing is built.
#[derive(Debug, Clone, minicbor::Encode, minicbor::Decode)]
struct Indexed {
    #[n(0)]
    names: Vec<String>,
    #[n(1)]
    key: SortKey,
}

/// One household as the reader keeps it.
#[derive(Debug, Clone, minicbor::Encode, minicbor::Decode)]
struct Row {
    #[n(0)]
    summary: HouseholdSummary,
    #[n(1)]
    facts: HouseholdFacts,
    #[n(2)]
    indexed: Indexed,
}

impl Indexed {
    fn of(row: &HouseholdSummary) -> Indexed {
        Indexed {
            names: std::iter::once(&row.head)
                .chain(&row.member_names)
                .map(|n| text::fold(n))
                .collect(),
            key: text::name_sort_key(&row.head),
        }
    }
}

/// What the commune's screens need from its survey, read in one pass: the
/// household list and the facts evaluation scores.
#[derive(Debug, Clone, Default)]
pub struct CommuneSurvey {
    /// The indexed list.
    pub listing: Listing,
    /// Household and infrastructure facts for evaluation.
    pub facts: SurveyFacts,
}

/// Reads a commune's survey for a survey year.
pub fn read_commune(doc: &Automerge, year: i64) -> CommuneSurvey {
    SurveyReader::default().read(doc, year)
}

/// Reads a commune's survey again and again as changes arrive, reading
/// only the households the changes since the last read touched (a
/// household costs a third of a millisecond to read; a commune, a second).
#[derive(Debug, Clone, Default)]
pub struct SurveyReader {
    heads: Vec<ChangeHash>,
    year: i64,
    rows: BTreeMap<HouseholdId, Row>,
    /// Households read since the state was last saved.
    unsaved: usize,
}

/// How many operations of new changes cost about as much to place one by
/// one (20 µs each) as a diff of a commune's whole survey (about 0.1 s for
/// demo Tả Van's 2,700 households).
const DIFF_OPS: usize = 5_000;

/// About how many operations a household takes (demo Tả Van: 57).
const OPS_PER_HOUSEHOLD: usize = 50;

/// A reader's state as kept beside the survey (see [`SurveyReader::save`]).
#[derive(minicbor::Encode, minicbor::Decode)]
struct Saved {
    #[n(0)]
    tag: String,
    #[n(1)]
    year: i64,
    #[n(2)]
    heads: Vec<minicbor::bytes::ByteArray<32>>,
    #[n(3)]
    rows: Vec<Row>,
}

impl SurveyReader {
    /// The state to keep beside the survey, so that a cold start reads only
    /// the households changed since (reading a commune's thousands takes
    /// seconds; decoding their saved rows, milliseconds). `tag` names the
    /// build saving it: [`SurveyReader::restore`] under another tag reads
    /// everything again, since how a row is summarised may have changed.
    pub fn save(&mut self, tag: &str) -> Vec<u8> {
        self.unsaved = 0;
        let saved = Saved {
            tag: tag.to_owned(),
            year: self.year,
            heads: self.heads.iter().map(|h| h.0.into()).collect(),
            rows: self.rows.values().cloned().collect(),
        };
        minicbor::to_vec(&saved).unwrap_or_default()
    }

    /// A reader starting from a saved state: `None` when the bytes do not
    /// decode or were saved by another build. A state the survey does not
    /// reach (its heads unknown to the document read next) is read again
    /// whole by [`SurveyReader::read`].
    pub fn restore(bytes: &[u8], tag: &str) -> Option<SurveyReader> {
        let saved: Saved = minicbor::decode(bytes).ok()?;
        (saved.tag == tag).then(|| SurveyReader {
            heads: saved.heads.into_iter().map(|h| ChangeHash(*h)).collect(),
            year: saved.year,
            rows: saved
                .rows
                .into_iter()
                .map(|r| (r.summary.id.clone(), r))
                .collect(),
            unsaved: 0,
        })
    }

    /// How many households were read since the state was last saved.
    pub fn unsaved(&self) -> usize {
        self.unsaved
    }

    /// The survey as `doc` holds it now.
    pub fn read(&mut self, doc: &Automerge, year: i64) -> CommuneSurvey {
        let heads = doc.get_heads();
        let known = !self.heads.is_empty()
            && self.year == year
            && self
                .heads
                .iter()
                .all(|h| doc.get_change_meta_by_hash(h).is_some());
        let touched = if !known {
            None
        } else if heads == self.heads {
            Some(Default::default())
        } else {
            // A few edits: placed from their own operations. A sync that
            // brought many: the diff of the two states, whose cost follows
            // the document rather than the changes; or, when they hold more
            // households than were known (a first sync), everything.
            history::entries_written_since(doc, &self.heads, DIFF_OPS).or_else(|| {
                let most_new = history::operations_since(doc, &self.heads)
                    > self.rows.len() * OPS_PER_HOUSEHOLD;
                (!most_new).then(|| {
                    history::entries_touched(doc, &self.heads, &heads)
                        .into_iter()
                        .map(|t| (t.container, t.key))
                        .collect()
                })
            })
        };
        if let Some(touched) = touched {
            for (container, key) in touched {
                if container != "households" {
                    continue;
                }
                let Ok(id) = HouseholdId::parse(&key) else {
                    continue;
                };
                self.unsaved += 1;
                match super::household(doc, &id) {
                    Some(h) => {
                        self.rows.insert(id, summarize(doc, &h, year));
                    }
                    None => {
                        self.rows.remove(&id);
                    }
                }
            }
        } else {
            self.rows = households(doc)
                .iter()
                .map(|h| (h.id.clone(), summarize(doc, h, year)))
                .collect();
            self.unsaved += self.rows.len().max(1);
        }
        self.heads = heads;
        self.year = year;
        let mut facts = SurveyFacts {
            households: self.rows.values().map(|r| r.facts.clone()).collect(),
            ..SurveyFacts::default()
        };
        // Infrastructure and attestations are a handful of entries: read whole.
        super::infrastructure::add_facts(doc, &mut facts);
        let mut rows = Vec::with_capacity(self.rows.len());
        let mut search = Vec::with_capacity(self.rows.len());
        let mut keys = Vec::with_capacity(self.rows.len());
        for row in self.rows.values() {
            rows.push(row.summary.clone());
            search.push(row.indexed.names.clone());
            keys.push(row.indexed.key.clone());
        }
        CommuneSurvey {
            listing: Listing::indexed(rows, search, keys),
            facts,
        }
    }
}

/// One household's row and facts.
fn summarize(doc: &Automerge, h: &super::Household, year: i64) -> Row {
    let record = record::read_record(doc, &h.id).unwrap_or_default();
    let fact = record::household_fact(h, &record, year);
    let members = record.member_count(h.members.value);
    let conflicts = household_obj(doc, &h.id)
        .map(|obj| crate::document::conflicted_paths(doc, &obj))
        .unwrap_or_default();
    let row = HouseholdSummary {
        id: h.id.clone(),
        head: h.head.value.clone().unwrap_or_default(),
        village: h.village.value.clone().unwrap_or_default(),
        members,
        member_names: record.roster.values().map(|m| m.name.clone()).collect(),
        progress: record.progress(),
        poverty: record.poverty(members.map_or(0, i64::from), year),
        conflicts,
        created_at: h.created_at,
    };
    let indexed = Indexed::of(&row);
    Row {
        summary: row,
        facts: fact,
        indexed,
    }
}

#[cfg(test)]
mod tests;
