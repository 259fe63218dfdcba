//! A commune seen from the province (drill-down): pick a commune, see each
//! criterion of the chosen set with its computed status and the evidence
//! behind it (every indicator's value against its threshold, the commune's
//! statements with their notes and photos), and the department's verdict.
//! A department sees only the criteria it owns, and records its verdict on
//! each (met / not met / more evidence needed, with a remark): one change
//! in its own verdicts document, saved on the device first, like every
//! edit. Other roles read.

use leptos::prelude::*;
use ntm_core::appraisal::Verdict;
use ntm_core::catalog::{Catalog, Rule};
use ntm_core::device::Appraise;
use ntm_core::evaluation::{CriterionResult, Scorecard};
use ntm_core::format::date_vi;

use super::households::error_text;
use super::scorecard::CommuneStatus;
use crate::engine::{self, View};
use crate::i18n::{self, msg, t, tf};

/// A department's name as these catalogs give it, else its code.
pub(super) fn department_name_in(catalogs: &[Catalog], code: &str) -> String {
    catalogs
        .iter()
        .find_map(|c| c.department(code))
        .map_or_else(
            || code.to_owned(),
            |d| i18n::pick(&d.name_vi, &d.name_en).to_owned(),
        )
}

/// A department's name as the device's catalogs give it, else its code.
pub(super) fn department_name(code: &str) -> String {
    match use_context::<View>() {
        Some(view) => view
            .catalogs
            .with_untracked(|all| department_name_in(all, code)),
        None => code.to_owned(),
    }
}

/// What a verdict form holds, kept outside the form: the criteria re-render
/// whenever data arrives, and a half-typed remark or the last outcome must
/// survive that.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    verdict: Verdict,
    remark: String,
    saving: bool,
    outcome: Option<Result<(), String>>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            verdict: Verdict::Met,
            remark: String::new(),
            saving: false,
            outcome: None,
        }
    }
}

/// Every form's draft, by commune, catalog and criterion; provided by the
/// app ([`Drafts::provide`]), above what a change of language renders again.
#[derive(Clone, Copy)]
pub(super) struct Drafts(RwSignal<std::collections::BTreeMap<(String, String, u32), Draft>>);

impl Drafts {
    /// Makes the drafts' store available to the appraisal tab.
    pub(super) fn provide() {
        provide_context(Drafts(RwSignal::new(Default::default())));
    }
}

