//! Household list and forms. Every committed field is one Automerge change;
//! the list shows only what is durable on the device.

use leptos::prelude::*;
use ntm_core::format::date_vi;
use ntm_core::survey::{self, Field, Household, HouseholdEdit, HouseholdId, SurveyError};

use crate::engine::{self, EditError, View};
use crate::platform;

/// A refusal as the forms show it: Vietnamese, then English.
pub(super) fn error_text<E: Clone + Into<EditError>>(err: &E) -> String {
    match err.clone().into() {
        EditError::Refused(SurveyError::Invalid(invalid)) => {
            format!("{} ({})", invalid.message_vi(), invalid.message_en())
        }
        EditError::Refused(other) => format!("Không lưu được: {other}"),
        EditError::NotSaved(reason) => format!(
            "Chưa lưu được vào máy ({reason}); ứng dụng sẽ tự thử lại, đừng đóng ứng dụng. \
             (Not saved on this device yet; retrying — keep the app open.)"
        ),
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

/// The form that adds a household.
#[component]
pub fn AddHousehold() -> impl IntoView {
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
            let result =
                engine::edit(move |doc, now| survey::add_household(doc, &id, &h, count, &v, now))
                    .await;
            saving.set(false);
            match result {
                Ok(()) => {
                    error.set(None);
                    head.set(String::new());
                    members.set(String::new());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    view! {
        <form id="add-household" class="card" on:submit=submit>
            <h2>"Thêm hộ gia đình" <small lang="en">" · Add a household"</small></h2>
            <label>"Tên chủ hộ" <small lang="en">"Head of household"</small>
                <input id="new-head" required autocomplete="off" prop:value=head on:input=move |ev| head.set(event_target_value(&ev))/>
            </label>
            <label>"Số nhân khẩu" <small lang="en">"Members"</small>
                <input id="new-members" type="number" min="1" max="50" required inputmode="numeric"
                    prop:value=members on:input=move |ev| members.set(event_target_value(&ev))/>
            </label>
            <label>"Thôn, bản" <small lang="en">"Village"</small>
                <input id="new-village" required autocomplete="off" prop:value=village on:input=move |ev| village.set(event_target_value(&ev))/>
            </label>
            <button id="add-household-submit" type="submit" disabled=move || saving.get()>
                {move || if saving.get() { "Đang lưu…" } else { "Thêm hộ" }}
            </button>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </form>
    }
}

/// All households of the commune.
#[component]
pub fn HouseholdList() -> impl IntoView {
    let view = expect_context::<View>();
    view! {
        <section class="card">
            <h2>
                "Danh sách hộ" <small lang="en">" · Households"</small>
                <span id="household-count">{move || view.households.with(Vec::len)}</span>
            </h2>
            {move || view.last_saved.get().map(|_| view! { <p id="save-state" class="saved">"Đã lưu trên máy" <small lang="en">" · saved on this device"</small></p> })}
            <table id="household-list">
                <thead><tr>
                    <th>"Chủ hộ"</th><th>"Nhân khẩu"</th><th>"Thôn, bản"</th><th>"Ngày ghi"</th><th></th>
                </tr></thead>
                <tbody>
                    <For
                        each=move || view.households.get()
                        key=|h| format!("{h:?}")
                        children=move |h| view! { <HouseholdRow household=h/> }
                    />
                </tbody>
            </table>
        </section>
    }
}

/// One editable cell; `commit` turns the text into an edit.
#[component]
fn EditableCell<T: Clone + ToString + Send + Sync + 'static>(
    id: HouseholdId,
    field: Field<T>,
    name: &'static str,
    commit: fn(&str) -> Result<HouseholdEdit, SurveyError>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let current = field
        .value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    // Copyable handle on the closure, for the input and every conflict button.
    let save = StoredValue::new(id);
    let save = move |text: String| {
        let id = save.get_value();
        leptos::task::spawn_local(async move {
            let result = match commit(&text) {
                Ok(edit) => {
                    engine::edit(move |doc, now| survey::edit_household(doc, &id, edit, now)).await
                }
                Err(e) => Err(e.into()),
            };
            error.set(result.err().map(|e| error_text(&e)));
        });
    };
    let conflicts = field.conflicts.clone();
    let winner = field.value.clone();
    view! {
        <td data-field=name>
            <input value=current.clone() on:change=move |ev| save(event_target_value(&ev))/>
            {(!conflicts.is_empty()).then(|| {
                let mut options: Vec<String> = winner.iter().chain(conflicts.iter()).map(ToString::to_string).collect();
                options.dedup();
                view! {
                    <div class="conflict" role="group">
                        "Hai máy nhập khác nhau, chọn một: "
                        {options.into_iter().map(|o| {
                            let pick = o.clone();
                            view! { <button type="button" class="pick" on:click=move |_| save(pick.clone())>{o}</button> }
                        }).collect_view()}
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </td>
    }
}

#[component]
fn HouseholdRow(household: Household) -> impl IntoView {
    let Household {
        id,
        head,
        members,
        village,
        created_at,
    } = household;
    let head_text = head.value.clone().unwrap_or_default();
    let selected = expect_context::<Selected>().0;
    let open = StoredValue::new(id.clone());
    view! {
        <tr class="household" data-id=id.as_str().to_owned() data-head=head_text>
            <EditableCell id=id.clone() field=head name="head" commit=|t| Ok(HouseholdEdit::Head(t.to_owned()))/>
            <EditableCell id=id.clone() field=members name="members" commit=|t| parse_members(t).map(HouseholdEdit::Members)/>
            <EditableCell id=id.clone() field=village name="village" commit=|t| Ok(HouseholdEdit::Village(t.to_owned()))/>
            <td>{date_vi(created_at)}</td>
            <td><button type="button" class="secondary open-record" on:click=move |_| selected.set(Some(open.get_value()))>
                "Phiếu hộ" <small lang="en">" · Record"</small>
            </button></td>
        </tr>
    }
}
