//! The full household record (DESIGN.md §2.2): members as a repeat group,
//! income by source, housing, water, sanitation, information access, GPS,
//! photos.
//! Every committed field is one Automerge change that writes only that
//! field, so two tablets filling in different parts never collide.

use leptos::prelude::*;
use ntm_core::device::{Command, MemberField, PhotosOf, RecordEdit};
use ntm_core::format::{group_thousands, parse_vnd};
use ntm_core::survey::conflicts::Entry;
use ntm_core::survey::poverty::PovertyStandard;
use ntm_core::survey::record::{
    self, HouseholdRecord, Housing, Member, MemberQuestion, Sanitation, Sex, WaterSource,
};
use ntm_core::survey::{HouseholdId, SurveyError};

use super::households::error_text;
use crate::engine::{self, View};
use crate::i18n::{self, t, tf};
use crate::platform;

/// Income sources offered in the form (any other may be typed): the code
/// of the label, and the key the survey stores (Vietnamese, the same on
/// every device whatever its language, so two devices' entries merge).
const INCOME_SOURCES: &[(&str, &str)] = &[
    ("crops", "trồng trọt"),
    ("livestock", "chăn nuôi"),
    ("forestry", "lâm nghiệp"),
    ("wages", "tiền lương, tiền công"),
    ("tourism", "du lịch, dịch vụ"),
    ("allowances", "trợ cấp, lương hưu"),
    ("other", "khác"),
];

/// An income source as this language names it (typed ones as typed).
fn income_source_label(key: &str) -> String {
    INCOME_SOURCES.iter().find(|(_, k)| *k == key).map_or_else(
        || key.to_owned(),
        |(code, _)| i18n::label("income-source", code),
    )
}

/// Writes one record edit; shows the refusal, if any, in `error`.
fn save(id: HouseholdId, error: RwSignal<Option<String>>, edit: RecordEdit) {
    leptos::task::spawn_local(async move {
        let result = engine::edit(Command::EditRecord { id, edit }).await;
        error.set(result.err().map(|e| error_text(&e)));
    });
}

fn tri_parse(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A yes / no / not recorded select.
fn tri_select(
    name: &'static str,
    value: Option<bool>,
    on_pick: impl Fn(Option<bool>) + 'static,
) -> impl IntoView {
    view! {
        // The value as a property: once a person has touched a select, its
        // options' `selected` attributes no longer move it, and a value that
        // arrives by sync must still show.
        <select data-field=name on:change=move |ev| on_pick(tri_parse(&event_target_value(&ev)))
            prop:value=match value { Some(true) => "yes", Some(false) => "no", None => "" }>
            <option value="" selected=value.is_none()>"—"</option>
            <option value="yes" selected=value == Some(true)>{t("yes")}</option>
            <option value="no" selected=value == Some(false)>{t("no")}</option>
        </select>
    }
}

/// A select over an enum's values, with "not recorded" first.
fn enum_select<T: Copy + PartialEq + 'static>(
    name: &'static str,
    all: &'static [T],
    prefix: &'static str,
    code: fn(T) -> &'static str,
    value: Option<T>,
    on_pick: impl Fn(Option<T>) + 'static,
) -> impl IntoView {
    view! {
        <select data-field=name on:change=move |ev| {
            let picked = event_target_value(&ev).parse::<usize>().ok().and_then(|i| all.get(i).copied());
            on_pick(picked)
        } prop:value=value.and_then(|v| all.iter().position(|a| *a == v)).map(|i| i.to_string()).unwrap_or_default()>
            <option value="" selected=value.is_none()>{t("not-recorded")}</option>
            {all.iter().enumerate().map(|(i, v)| view! {
                <option value=i.to_string() selected=value == Some(*v)>{i18n::label(prefix, code(*v))}</option>
            }).collect_view()}
        </select>
    }
}

