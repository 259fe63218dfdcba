//! The commune's households: villages with their progress, search by name
//! (case and diacritics ignored), filters, and a list that renders only the
//! rows on screen; the add-household form; the quick fields of one household
//! with their conflicts. Every committed field is one Automerge change; the
//! list shows only what is durable on the device.

use leptos::html;
use leptos::prelude::*;
use ntm_core::appraisal::AppraisalError;
use ntm_core::device::bundle::BundleError;
use ntm_core::device::Command;
use ntm_core::survey::listing::{Filter, HouseholdSet, HouseholdSummary, Query};
use ntm_core::survey::poverty::PovertyClass;
use ntm_core::survey::record::Progress;
use ntm_core::survey::{self, Field, HouseholdEdit, HouseholdId, SurveyError};

use crate::engine::{self, EditError, View};
use crate::i18n::{self, msg, t, tf};
use crate::platform;

/// A refusal as the forms show it, in the device's language.
pub(super) fn error_text<E: Clone + Into<EditError>>(err: &E) -> String {
    match err.clone().into() {
        EditError::Refused(SurveyError::Invalid(invalid)) => msg(&invalid.message()),
        EditError::Refused(other) => {
            tf("not-saved-refused", &[("error", other.to_string().into())])
        }
        EditError::Bundle(BundleError::NotABundle) => t("bundle-not-a-bundle"),
        EditError::Bundle(BundleError::Damaged(why)) => {
            tf("bundle-damaged", &[("reason", why.into())])
        }
        EditError::Bundle(BundleError::OtherCommune { theirs, ours }) => tf(
            "bundle-other-commune",
            &[("theirs", theirs.into()), ("ours", ours.into())],
        ),
        EditError::NotSaved(reason) => tf("not-saved-yet", &[("reason", reason.into())]),
        EditError::Appraisal(AppraisalError::RemarkRequired) => t("appraisal-remark-required"),
        EditError::Appraisal(AppraisalError::NoCommuneOpen) => t("appraisal-no-commune"),
        EditError::Appraisal(AppraisalError::NotYetReceived) => t("appraisal-not-received"),
        EditError::Appraisal(AppraisalError::NotOwner {
            criterion, owner, ..
        }) => tf(
            "appraisal-not-owner",
            &[
                ("criterion", criterion.into()),
                ("owner", super::appraisal::department_name(&owner).into()),
            ],
        ),
        EditError::Appraisal(other) => {
            tf("not-saved-refused", &[("error", other.to_string().into())])
        }
    }
}

fn parse_members(text: &str) -> Result<u32, SurveyError> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| SurveyError::Invalid(survey::Invalid::MembersOutOfRange(0)))
}

/// The household whose record form is open.
#[derive(Clone, Copy)]
pub struct Selected(pub RwSignal<Option<HouseholdId>>);

/// The households a scorecard gap sent the list to: what to call them and
/// which they are. The list shows only them until the person clears it.
#[derive(Debug, Clone, PartialEq)]
pub struct Among {
    /// "Indicator 7 (NTM 2026–2030)".
    pub label: String,
    /// The households.
    pub ids: HouseholdSet,
}

/// The list's scope, shared with the scorecard.
#[derive(Clone, Copy)]
pub struct Scope(pub RwSignal<Option<Among>>);

