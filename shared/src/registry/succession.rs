//! Succession of administrative units (the merger of 01/07/2025 and any
//! later one): which old units became which new one, checked for
//! consistency, and what a merged unit's programme standing is. Recognition
//! never carries over: a unit formed from others is "to re-assess" until it
//! is recognised itself, with its predecessors' standings shown beside it.

use super::{Commune, Level, Registry};
use crate::date::Date;

/// Why a registry's succession records do not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{vi} / {en}")]
pub struct SuccessionError {
    /// Vietnamese message.
    pub vi: String,
    /// English message.
    pub en: String,
}

/// A predecessor's standing, shown beside a merged unit's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredecessorStanding {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The level and year it was recognised at, if it was.
    pub recognised: Option<(Level, i32)>,
}

/// Where a unit stands in the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Recognised at a level, in a year, as this unit.
    Recognised {
        /// The level.
        level: Level,
        /// The year.
        year: i32,
    },
    /// Formed from other units and not recognised since: to be assessed
    /// anew (whatever its predecessors were).
    ToReassess {
        /// The units it was formed from and their standings.
        predecessors: Vec<PredecessorStanding>,
    },
    /// Not recognised.
    NotRecognised,
    /// The unit no longer exists: it became part of another.
    Succeeded {
        /// The unit it is part of now (the end of the chain).
        by: String,
        /// Its first day.
        on: Date,
    },
}

impl Commune {
    /// The level and year of its highest recognition.
    pub fn recognition(&self) -> Option<(Level, i32)> {
        self.modern_year
            .map(|y| (Level::Modern, y))
            .or(self.advanced_year.map(|y| (Level::Advanced, y)))
            .or(self.ntm_year.map(|y| (Level::Ntm, y)))
    }
}

