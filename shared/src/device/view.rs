//! What the commune's screens show, computed from the documents as durable
//! on the device: the household list, the scorecards of the sets in force,
//! infrastructure, attestations, the commune's registry entry and standing,
//! the appraisal.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::{Automerge, ChangeHash};

use crate::appraisal::{self, Appraisal};
use crate::catalog::{self, Catalog};
use crate::date::Date;
use crate::evaluation::{evaluate, evaluate_commune, lacking, Scorecard};
use crate::registry::{self, Commune};
use crate::survey::infrastructure::{self, Attestation, InfraEntry};
use crate::survey::listing::{HouseholdSet, Listing, SurveyReader};
use crate::survey::merge::{self, Succession};
use crate::survey::{self, CommuneRef, HouseholdId};

/// The commune's screens' data.
#[derive(Debug, Clone, Default)]
pub struct CommuneView {
    /// The commune's name (as its survey stores it, else as enrolled).
    pub name: String,
    /// Households, indexed for search.
    pub listing: Listing,
    /// One scorecard per criteria set in force.
    pub scorecards: Vec<Scorecard>,
    /// The households behind each gap computed from households, by
    /// (catalog id, indicator id): the list a gap links to.
    pub behind: Behind,
    /// Infrastructure entries by id.
    pub infrastructure: Vec<(String, InfraEntry)>,
    /// Attestations by indicator key.
    pub attestations: BTreeMap<String, Attestation>,
    /// The catalog versions (received, else the shipped ones).
    pub catalogs: Vec<Catalog>,
    /// The commune as the province registry lists it, once received.
    pub registry_entry: Option<Commune>,
    /// Names of the units the commune was formed from.
    pub predecessor_names: Vec<String>,
    /// Where this commune's data went, if it was merged into another.
    pub succeeded_by: Option<Succession>,
    /// Verdicts, district review, dossier state.
    pub appraisal: Appraisal,
    /// The province as its summary has it, on a device that tracks the
    /// summary and once it arrived with the registry.
    pub province: Option<Arc<ProvinceOverview>>,
}

/// Every unit of the province on a day, scored as the province summary
/// says, with the totals (`crate::overview::overview_of_summary`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvinceOverview {
    /// The day.
    pub date: Date,
    /// One row per unit.
    pub rows: Vec<crate::overview::CommuneRow>,
    /// Totals over the rows.
    pub totals: crate::overview::Totals,
    /// The registry says its data is synthetic (the demo province).
    pub synthetic: bool,
}

/// The households behind each gap, by (catalog id, indicator id).
pub type Behind = BTreeMap<(String, String), HouseholdSet>;

/// The documents a view is computed from (each as durable on the device).
pub struct Sources<'a> {
    /// The commune.
    pub commune: &'a CommuneRef,
    /// Its survey.
    pub survey: Option<&'a Automerge>,
    /// Its dossier.
    pub dossier: Option<&'a Automerge>,
    /// Each department's verdicts, by the department it is listed under.
    pub verdicts: Vec<(&'a str, &'a Automerge)>,
    /// The province registry.
    pub registry: Option<&'a Automerge>,
    /// Catalog documents received.
    pub catalogs: Vec<&'a Automerge>,
}

/// What computing a view again can reuse: the survey's households read
/// so far, and the commune's registry entry and the catalogs as last read,
/// each kept with the heads it was read at.
#[derive(Debug, Default)]
pub struct ViewCache {
    /// The survey's households read so far.
    pub(super) survey: SurveyReader,
    registry: Option<(Vec<ChangeHash>, Standing)>,
    catalogs: Option<(Vec<Vec<ChangeHash>>, Vec<Catalog>)>,
    /// The province overview with the heads of the registry and the
    /// summary it was read from, and its day.
    province: Option<(Vec<ChangeHash>, Date, Option<Arc<ProvinceOverview>>)>,
}

/// The commune as the registry lists it, and the names of the units it was
/// formed from.
type Standing = (Option<Commune>, Vec<String>);

impl ViewCache {
    /// A cache whose survey reader starts from `survey`.
    pub fn starting_from(survey: SurveyReader) -> ViewCache {
        ViewCache {
            survey,
            ..ViewCache::default()
        }
    }

    /// The survey's households as read so far, saved
    /// (`SurveyReader::save`) for a later [`ViewCache::starting_from`].
    pub fn save_survey(&mut self, tag: &str) -> Vec<u8> {
        self.survey.save(tag)
    }