/// The record form of one household.
#[component]
pub fn HouseholdDetail(id: HouseholdId, on_close: Callback<()>) -> impl IntoView {
    let view = expect_context::<View>();
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    let record = Memo::new(move |_| {
        view.revision.track();
        engine::read_survey(|doc| record::read_record(doc, &id.get_value()).ok())
            .flatten()
            .unwrap_or_default()
    });
    let household = Memo::new(move |_| view.listing.with(|l| l.find(&id.get_value()).cloned()));
    let put = move |edit: RecordEdit| save(id.get_value(), error, edit);
    let summary = move || {
        let r = record.get();
        let year = ntm_core::format::civil_date_vn(platform::unix_seconds()).0;
        // The list's count: the roster once anyone is listed, else declared.
        let members = household.get().and_then(|h| h.members).map_or(0, i64::from);
        let monthly = r.income_per_person_month(members);
        let class = r.poverty(members, year);
        let standard = PovertyStandard::for_year(year as i32);
        view! {
            <p id="poverty-summary" class="summary">
                {monthly.map(|m| tf("income-per-person", &[("amount", i18n::money(m).into())]))}
                {tf("deprivations", &[("count", r.deprivations(year).into())])}
                <strong data-class=class.map(|c| format!("{c:?}"))>
                    {class.map_or_else(|| t("poverty-unknown"), |c| i18n::label("poverty", c.code()))}
                </strong>
                <small>{tf("poverty-standard", &[("standard", t(&format!("standard-{}", standard.legal_basis)).into())])}</small>
            </p>
        }
    };
    view! {
        <section id="household-detail" class="card detail detail-pane">
            <h2>
                <button type="button" class="secondary back" id="close-detail" on:click=move |_| on_close.run(())>{t("back-to-list")}</button>
                {move || tf("record-title", &[("head", household.get().map(|h| h.head).unwrap_or_default().into())])}
            </h2>
            {summary}
            <super::decisions::Decisions entry=Entry::Household(id.get_value())/>
            <h3>{t("section-household")}</h3>
            <super::households::QuickFields id=id.get_value()/>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
            <Members record=record put=put/>
            <Income record=record put=put/>
            <h3>{t("section-living")}</h3>
            {move || {
                let r = record.get();
                view! {
                    <div class="grid-form">
                        <label>{t("field-housing")}
                            {enum_select("housing", &Housing::ALL, "housing", Housing::code, r.housing,
                                move |v| put(RecordEdit::Housing(v)))}
                        </label>
                        <label>{t("field-water")}
                            {enum_select("water", &WaterSource::ALL, "water", WaterSource::code, r.water,
                                move |v| put(RecordEdit::Water(v)))}
                        </label>
                        <label>{t("field-sanitation")}
                            {enum_select("sanitation", &Sanitation::ALL, "sanitation", Sanitation::code, r.sanitation,
                                move |v| put(RecordEdit::Sanitation(v)))}
                        </label>
                        <label>{t("field-internet")}
                            {tri_select("internet", r.internet,
                                move |v| put(RecordEdit::Internet(v)))}
                        </label>
                        <label>{t("field-digital-services")}
                            {tri_select("digital-services", r.digital_services,
                                move |v| put(RecordEdit::DigitalServices(v)))}
                        </label>
                        <label>{t("field-waste-treated")}
                            {tri_select("waste-treated", r.waste_treated,
                                move |v| put(RecordEdit::WasteTreated(v)))}
                        </label>
                    </div>
                }
            }}
            <Position record=record put=put error=error/>
            <h3>{t("section-photos")}</h3>
            <super::photos::PhotoStrip name="household".to_owned()
                of=PhotosOf::Household(id.get_value())
                photos=Signal::derive(move || record.get().photos)/>
            <super::history::FieldHistory entry=Entry::Household(id.get_value())/>
        </section>
    }
}

/// What is wrong with a value being typed, said at once (nothing is
/// saved, and nothing else is blocked, until it is right).
fn live_check(field: &'static str, text: &str) -> Option<String> {
    record::check_input(field, text, this_year())
        .err()
        .map(|invalid| error_text(&SurveyError::Invalid(invalid)))
}

fn this_year() -> i64 {
    ntm_core::format::civil_date_vn(platform::unix_seconds()).0
}