impl Registry {
    /// The units a unit was formed from.
    pub fn predecessors_of(&self, code: &str) -> Vec<&Commune> {
        self.commune(code)
            .map(|c| {
                c.predecessors
                    .iter()
                    .filter_map(|p| self.commune(p))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The unit an old unit's data lives in now: its successor's successor…
    /// to the end of the chain (`None` if it has none).
    pub fn current_successor(&self, code: &str) -> Option<&Commune> {
        let mut at = self.commune(code)?;
        let mut seen = 0;
        while let Some(next) = at.successor.as_deref().and_then(|s| self.commune(s)) {
            at = next;
            seen += 1;
            if seen > self.communes.len() {
                return None; // a cycle: refused by `check_succession`
            }
        }
        (at.code != code).then_some(at)
    }

    /// Where a unit stands on a date (`None`: no such unit).
    pub fn standing(&self, code: &str, date: Date) -> Option<Standing> {
        let unit = self.commune(code)?;
        if unit.successor.is_some() && unit.valid_until.is_none_or(|last| date > last) {
            let by = self.current_successor(code)?;
            return Some(Standing::Succeeded {
                by: by.code.clone(),
                on: unit.valid_until.map_or(date, Date::next_day),
            });
        }
        // A recognition counts for this unit only if it came after the unit
        // was formed: recognition does not carry over through a merger.
        let own = unit
            .recognition()
            .filter(|(_, year)| unit.valid_from.is_none_or(|from| *year >= from.year));
        Some(match own {
            Some((level, year)) => Standing::Recognised { level, year },
            None if !unit.predecessors.is_empty() => Standing::ToReassess {
                predecessors: self
                    .predecessors_of(code)
                    .into_iter()
                    .map(|p| PredecessorStanding {
                        code: p.code.clone(),
                        name: p.name.clone(),
                        recognised: p.recognition(),
                    })
                    .collect(),
            },
            None => Standing::NotRecognised,
        })
    }

    /// Checks that predecessors and successors name each other and that
    /// the dates join: an old unit ends the day before its successor begins.
    pub fn check_succession(&self) -> Result<(), SuccessionError> {
        let fail = |vi: String, en: String| Err(SuccessionError { vi, en });
        for unit in &self.communes {
            if !unit.predecessors.is_empty() && unit.valid_from.is_none() {
                return fail(
                    format!(
                        "{}: đơn vị hình thành từ đơn vị khác phải có ngày bắt đầu",
                        unit.code
                    ),
                    format!(
                        "{}: a unit formed from others needs its first day",
                        unit.code
                    ),
                );
            }
            for p in &unit.predecessors {
                let Some(old) = self.commune(p) else {
                    return fail(
                        format!("{}: không có đơn vị tiền thân {p}", unit.code),
                        format!("{}: predecessor {p} is not in the registry", unit.code),
                    );
                };
                if old.successor.as_deref() != Some(unit.code.as_str()) {
                    return fail(
                        format!("{p}: phải ghi {} là đơn vị kế thừa", unit.code),
                        format!("{p}: must name {} as its successor", unit.code),
                    );
                }
                let expected = unit.valid_from.map(Date::previous_day);
                if old.valid_until != expected {
                    return fail(
                        format!(
                            "{p}: ngày kết thúc phải là ngày trước khi {} bắt đầu",
                            unit.code
                        ),
                        format!("{p}: must end the day before {} begins", unit.code),
                    );
                }
            }
            if let Some(next) = &unit.successor {
                let listed = self
                    .commune(next)
                    .is_some_and(|n| n.predecessors.contains(&unit.code));
                if !listed {
                    return fail(
                        format!(
                            "{}: đơn vị kế thừa {next} không ghi đơn vị này là tiền thân",
                            unit.code
                        ),
                        format!(
                            "{}: successor {next} does not list it as a predecessor",
                            unit.code
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Region;
    use crate::registry::{CommuneDocuments, Province};

    fn unit(code: &str) -> Commune {
        Commune::new(
            code,
            &format!("Xã {code}"),
            Region::NorthernMidlandsMountains,
            CommuneDocuments::derived("p", code),
        )
    }

    /// Tả Van + Mường Hoa + Hoàng Liên → Tả Van on 01/07/2025.
    fn sa_pa() -> Registry {
        let reform = Date::new(2025, 7, 1).unwrap();
        let mut old: Vec<Commune> = ["sa-pa-ta-van", "sa-pa-muong-hoa", "sa-pa-hoang-lien"]
            .into_iter()
            .map(unit)
            .collect();
        old[1].ntm_year = Some(2023);
        for o in &mut old {
            o.valid_until = Some(reform.previous_day());
            o.successor = Some("ta-van".into());
        }
        let mut new = unit("ta-van");
        new.valid_from = Some(reform);
        new.predecessors = old.iter().map(|o| o.code.clone()).collect();
        old.push(new);
        Registry {
            province: Province {
                code: "p".into(),
                name: "P".into(),
                synthetic: true,
            },
            districts: Vec::new(),
            communes: old,
        }
    }

    #[test]
    fn a_merged_commune_is_to_reassess_with_its_predecessors_beside_it() {
        let mut registry = sa_pa();
        registry.check_succession().unwrap();
        let now = Date::new(2026, 3, 1).unwrap();
        let Some(Standing::ToReassess { predecessors }) = registry.standing("ta-van", now) else {
            panic!("{:?}", registry.standing("ta-van", now));
        };
        assert_eq!(predecessors.len(), 3);
        assert_eq!(predecessors[1].recognised, Some((Level::Ntm, 2023)));
        assert_eq!(
            registry.standing("sa-pa-muong-hoa", Date::new(2024, 1, 1).unwrap()),
            Some(Standing::Recognised {
                level: Level::Ntm,
                year: 2023
            }),
            "before the merger, its own recognition"
        );
        assert_eq!(
            registry.standing("sa-pa-muong-hoa", now),
            Some(Standing::Succeeded {
                by: "ta-van".into(),
                on: Date::new(2025, 7, 1).unwrap()
            })
        );
        // A recognition copied from before the merger does not count…
        let new = registry
            .communes
            .iter_mut()
            .find(|c| c.code == "ta-van")
            .unwrap();
        new.ntm_year = Some(2023);
        assert!(matches!(
            registry.standing("ta-van", now),
            Some(Standing::ToReassess { .. })
        ));
        // …one after it does.
        let new = registry
            .communes
            .iter_mut()
            .find(|c| c.code == "ta-van")
            .unwrap();
        new.ntm_year = Some(2026);
        assert_eq!(
            registry.standing("ta-van", now),
            Some(Standing::Recognised {
                level: Level::Ntm,
                year: 2026
            })
        );
        let as_of = |d| {
            registry
                .as_of(d)
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(as_of(Date::new(2025, 6, 30).unwrap()).len(), 3);
        assert_eq!(as_of(Date::new(2025, 7, 1).unwrap()), ["ta-van"]);
    }

    #[test]
    fn broken_succession_records_are_refused() {
        let mut registry = sa_pa();
        registry.communes[0].valid_until = Date::new(2025, 6, 29);
        let err = registry.check_succession().unwrap_err();
        assert!(err.en.contains("must end the day before"), "{err}");

        let mut registry = sa_pa();
        registry.communes[2].successor = Some("elsewhere".into());
        assert!(registry
            .check_succession()
            .unwrap_err()
            .en
            .contains("successor"));

        let mut registry = sa_pa();
        registry.communes[3].predecessors.push("ghost".into());
        assert!(registry
            .check_succession()
            .unwrap_err()
            .en
            .contains("ghost"));
    }
}
