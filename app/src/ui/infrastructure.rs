//! Infrastructure entries (roads, schools, cultural houses, markets,
//! irrigation, power) and attested indicators, each with its evidence.

use leptos::prelude::*;
use ntm_core::catalog::Rule;
use ntm_core::device::Command;
use ntm_core::format::{date_vi, parse_decimal};
use ntm_core::survey::conflicts::Entry;
use ntm_core::survey::infrastructure::{Attestation, Evidence, EvidenceOf, InfraEntry, InfraKind};
use ntm_core::survey::{HouseholdId, Invalid, SurveyError};

use super::households::error_text;
use crate::engine::{self, View};
use crate::i18n::{self, t, tf};
use crate::platform;

fn number(text: &str, field: &'static str) -> Result<Option<f64>, SurveyError> {
    match text.trim() {
        "" => Ok(None),
        t => parse_decimal(t)
            .map(Some)
            .ok_or(SurveyError::Invalid(Invalid::OutOfRange(field))),
    }
}

fn count(text: &str, field: &'static str) -> Result<Option<i64>, SurveyError> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| SurveyError::Invalid(Invalid::OutOfRange(field))),
    }
}

fn describe(e: &InfraEntry) -> String {
    let judged = |b: Option<bool>, yes: &str, no: &str| match b {
        Some(true) => t(yes),
        Some(false) => t(no),
        None => t("infra-not-judged"),
    };
    let known =
        |v: Option<f64>, digits: u8| v.map_or_else(|| "?".to_owned(), |v| i18n::decimal(v, digits));
    match e.kind {
        InfraKind::Road => tf(
            "infra-road-state",
            &[
                ("km", known(e.length_km, 2).into()),
                (
                    "state",
                    judged(e.hardened, "infra-hardened", "infra-not-hardened").into(),
                ),
            ],
        ),
        InfraKind::School | InfraKind::CulturalHouse | InfraKind::Market => judged(
            e.up_to_standard,
            "infra-up-to-standard",
            "infra-not-up-to-standard",
        ),
        InfraKind::Irrigation => tf(
            "infra-irrigation-state",
            &[
                ("irrigated", known(e.irrigated_ha, 1).into()),
                ("area", known(e.area_ha, 1).into()),
            ],
        ),
        InfraKind::Power => tf(
            "infra-power-state",
            &[
                (
                    "safe",
                    e.safe_households
                        .map_or_else(|| "?".to_owned(), i18n::number)
                        .into(),
                ),
                (
                    "households",
                    e.households
                        .map_or_else(|| "?".to_owned(), i18n::number)
                        .into(),
                ),
            ],
        ),
    }
}