/// The drill-down and appraisal tab.
#[component]
pub fn CommuneAppraisal() -> impl IntoView {
    let view = expect_context::<View>();
    // The communes of the province today, in Vietnamese order.
    let communes = move || {
        let mut rows: Vec<(String, String)> = view.province.with(|p| {
            p.as_ref()
                .map(|p| {
                    p.rows
                        .iter()
                        .map(|r| (r.code.clone(), r.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        });
        rows.sort_by(|a, b| ntm_core::text::compare(&a.1, &b.1));
        rows
    };
    let opening = RwSignal::new(false);
    let choose = move |ev: leptos::ev::Event| {
        let code = event_target_value(&ev);
        if code.is_empty() {
            return;
        }
        opening.set(true);
        leptos::task::spawn_local(async move {
            engine::open_commune(code).await;
            opening.set(false);
        });
    };
    let set = RwSignal::new(String::new());
    view! {
        <section class="card appraisal-head">
            <h2>{t("appraisal-title")}</h2>
            <label>
                {t("appraisal-commune")}
                <select id="appraise-commune" on:change=choose>
                    <option value="" selected=move || view.opened.with(Option::is_none)>{t("appraisal-pick-commune")}</option>
                    {move || communes().into_iter().map(|(code, name)| {
                        let is = code.clone();
                        view! { <option value=code selected=move || view.opened.with(|o| o.as_deref() == Some(is.as_str()))>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || opening.get().then(|| view! { <p class="hint">{t("loading-local-data")}</p> })}
        </section>
        {move || view.opened.get().map(|_| view! {
            <CommuneStatus/>
            <section class="card">
                <label>
                    {t("matrix-set")}
                    <select id="appraise-set" on:change=move |ev| set.set(event_target_value(&ev))>
                        {move || view.scorecards.get().into_iter().map(|sc| {
                            let code = sc.set.code();
                            view! { <option value=code selected=move || set.get() == code>{i18n::label("set", code)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </section>
            {move || {
                let cards = view.scorecards.get();
                let chosen = set.get();
                let sc = cards
                    .iter()
                    .find(|s| s.set.code() == chosen)
                    .or(cards.first())
                    .cloned();
                sc.map(|sc| view! { <SetAppraisal scorecard=sc/> })
            }}
        })}
    }
}

/// One set's criteria: those this device's department owns (a
/// department), or all (other roles).
#[component]
fn SetAppraisal(scorecard: Scorecard) -> impl IntoView {
    let view = expect_context::<View>();
    let catalog = view
        .catalogs
        .with_untracked(|all| all.iter().find(|c| c.id == scorecard.catalog_id).cloned());
    let department =
        view.watching.get_untracked().as_deref() == Some(ntm_core::access::Role::Department.code());
    let owner_of = |c: &CriterionResult| {
        catalog
            .as_ref()
            .and_then(|k| k.criteria.iter().find(|x| x.number == c.number))
            .map(|x| x.owner.clone())
            .unwrap_or_default()
    };
    let shown: Vec<(CriterionResult, String)> = scorecard
        .criteria
        .iter()
        .map(|c| (c.clone(), owner_of(c)))
        .filter(|(_, owner)| !department || engine::appraises(owner))
        .collect();
    let illustrative = shown
        .iter()
        .flat_map(|(c, _)| &c.indicators)
        .any(|i| i.illustrative);
    let empty = shown.is_empty();
    let catalog_id = scorecard.catalog_id.clone();
    view! {
        <section class="card appraisal" data-set=scorecard.set.code()>
            <h2>{i18n::label("set", scorecard.set.code())} ": " <span class="score">{scorecard.score()}</span></h2>
            {illustrative.then(|| view! { <p class="synthetic" role="note">{t("illustrative-thresholds")}</p> })}
            {empty.then(|| view! { <p class="hint">{t("appraisal-none-owned")}</p> })}
            {shown.into_iter().map(|(c, owner)| view! {
                <CriterionAppraisal criterion=c owner=owner catalog_id=catalog_id.clone() catalog=catalog.clone()/>
            }).collect_view()}
        </section>
    }
}

/// One criterion: status, evidence, the standing verdict, and the form.
#[component]
fn CriterionAppraisal(
    criterion: CriterionResult,
    owner: String,
    catalog_id: String,
    catalog: Option<Catalog>,
) -> impl IntoView {
    let view = expect_context::<View>();
    let number = criterion.number;
    let class = criterion.status.code();
    let evidence = criterion
        .indicators
        .iter()
        .map(|i| {
            // What a commune stated for an attested indicator, with its
            // note and photos.
            let statement = catalog
                .as_ref()
                .filter(|k| {
                    k.indicator(&i.id)
                        .is_some_and(|(_, ind)| matches!(ind.rule, Rule::Attested))
                })
                .and_then(|k| {
                    view.attestations
                        .with_untracked(|a| a.get(&k.attestation_key(&i.id)).cloned())
                });
            let statement = statement.map(|a| {
                let photos = a.evidence.photos.len();
                view! {
                    <span class="statement">
                        " "{tf("appraisal-statement", &[("by", a.by.clone().into()), ("date", date_vi(a.at).into())])}
                        {(!a.evidence.note.is_empty()).then(|| format!(" — {}", a.evidence.note))}
                        {(photos > 0).then(|| tf("appraisal-photos", &[("count", photos.into())]))}
                    </span>
                }
            });
            view! {
                <li class=i.status.code() data-indicator=i.id.clone()>
                    <code>{i.id.clone()}</code>" "{msg(&i.reason)}
                    {statement}
                </li>
            }
        })
        .collect_view();
    let standing = {
        let catalog_id = catalog_id.clone();
        move || {
            view.appraisal.with(|a| {
                a.verdict(&catalog_id, number).map(|d| {
                    view! {
                        <p class="standing-verdict" data-verdict=d.verdict.code()>
                            {tf("appraised", &[("verdict", i18n::label("verdict", d.verdict.code()).into()), ("date", date_vi(d.at).into())])}
                            {(!d.remark.is_empty()).then(|| format!(" — {}", d.remark))}
                        </p>
                    }
                })
            })
        }
    };
    let form = engine::appraises(&owner).then(|| {
        let catalog_id = catalog_id.clone();
        move || match view.opened_received.get() {
            true => view! { <VerdictForm catalog_id=catalog_id.clone() number=number/> }.into_any(),
            false => view! { <p class="hint">{t("appraisal-not-received")}</p> }.into_any(),
        }
    });
    let owner_name = department_name(&owner);
    view! {
        <article class=format!("criterion-appraisal {class}") data-number=number.to_string() data-status=class data-owner=owner.clone()>
            <h3>{format!("{}. {}", number, i18n::pick(&criterion.name_vi, &criterion.name_en))} " " <span class="status">{t(&format!("status-{class}"))}</span></h3>
            <p class="owner"><small>{owner_name}</small></p>
            <ul class="evidence">{evidence}</ul>
            {standing}
            {form}
        </article>
    }
}

/// The department's verdict on one criterion: saved on the device, then
/// sent.
#[component]
fn VerdictForm(catalog_id: String, number: u32) -> impl IntoView {
    let view = expect_context::<View>();
    let drafts = expect_context::<Drafts>().0;
    let key = (
        view.opened.get_untracked().unwrap_or_default(),
        catalog_id.clone(),
        number,
    );
    let draft = {
        let key = key.clone();
        move || drafts.with(|d| d.get(&key).cloned().unwrap_or_default())
    };
    let update = {
        let key = key.clone();
        move |f: &dyn Fn(&mut Draft)| drafts.update(|d| f(d.entry(key.clone()).or_default()))
    };
    let submit = {
        let update = update.clone();
        let draft = draft.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let now = draft();
            let appraise = Appraise {
                catalog: catalog_id.clone(),
                criterion: number,
                verdict: now.verdict,
                remark: now.remark,
            };
            update(&|d| d.saving = true);
            let update = update.clone();
            leptos::task::spawn_local(async move {
                let result = engine::appraise(appraise).await;
                let outcome = result.map_err(|e| error_text(&e));
                update(&|d| {
                    d.saving = false;
                    if outcome.is_ok() {
                        d.remark.clear();
                    }
                    d.outcome = Some(outcome.clone());
                });
            });
        }
    };
    let verdicts = [Verdict::Met, Verdict::NotMet, Verdict::NeedsEvidence];
    let choices = verdicts
        .into_iter()
        .map(|v| {
            let update = update.clone();
            let draft = draft.clone();
            view! {
                <label class="choice">
                    <input type="radio" name=format!("verdict-{number}") value=v.code()
                        prop:checked=move || draft().verdict == v
                        on:change=move |_| update(&|d| d.verdict = v)/>
                    {i18n::label("verdict", v.code())}
                </label>
            }
        })
        .collect_view();
    let remark = {
        let draft = draft.clone();
        move || draft().remark
    };
    let type_remark = {
        let update = update.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            update(&|d| d.remark = text.clone())
        }
    };
    let saving = {
        let draft = draft.clone();
        move || draft().saving
    };
    let outcome = move || draft().outcome;
    view! {
        <form class="verdict-form" on:submit=submit>
            <fieldset>
                <legend>{t("appraisal-your-verdict")}</legend>
                {choices}
            </fieldset>
            <label>
                {t("appraisal-remark")}
                <textarea class="remark" prop:value=remark on:input=type_remark></textarea>
            </label>
            <button type="submit" class="record-verdict" disabled=saving>{t("appraisal-record")}</button>
            {move || outcome().map(|o| match o {
                Ok(()) => view! { <p class="saved" role="status">{t("appraisal-saved")}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </form>
    }
}