    /// The province overview from the registry and the summary, read
    /// again only when either moved or the day changed.
    pub(super) fn province(
        &mut self,
        registry: Option<&Automerge>,
        summary: Option<&Automerge>,
        today: Date,
    ) -> Option<Arc<ProvinceOverview>> {
        let (registry, summary) = (registry?, summary?);
        let heads: Vec<ChangeHash> = registry
            .get_heads()
            .into_iter()
            .chain(summary.get_heads())
            .collect();
        if self
            .province
            .as_ref()
            .is_none_or(|(h, d, _)| *h != heads || *d != today)
        {
            let read = match (
                registry::document::read(registry),
                crate::summary::read(summary),
            ) {
                (Ok(registry), Ok(entries)) => {
                    let (rows, totals) =
                        crate::overview::overview_of_summary(&registry, &entries, today);
                    Some(Arc::new(ProvinceOverview {
                        date: today,
                        rows,
                        totals,
                        synthetic: registry.province.synthetic,
                    }))
                }
                // Not arrived yet (empty documents), or not readable.
                _ => None,
            };
            self.province = Some((heads, today, read));
        }
        self.province.as_ref().and_then(|(_, _, p)| p.clone())
    }

    fn standing(&mut self, doc: Option<&Automerge>, code: &str) -> Standing {
        let heads = doc.map(Automerge::get_heads).unwrap_or_default();
        if self.registry.as_ref().is_none_or(|(h, _)| *h != heads) {
            let entry = doc.and_then(|d| registry::document::read_commune(d, code).ok().flatten());
            let predecessors = entry
                .iter()
                .flat_map(|e| &e.predecessors)
                .filter_map(|p| {
                    let d = doc?;
                    registry::document::read_commune(d, p).ok().flatten()
                })
                .map(|p| p.name)
                .collect();
            self.registry = Some((heads, (entry, predecessors)));
        }
        self.registry
            .as_ref()
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    pub(super) fn catalogs(&mut self, docs: &[&Automerge]) -> Vec<Catalog> {
        let heads: Vec<Vec<ChangeHash>> = docs.iter().map(|d| d.get_heads()).collect();
        if self.catalogs.as_ref().is_none_or(|(h, _)| *h != heads) {
            self.catalogs = Some((heads, catalog::document::read_or_shipped(docs)));
        }
        self.catalogs
            .as_ref()
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }
}

impl CommuneView {
    /// Computes the view for `today` (the survey year is today's year),
    /// reading again only what changed since `cache` last read it.
    pub fn compute(sources: Sources<'_>, today: Date, cache: &mut ViewCache) -> CommuneView {
        let empty = Automerge::new();
        let survey_doc = sources.survey.unwrap_or(&empty);
        let catalogs = cache.catalogs(&sources.catalogs);
        let (entry, predecessor_names) = cache.standing(sources.registry, &sources.commune.code);
        let appraisal = appraisal::assemble(&catalogs, sources.dossier, sources.verdicts);
        let year = i64::from(today.year);
        let survey = cache.survey.read(survey_doc, year);
        let mut behind = BTreeMap::new();
        let scorecards = crate::overview::sets_in_force(&catalogs, today)
            .into_iter()
            .map(|c| {
                let card = match &entry {
                    Some(commune) => {
                        evaluate_commune(c, commune, today.year, &survey.facts, &appraisal)
                    }
                    None => {
                        let class = sources.commune.class_in(&c.classification);
                        evaluate(c, class.as_deref(), today.year, &survey.facts)
                    }
                };
                for (_, gap) in card.gaps() {
                    let ids: BTreeSet<HouseholdId> =
                        lacking(c, &gap.id, gap.threshold, &survey.facts)
                            .into_iter()
                            .filter_map(|h| HouseholdId::parse(h.id.as_deref()?).ok())
                            .collect();
                    if !ids.is_empty() {
                        behind.insert((c.id.clone(), gap.id.clone()), Arc::new(ids));
                    }
                }
                card
            })
            .collect();
        CommuneView {
            name: survey::commune_name(survey_doc).unwrap_or_else(|| sources.commune.name.clone()),
            listing: survey.listing,
            scorecards,
            behind,
            infrastructure: infrastructure::infrastructure(survey_doc)
                .into_iter()
                .collect(),
            attestations: infrastructure::attestations(survey_doc),
            catalogs,
            registry_entry: entry,
            predecessor_names,
            succeeded_by: merge::succeeded_by(survey_doc),
            appraisal,
            province: None,
        }
    }
}