/// The entry list and the form that adds one.
#[component]
pub fn Infrastructure() -> impl IntoView {
    let view = expect_context::<View>();
    let kind = RwSignal::new(0usize);
    let name = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let meets = RwSignal::new(true);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // The entry whose evidence editor is open.
    let open = RwSignal::new(None::<String>);
    // Once the rows exist, bring the first work a gap pointed to into view.
    let behind = expect_context::<Behind>().0;
    Effect::new(move |_| {
        if let Some(first) = behind.with(|b| b.iter().next().cloned()) {
            let selector = format!("tr.infra[data-id=\"{first}\"]");
            if let Some(row) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
            {
                row.scroll_into_view();
            }
        }
    });
    let picked = move || InfraKind::ALL[kind.get()];
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let k = InfraKind::ALL[kind.get_untracked()];
        let mut entry = InfraEntry::new(k, name.get_untracked().trim());
        let (a, b) = (first.get_untracked(), second.get_untracked());
        let filled = match k {
            InfraKind::Road => number(&a, "length_km").map(|km| {
                entry.length_km = km;
                entry.hardened = Some(meets.get_untracked());
            }),
            InfraKind::School | InfraKind::CulturalHouse | InfraKind::Market => {
                entry.up_to_standard = Some(meets.get_untracked());
                Ok(())
            }
            InfraKind::Irrigation => number(&a, "area_ha").and_then(|area| {
                entry.area_ha = area;
                entry.irrigated_ha = number(&b, "irrigated_ha")?;
                Ok(())
            }),
            InfraKind::Power => count(&a, "households").and_then(|h| {
                entry.households = h;
                entry.safe_households = count(&b, "safe_households")?;
                Ok(())
            }),
        };
        if let Err(e) = filled {
            return error.set(Some(error_text(&e)));
        }
        entry.evidence = Evidence {
            note: note.get_untracked().trim().to_owned(),
            ..Evidence::default()
        };
        leptos::task::spawn_local(async move {
            let id = HouseholdId::from_random(platform::random_bytes());
            let result = engine::edit(Command::PutInfrastructure {
                id: id.as_str().to_owned(),
                entry,
            })
            .await;
            match result {
                Ok(()) => {
                    // Photos and position next, while the officer is there.
                    open.set(Some(id.as_str().to_owned()));
                    error.set(None);
                    name.set(String::new());
                    first.set(String::new());
                    second.set(String::new());
                    note.set(String::new());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let labels = move || match picked() {
        InfraKind::Road => (Some("field-length-km"), None, Some("infra-hardened-check")),
        InfraKind::School | InfraKind::CulturalHouse | InfraKind::Market => {
            (None, None, Some("infra-up-to-standard-check"))
        }
        InfraKind::Irrigation => (Some("field-area-ha"), Some("field-irrigated-ha"), None),
        InfraKind::Power => (
            Some("field-households"),
            Some("field-safe-households"),
            None,
        ),
    };
    view! {
        <form id="add-infrastructure" class="card" on:submit=submit>
            <h2>{t("infra-add-title")}</h2>
            <label>{t("infra-kind")}
                <select id="infra-kind" on:change=move |ev| kind.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {InfraKind::ALL.iter().enumerate().map(|(i, k)| view! { <option value=i.to_string()>{i18n::label("infra-kind", k.code())}</option> }).collect_view()}
                </select>
            </label>
            <label>{t("infra-name")}
                <input id="infra-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            {move || labels().0.map(|l| view! {
                <label>{t(l)}<input id="infra-first" inputmode="decimal" prop:value=first on:input=move |ev| first.set(event_target_value(&ev))/></label>
            })}
            {move || labels().1.map(|l| view! {
                <label>{t(l)}<input id="infra-second" inputmode="decimal" prop:value=second on:input=move |ev| second.set(event_target_value(&ev))/></label>
            })}
            {move || labels().2.map(|l| view! {
                <label class="check"><input id="infra-meets" type="checkbox" prop:checked=meets on:change=move |ev| meets.set(event_target_checked(&ev))/>{t(l)}</label>
            })}
            <label>{t("evidence")}
                <input id="infra-note" placeholder=t("infra-note-placeholder") prop:value=note on:input=move |ev| note.set(event_target_value(&ev))/>
            </label>
            <button type="submit" id="add-infrastructure-submit">{t("infra-add")}</button>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </form>
        {move || {
            view.revision.track();
            let pending: Vec<(String, String)> = view.infrastructure.with(|list| {
                list.iter()
                    .filter(|(id, _)| !engine::conflicts(&Entry::Infrastructure(id.clone())).is_empty())
                    .map(|(id, e)| (id.clone(), e.name.clone()))
                    .collect()
            });
            (!pending.is_empty()).then(|| view! {
                <section class="card" id="infrastructure-decisions">
                    {pending.into_iter().map(|(id, name)| view! {
                        <super::decisions::Decisions entry=Entry::Infrastructure(id) title=name/>
                    }).collect_view()}
                </section>
            })
        }}
        <section class="card">
            <h2>{t("infra-title")}
                <span id="infrastructure-count" class="count">{move || view.infrastructure.with(Vec::len)}</span></h2>
            <table id="infrastructure-list">
                <thead><tr><th>{t("infra-kind")}</th><th>{t("field-name")}</th><th>{t("state")}</th><th>{t("evidence")}</th></tr></thead>
                <tbody>
                    // Keyed by entry: an open evidence editor stays open while
                    // other entries change.
                    <For each=move || view.infrastructure.with(|l| l.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>())
                        key=|id| id.clone() let(id)>
                        <InfraRow id=id open=open/>
                    </For>
                </tbody>
            </table>
        </section>
        <Attestations/>
    }
}

/// One work: what it is, its state, its evidence; a tap opens the
/// evidence editor under it.
#[component]
fn InfraRow(id: String, open: RwSignal<Option<String>>) -> impl IntoView {
    let view = expect_context::<View>();
    let key = StoredValue::new(id.clone());
    let entry = Memo::new(move |_| {
        key.with_value(|id| {
            view.infrastructure
                .with(|l| l.iter().find(|(i, _)| i == id).map(|(_, e)| e.clone()))
        })
    });
    let is_open = move || key.with_value(|id| open.with(|o| o.as_ref() == Some(id)));
    let behind = expect_context::<Behind>().0;
    let is_behind = move || key.with_value(|id| behind.with(|b| b.contains(id)));
    let toggle = move |_| {
        let id = key.get_value();
        open.update(|o| {
            *o = if o.as_ref() == Some(&id) {
                None
            } else {
                Some(id)
            }
        });
    };
    let evidence = Signal::derive(move || entry.get().map(|e| e.evidence).unwrap_or_default());
    let summary = move || {
        evidence.with(|e| {
            let mut parts = vec![e.note.clone()];
            if !e.photos.is_empty() {
                parts.push(tf("photos-count", &[("count", e.photos.len().into())]));
            }
            if e.gps.is_some() {
                parts.push(t("gps-recorded"));
            }
            parts.retain(|p| !p.is_empty());
            parts.join(" · ")
        })
    };
    view! {
        <tr class="infra" data-id=id.clone() class:open=is_open class:behind=is_behind>
            <td>{move || entry.get().map(|e| i18n::label("infra-kind", e.kind.code()))}</td>
            <td>{move || entry.get().map(|e| e.name)}</td>
            <td>{move || entry.get().map(|e| describe(&e))}</td>
            <td>
                <span class="evidence-summary">{summary}</span>
                <button type="button" class="secondary evidence-open" aria-expanded=move || is_open().to_string()
                    on:click=toggle>{t("evidence-edit")}</button>
            </td>
        </tr>
        {move || is_open().then(|| view! {
            <tr class="evidence-row" data-of=key.get_value()>
                <td colspan="4">
                    <super::evidence::EvidenceEditor of=EvidenceOf::Infrastructure(key.get_value())
                        name=format!("infra-{}", key.get_value()) evidence=evidence with_note=true/>
                    <super::history::FieldHistory entry=Entry::Infrastructure(key.get_value())/>
                </td>
            </tr>
        })}
    }
}

/// The works a scorecard gap sent the person to (those that miss their
/// standard), shown highlighted, the first scrolled into view.
#[derive(Clone, Copy)]
pub struct Behind(pub RwSignal<std::collections::BTreeSet<String>>);

/// The attestation a scorecard gap sent the person to (its key), shown
/// highlighted and scrolled into view.
#[derive(Clone, Copy)]
pub struct Focus(pub RwSignal<Option<String>>);

/// Indicators the commune attests, with evidence.
#[component]
fn Attestations() -> impl IntoView {
    let view = expect_context::<View>();
    let focus = expect_context::<Focus>().0;
    // Once the rows exist, bring the focused one into view.
    Effect::new(move |_| {
        if let Some(key) = focus.get() {
            let selector = format!("tr.attestation[data-indicator=\"{key}\"]");
            if let Some(row) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
            {
                row.scroll_into_view();
            }
        }
    });
    let by = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // The attested indicators of the sets in force, each under the key the
    // survey keeps its statement by (a 2026–2030 "1.1" is not 2021–2025's).
    let indicators = move || {
        let today = ntm_core::date::Date::of_unix_vn(platform::unix_seconds());
        let catalogs = view.catalogs.get();
        let mut list: Vec<(String, String, String)> = Vec::new();
        for catalog in ntm_core::overview::sets_in_force(&catalogs, today) {
            for criterion in &catalog.criteria {
                for ind in criterion
                    .indicators
                    .iter()
                    .filter(|i| i.rule == Rule::Attested)
                {
                    let key = catalog.attestation_key(&ind.id);
                    if !list.iter().any(|(k, _, _)| *k == key) {
                        let label = if catalog.attestation_scope.is_empty() {
                            ind.id.clone()
                        } else {
                            format!(
                                "{} ({})",
                                ind.id,
                                catalog.attestation_scope.replace('-', "–")
                            )
                        };
                        list.push((
                            key,
                            label,
                            i18n::pick(&ind.text_vi, &ind.text_en).to_owned(),
                        ));
                    }
                }
            }
        }
        list
    };
    // The statement whose photos and position are open.
    let open = RwSignal::new(None::<String>);
    let record = move |indicator: String, met: bool, note: String| {
        // A statement made again keeps its photos and position.
        let kept = view
            .attestations
            .with_untracked(|all| all.get(&indicator).map(|a| a.evidence.clone()))
            .unwrap_or_default();
        let attestation = Attestation {
            met,
            evidence: Evidence {
                note: note.trim().to_owned(),
                ..kept
            },
            by: by.get_untracked().trim().to_owned(),
            at: platform::unix_seconds(),
        };
        leptos::task::spawn_local(async move {
            let result = engine::edit(Command::Attest {
                indicator,
                attestation,
            })
            .await;
            error.set(result.err().map(|e| error_text(&e)));
        });
    };
    view! {
        <section class="card" id="attestations">
            <h2>{t("attest-title")}</h2>
            // Two officers' statements made before syncing: one to keep.
            {move || {
                view.revision.track();
                view.attestations.with(|all| {
                    all.keys()
                        .filter(|key| !engine::conflicts(&Entry::Attestation((*key).clone())).is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .into_iter()
                .map(|key| view! {
                    <super::decisions::Decisions entry=Entry::Attestation(key.clone()) title=tf("indicator-named", &[("indicator", key.into())])/>
                })
                .collect_view()
            }}
            <label>{t("field-by")}
                <input id="attest-by" placeholder=t("attest-by-placeholder") prop:value=by on:input=move |ev| by.set(event_target_value(&ev))/>
            </label>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
            <table>
                <thead><tr><th>{t("indicator")}</th><th>{t("state")}</th><th>{t("evidence")}</th><th></th></tr></thead>
                <tbody>
                    {move || {
                        let current = view.attestations.get();
                        open.track();
                        indicators().into_iter().map(|(id, label, text)| {
                            let state = current.get(&id).cloned();
                            let note = RwSignal::new(state.as_ref().map(|a| a.evidence.note.clone()).unwrap_or_default());
                            let status = match &state {
                                Some(a) => tf("attested-state", &[
                                    ("state", t(if a.met { "met" } else { "not-met" }).into()),
                                    ("by", a.by.clone().into()),
                                    ("date", date_vi(a.at).into()),
                                ]),
                                None => t("not-attested"),
                            };
                            let (yes, no) = (id.clone(), id.clone());
                            let here = id.clone();
                            let is_open = open.with_untracked(|o| o.as_deref() == Some(id.as_str()));
                            let photos = state.as_ref().map_or(0, |a| a.evidence.photos.len());
                            let evidence = state.as_ref().map(|a| a.evidence.clone()).unwrap_or_default();
                            let editor = (state.is_some() && is_open).then(|| view! {
                                <tr class="evidence-row" data-of=id.clone()>
                                    <td colspan="4">
                                        <super::evidence::EvidenceEditor of=EvidenceOf::Attestation(id.clone())
                                            name=format!("attestation-{id}") evidence=Signal::stored(evidence) with_note=false/>
                                        <super::history::FieldHistory entry=Entry::Attestation(id.clone())/>
                                    </td>
                                </tr>
                            });
                            view! {
                                <tr class="attestation" data-indicator=id.clone() data-met=state.as_ref().map(|a| a.met.to_string())
                                    class:focused=focus.with(|f| f.as_deref() == Some(id.as_str()))>
                                    <td><strong>{label}</strong>" "{text}</td>
                                    <td class="status">{status}</td>
                                    <td><input class="attest-note" placeholder=t("attest-note-placeholder") prop:value=note on:input=move |ev| note.set(event_target_value(&ev))/></td>
                                    <td class="actions">
                                        <button type="button" class="attest-met" on:click=move |_| record(yes.clone(), true, note.get_untracked())>{t("met")}</button>
                                        <button type="button" class="secondary attest-not-met" on:click=move |_| record(no.clone(), false, note.get_untracked())>{t("not-met")}</button>
                                        {state.is_some().then(|| view! {
                                            <button type="button" class="secondary evidence-open" aria-expanded=is_open.to_string()
                                                on:click=move |_| open.update(|o| *o = if o.as_deref() == Some(here.as_str()) { None } else { Some(here.clone()) })>
                                                {tf("evidence-photos", &[("count", photos.into())])}
                                            </button>
                                        })}
                                    </td>
                                </tr>
                                {editor}
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </section>
    }
}