/// Members: one card per person in the household's order, keyed by a
/// stable id; school and work are asked only at the ages they apply.
#[component]
fn Members(
    record: Memo<HouseholdRecord>,
    put: impl Fn(RecordEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let birth = RwSignal::new(String::new());
    let sex = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let birth_hint = Memo::new(move |_| live_check("birth_year", &birth.get()));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = birth.get_untracked();
        // The reason already shows under the field.
        if live_check("birth_year", &text).is_some() {
            return;
        }
        let member = Member {
            name: name.get_untracked().trim().to_owned(),
            birth_year: text.trim().parse::<i64>().ok(),
            sex: match sex.get_untracked().as_str() {
                "m" => Some(Sex::Male),
                "f" => Some(Sex::Female),
                _ => None,
            },
            ..Member::default()
        };
        let key = HouseholdId::from_random(platform::random_bytes())
            .as_str()
            .to_owned();
        add_error.set(None);
        name.set(String::new());
        birth.set(String::new());
        put(RecordEdit::AddMember { key, member });
    };
    let year = this_year();
    view! {
        <h3>{t("section-members")}</h3>
        <div id="members" class="members">
            <For
                each=move || {
                    let r = record.get();
                    let list: Vec<(usize, usize, String, Member)> = {
                        let ordered = r.members_in_order();
                        let n = ordered.len();
                        ordered.into_iter().enumerate().map(|(i, (k, m))| (i, n, k.clone(), m.clone())).collect()
                    };
                    list
                }
                key=|(i, n, k, m)| format!("{i}/{n}/{k}{m:?}")
                children=move |(i, n, key, m)| {
                    let k = StoredValue::new(key.clone());
                    let set = move |field: MemberField| put(RecordEdit::Member { key: k.get_value(), field });
                    let birth_problem = RwSignal::new(None::<String>);
                    let school = m.asks(MemberQuestion::InSchool, year);
                    let work = m.asks(MemberQuestion::Employed, year);
                    view! {
                        <div class="member" data-id=key.clone()>
                            <label class="name">{t("member-name")}
                                <input data-field="name" prop:value=m.name.clone() on:change=move |ev| set(MemberField::Name(event_target_value(&ev)))/>
                            </label>
                            <label>{t("field-birth-year")}
                                <input data-field="birth_year" type="number" inputmode="numeric" prop:value=m.birth_year.map(|y| y.to_string()).unwrap_or_default()
                                    on:input=move |ev| birth_problem.set(live_check("birth_year", &event_target_value(&ev)))
                                    on:change=move |ev| {
                                        let text = event_target_value(&ev);
                                        if live_check("birth_year", &text).is_none() {
                                            set(MemberField::BirthYear(text.trim().parse::<i64>().ok()))
                                        }
                                    }/>
                                {move || birth_problem.get().map(|p| view! { <span class="field-error" role="alert">{p}</span> })}
                            </label>
                            <label>{t("member-sex")}
                                {enum_select("sex", &Sex::ALL, "sex", Sex::code, m.sex, move |v| set(MemberField::Sex(v)))}
                            </label>
                            <label>{t("member-insured")}
                                {tri_select("insured", m.insured, move |v| set(MemberField::Insured(v)))}
                            </label>
                            {school.then(|| view! {
                                <label>{t("member-in-school")}
                                    {tri_select("in_school", m.in_school, move |v| set(MemberField::InSchool(v)))}
                                </label>
                            })}
                            {work.then(|| view! {
                                <label>{t("member-employed")}
                                    {tri_select("employed", m.employed, move |v| set(MemberField::Employed(v)))}
                                </label>
                            })}
                            <div class="member-actions">
                                <button type="button" class="secondary move-up" disabled={i == 0} aria-label=t("move-up")
                                    on:click=move |_| put(RecordEdit::MoveMember { key: k.get_value(), up: true })>"▲"</button>
                                <button type="button" class="secondary move-down" disabled={i + 1 >= n} aria-label=t("move-down")
                                    on:click=move |_| put(RecordEdit::MoveMember { key: k.get_value(), up: false })>"▼"</button>
                                <button type="button" class="secondary remove" on:click=move |_| {
                                    put(RecordEdit::RemoveMember(k.get_value()))
                                }>{t("remove")}</button>
                            </div>
                        </div>
                    }
                }
            />
        </div>
        <form id="add-member" class="inline" on:submit=add>
            <input id="member-name" required placeholder=t("field-member-name") prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            <input id="member-birth" type="number" inputmode="numeric" placeholder=t("field-birth-year") prop:value=birth on:input=move |ev| birth.set(event_target_value(&ev))/>
            <select id="member-sex" on:change=move |ev| sex.set(event_target_value(&ev))>
                <option value="">{t("member-sex")}</option><option value="m">{t("sex-male")}</option><option value="f">{t("sex-female")}</option>
            </select>
            <button type="submit" id="add-member-submit">{t("add-member")}</button>
            {move || birth_hint.get().map(|p| view! { <p class="field-error" id="member-birth-error" role="alert">{p}</p> })}
            {move || add_error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </form>
    }
}

/// Income by source, in đồng per year.
#[component]
fn Income(
    record: Memo<HouseholdRecord>,
    put: impl Fn(RecordEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let source = RwSignal::new(INCOME_SOURCES[0].1.to_owned());
    let amount = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let bad_amount = || {
        error_text(&SurveyError::Invalid(
            ntm_core::survey::Invalid::OutOfRange("income"),
        ))
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(value) = parse_vnd(&amount.get_untracked()) else {
            return add_error.set(Some(bad_amount()));
        };
        let key = source.get_untracked().trim().to_owned();
        add_error.set(None);
        amount.set(String::new());
        put(RecordEdit::Income {
            source: key,
            amount: value,
        });
    };
    view! {
        <h3>{t("section-income")}</h3>
        <table id="income">
            <tbody>
                <For
                    each=move || { let list: Vec<(String, i64)> = record.get().income.into_iter().collect(); list }
                    key=|(k, v)| format!("{k}{v}")
                    children=move |(key, value)| {
                        let k = StoredValue::new(key.clone());
                        view! {
                            <tr class="income-source" data-source=key.clone()>
                                <td>{income_source_label(&key)}</td>
                                <td><input data-field="amount" inputmode="numeric" value=group_thousands(value) on:change=move |ev| {
                                    match parse_vnd(&event_target_value(&ev)) {
                                        Some(v) => {
                                            add_error.set(None);
                                            put(RecordEdit::Income { source: k.get_value(), amount: v })
                                        }
                                        None => add_error.set(Some(bad_amount())),
                                    }
                                }/></td>
                                <td>{t("per-year")}</td>
                                <td><button type="button" class="secondary remove" on:click=move |_| {
                                    put(RecordEdit::RemoveIncome(k.get_value()))
                                }>{t("remove")}</button></td>
                            </tr>
                        }
                    }
                />
            </tbody>
        </table>
        <form id="add-income" class="inline" on:submit=add>
            <input id="income-source" list="income-sources" required prop:value=source on:input=move |ev| source.set(event_target_value(&ev))/>
            <datalist id="income-sources">
                {INCOME_SOURCES.iter().map(|(code, key)| view! { <option value=*key label=i18n::label("income-source", code)/> }).collect_view()}
            </datalist>
            <input id="income-amount" inputmode="numeric" required placeholder="36.000.000" prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev))/>
            {move || {
                let text = amount.get();
                (!text.trim().is_empty()).then(|| live_check("income", &text)).flatten()
                    .map(|p| view! { <p class="field-error" id="income-amount-error" role="alert">{p}</p> })
            }}
            <button type="submit" id="add-income-submit">{t("add-income")}</button>
            {move || add_error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </form>
    }
}

/// GPS: from the device, or typed.
#[component]
fn Position(
    record: Memo<HouseholdRecord>,
    put: impl Fn(RecordEdit) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <h3>{t("section-gps")}</h3>
        <super::gps::GpsField gps=Signal::derive(move || record.get().gps)
            on_set=Callback::new(move |gps| put(RecordEdit::Gps(gps))) error=error/>
    }
}