/// The form that adds a household; `on_added` gets the new household once
/// it is saved on the device.
#[component]
pub fn AddHousehold(on_added: Callback<HouseholdId>, on_cancel: Callback<()>) -> impl IntoView {
    let head = RwSignal::new(String::new());
    let members = RwSignal::new(String::new());
    let village = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (h, m, v) = (
            head.get_untracked(),
            members.get_untracked(),
            village.get_untracked(),
        );
        let count = match parse_members(&m) {
            Ok(n) => n,
            Err(e) => return error.set(Some(error_text(&e))),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            let id = HouseholdId::from_random(platform::random_bytes());
            let result = engine::edit(Command::AddHousehold {
                id: id.clone(),
                head: h,
                members: count,
                village: v,
            })
            .await;
            saving.set(false);
            match result {
                Ok(()) => {
                    error.set(None);
                    head.set(String::new());
                    members.set(String::new());
                    on_added.run(id);
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let view = expect_context::<View>();
    view! {
        <form id="add-household" class="card add" on:submit=submit>
            <h2>{t("add-household-title")}</h2>
            <label>{t("field-head")}
                <input id="new-head" required autocomplete="off" prop:value=head on:input=move |ev| head.set(event_target_value(&ev))/>
            </label>
            <label>{t("field-members")}
                <input id="new-members" type="number" min="1" max="50" required inputmode="numeric"
                    prop:value=members on:input=move |ev| members.set(event_target_value(&ev))/>
            </label>
            <label>{t("field-village")}
                <input id="new-village" required autocomplete="off" list="known-villages" prop:value=village on:input=move |ev| village.set(event_target_value(&ev))/>
                <datalist id="known-villages">
                    {move || view.listing.with(|l| l.villages()).into_iter().map(|v| view! { <option value=v.name/> }).collect_view()}
                </datalist>
            </label>
            <div class="actions">
                <button id="add-household-submit" type="submit" disabled=move || saving.get()>
                    {move || if saving.get() { t("saving") } else { t("add-household-submit") }}
                </button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{t("cancel")}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </form>
    }
}

/// Height of one list row, in CSS pixels (the list positions rows by it).
const ROW_HEIGHT: f64 = 72.0;
/// Rows rendered above and below the visible ones, for smooth scrolling.
const OVERSCAN: usize = 6;

/// The commune's households: villages, search, filters and a windowed list.
#[component]
pub fn HouseholdList() -> impl IntoView {
    let view = expect_context::<View>();
    let selected = expect_context::<Selected>().0;
    let adding = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let village = RwSignal::new(None::<String>);
    let filter = RwSignal::new(Filter::All);
    let scope = expect_context::<Scope>().0;
    let results = Memo::new(move |_| {
        let query = Query {
            text: text.get(),
            village: village.get(),
            filter: filter.get(),
            among: scope.with(|s| s.as_ref().map(|a| a.ids.clone())),
        };
        view.listing.with(|l| l.query(&query))
    });
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(600.0_f64);
    let scroller = NodeRef::<html::Div>::new();
    // A new query starts at the top of its results.
    Effect::new(move |_| {
        results.track();
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            viewport.set(f64::from(el.client_height()));
        }
    };
    let window = move || {
        let first = (scroll_top.get() / ROW_HEIGHT) as usize;
        let visible = (viewport.get() / ROW_HEIGHT).ceil() as usize;
        let from = first.saturating_sub(OVERSCAN);
        results.with(|r| {
            let to = (first + visible + OVERSCAN).min(r.len());
            (from.min(to)..to)
                .map(|pos| (pos, r[pos]))
                .collect::<Vec<_>>()
        })
    };
    let rows = move || {
        view.listing.with(|l| {
            window()
                .into_iter()
                .filter_map(|(pos, i)| Some((pos, l.row(i)?.clone())))
                .collect::<Vec<_>>()
        })
    };
    let on_added = Callback::new(move |id: HouseholdId| {
        adding.set(false);
        selected.set(Some(id));
    });
    view! {
        <section class="card list-pane">
            <div class="list-head">
                <h2>
                    {t("households-title")}
                    <span id="household-count">{move || view.listing.with(|l| l.len())}</span>
                </h2>
                <button type="button" id="open-add-household" on:click=move |_| adding.update(|a| *a = !*a)>
                    {t("add-household-open")}
                </button>
            </div>
            {move || view.last_saved.get().map(|_| view! { <p id="save-state" class="saved">{t("saved-on-device")}</p> })}
            {move || adding.get().then(|| view! {
                <AddHousehold on_added=on_added on_cancel=Callback::new(move |()| adding.set(false))/>
            })}
            <input id="household-search" type="search" autocomplete="off"
                placeholder=t("search-placeholder")
                aria-label=t("search-label")
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev))/>
            {move || scope.get().map(|among| view! {
                <p id="household-scope" class="scope" data-count=among.ids.len().to_string()>
                    <span>{tf("scope-households", &[("label", among.label.clone().into()), ("count", among.ids.len().into())])}</span>
                    <button type="button" class="chip" id="clear-scope" on:click=move |_| scope.set(None)>{t("scope-clear")}</button>
                </p>
            })}
            <Villages village=village/>
            <div id="household-filters" class="chips" role="group" aria-label=t("filter-label")>
                {Filter::ALL.into_iter().map(|f| view! {
                    <button type="button" class="chip" data-filter=f.code()
                        class:active=move || filter.get() == f
                        on:click=move |_| filter.set(f)>{i18n::label("filter", f.code())}</button>
                }).collect_view()}
            </div>
            <p id="household-shown" class="shown" data-count=move || results.with(Vec::len).to_string()>
                {move || tf("households-shown", &[("count", results.with(Vec::len).into())])}
            </p>
            <div id="household-list" class="virtual-list" node_ref=scroller on:scroll=on_scroll>
                <div class="virtual-space" style:height=move || format!("{}px", results.with(Vec::len) as f64 * ROW_HEIGHT)>
                    <For each=rows key=|(_, row)| row.id.clone() let((pos, row))>
                        <HouseholdRow row=row pos=pos selected=selected/>
                    </For>
                </div>
            </div>
        </section>
    }
}

/// Villages with how many households are fully surveyed; one tap shows
/// only that village.
#[component]
fn Villages(village: RwSignal<Option<String>>) -> impl IntoView {
    let view = expect_context::<View>();
    let villages = Memo::new(move |_| view.listing.with(|l| l.villages()));
    view! {
        <div id="villages" class="chips" role="group" aria-label=t("villages-label")>
            <button type="button" class="chip" class:active=move || village.get().is_none()
                on:click=move |_| village.set(None)>{t("villages-all")}</button>
            <For each=move || villages.get() key=|v| (v.name.clone(), v.total, v.surveyed, v.conflicts) let(v)>
                {
                    let name = v.name.clone();
                    let pick = name.clone();
                    let is = name.clone();
                    view! {
                        <button type="button" class="chip village" data-name=name.clone()
                            data-total=v.total.to_string() data-surveyed=v.surveyed.to_string()
                            class:active=move || village.get().as_deref() == Some(is.as_str())
                            on:click=move |_| village.set(Some(pick.clone()))>
                            {if name.is_empty() { t("village-unknown") } else { name.clone() }}
                            <span class="progress">{format!(" {}/{}", v.surveyed, v.total)}</span>
                            {(v.conflicts > 0).then(|| view! { <span class="warn" title=t("filter-conflicts")>" ⚠"</span> })}
                        </button>
                    }
                }
            </For>
        </div>
    }
}

/// One row of the list: positioned by its place in the results.
#[component]
fn HouseholdRow(
    row: HouseholdSummary,
    pos: usize,
    selected: RwSignal<Option<HouseholdId>>,
) -> impl IntoView {
    let id = StoredValue::new(row.id.clone());
    let is_selected = move || selected.get().as_ref() == Some(&id.get_value());
    let (progress_class, progress_text) = match row.progress {
        Progress::NotSurveyed => ("todo", t("progress-not-surveyed")),
        Progress::Incomplete { answered, of } => (
            "partial",
            tf(
                "progress-incomplete",
                &[("answered", answered.into()), ("of", of.into())],
            ),
        ),
        Progress::Complete => ("done", t("progress-complete")),
    };
    let poverty = match row.poverty {
        Some(c @ (PovertyClass::Poor | PovertyClass::NearPoor)) => {
            Some((c.code(), i18n::label("poverty-short", c.code())))
        }
        _ => None,
    };
    let members = row
        .members
        .map(|n| tf("members-count", &[("count", n.into())]))
        .unwrap_or_default();
    view! {
        <div class="household" role="button" tabindex="0"
            data-id=row.id.as_str().to_owned() data-head=row.head.clone()
            data-conflicts=row.conflicts.len().to_string()
            class:selected=is_selected
            style:top=format!("{}px", pos as f64 * ROW_HEIGHT)
            on:click=move |_| selected.set(Some(id.get_value()))
            on:keydown=move |ev| if ev.key() == "Enter" { selected.set(Some(id.get_value())) }>
            <div class="who">
                <strong>{row.head.clone()}</strong>
                <span class="where">{format!("{}{members}", row.village)}</span>
            </div>
            <div class="marks">
                <span class=format!("mark {progress_class}")>{progress_text}</span>
                {poverty.map(|(c, t)| view! { <span class=format!("mark {c}")>{t}</span> })}
                {(!row.conflicts.is_empty()).then(|| view! {
                    <span class="mark conflict-mark">{tf("conflicts-count", &[("count", row.conflicts.len().into())])}</span>
                })}
            </div>
        </div>
    }
}

/// The quick fields of one household (head, members, village), each with
/// the values two devices left, if any, to choose from in one tap.
#[component]
pub fn QuickFields(id: HouseholdId) -> impl IntoView {
    let view = expect_context::<View>();
    let id = StoredValue::new(id);
    let household = Memo::new(move |_| {
        view.revision.track();
        engine::read_survey(|doc| survey::household(doc, &id.get_value())).flatten()
    });
    move || {
        household.get().map(|h| {
            view! {
                <div class="grid-form quick">
                    <EditableField id=id.get_value() field=h.head label=t("field-head") name="head"
                        commit=|t| Ok(HouseholdEdit::Head(t.to_owned()))/>
                    <EditableField id=id.get_value() field=h.members label=t("field-members") name="members"
                        commit=|t| parse_members(t).map(HouseholdEdit::Members)/>
                    <EditableField id=id.get_value() field=h.village label=t("field-village") name="village"
                        commit=|t| Ok(HouseholdEdit::Village(t.to_owned()))/>
                    <p class="created">{tf("created-on", &[("date", ntm_core::format::date_vi(h.created_at).into())])}</p>
                </div>
            }
        })
    }
}

/// One editable field; `commit` turns the text into an edit. A field two
/// devices filled in differently is marked; the record's decisions list
/// offers its values.
#[component]
fn EditableField<T: Clone + ToString + Send + Sync + 'static>(
    id: HouseholdId,
    field: Field<T>,
    label: String,
    name: &'static str,
    commit: fn(&str) -> Result<HouseholdEdit, SurveyError>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let current = field
        .value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let save = StoredValue::new(id);
    let save = move |text: String| {
        let id = save.get_value();
        leptos::task::spawn_local(async move {
            let result = match commit(&text) {
                Ok(edit) => engine::edit(Command::EditHousehold { id, edit }).await,
                Err(e) => Err(e.into()),
            };
            error.set(result.err().map(|e| error_text(&e)));
        });
    };
    let conflicted = !field.conflicts.is_empty();
    view! {
        <label data-field=name class:conflicted=conflicted>{label}
            {conflicted.then(|| view! { <span class="warn">{format!(" ⚠ {}", t("decide-above"))}</span> })}
            <input prop:value=current on:change=move |ev| save(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </label>
    }
}
