//! Fields two devices filled in differently: every value with the device
//! that entered it and when, and one tap to keep it (DESIGN.md §2: nothing
//! is overwritten silently; a person decides).

use leptos::prelude::*;
use ntm_core::device::Command;
use ntm_core::format::datetime_vi;
use ntm_core::survey::conflicts::{Conflict, Entry, Shown};

use super::households::error_text;
use crate::engine::{self, View};
use crate::i18n::{self, t, tf};

/// The label of a field, from its path in the entry.
pub(super) fn field_label(
    entry: &Entry,
    path: &[String],
    member_name: &dyn Fn(&str) -> String,
) -> String {
    let field = |key: &str| match key {
        "name" if matches!(entry, Entry::Household(_)) => t("member-name"),
        "name" => t("field-name"),
        "sex" => t("member-sex"),
        "insured" => t("member-insured"),
        "in_school" => t("member-in-school"),
        "employed" => t("member-employed"),
        "hardened" => t("infra-hardened-check"),
        "up_to_standard" => t("infra-up-to-standard-check"),
        "kind" => t("infra-kind"),
        "evidence" => t("evidence"),
        "note" => t("note"),
        "at" => t("time"),
        "met" => t("state"),
        "lat" => t("gps-lat"),
        "lon" => t("gps-lon"),
        other => {
            let id = format!("field-{}", other.replace('_', "-"));
            let text = t(&id);
            // A field without a label of its own shows its key, not an id.
            if text == id {
                other.to_owned()
            } else {
                text
            }
        }
    };
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["record", "roster", key, rest @ ..] => tf(
            "decision-member",
            &[
                ("name", member_name(key).into()),
                (
                    "field",
                    rest.iter()
                        .map(|k| field(k))
                        .collect::<Vec<_>>()
                        .join(" · ")
                        .into(),
                ),
            ],
        ),
        ["record", "income", source] => tf("decision-income", &[("source", (*source).into())]),
        ["record", rest @ ..] | rest => rest
            .iter()
            .map(|k| field(k))
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// A value as the person reads it (the field's key says how).
pub(super) fn value_text(key: &str, shown: &Shown) -> String {
    match shown {
        Shown::Text(s) if s.trim().is_empty() => "—".to_owned(),
        Shown::Text(s) => s.clone(),
        Shown::Int(n) if key == "birth_year" || key.ends_with("year") => n.to_string(),
        Shown::Int(n) if key == "income" => i18n::money(*n),
        Shown::Int(n) if key == "at" => ntm_core::format::date_vi(*n),
        Shown::Int(n) => i18n::number(*n),
        Shown::Decimal(v) if key == "lat" || key == "lon" => i18n::decimal(*v, 5),
        Shown::Decimal(v) => i18n::decimal(*v, 2),
        Shown::Bool(b) => t(if *b { "yes" } else { "no" }),
        Shown::Time(at) => datetime_vi(*at),
        Shown::Code { prefix, code } => i18n::label(prefix, code),
        Shown::Fields(fields) => fields
            .iter()
            .map(|(k, v)| value_text(k, v))
            .collect::<Vec<_>>()
            .join(", "),
        Shown::Empty => "—".to_owned(),
    }
}

/// Who entered a value: this device, the enrolled device the relay named,
/// or another device by the start of its session's id.
pub(super) fn who(actor: &str) -> String {
    if engine::is_own_actor(actor) {
        return t("this-device");
    }
    match engine::writer(actor) {
        Some(w) => w.name,
        None => tf(
            "other-device",
            &[("id", actor.chars().take(8).collect::<String>().into())],
        ),
    }
}

/// The key that says how a field's value reads: an income source's key is
/// the source, its value an amount.
pub(super) fn value_key(path: &[String]) -> String {
    match path {
        [record, income, _] if record == "record" && income == "income" => "income".to_owned(),
        _ => path.last().cloned().unwrap_or_default(),
    }
}

/// The name of a household's member (for labels of member fields).
pub(super) fn member_name(entry: &Entry, key: &str) -> String {
    match entry {
        Entry::Household(id) => engine::read_survey(|doc| {
            ntm_core::survey::record::read_record(doc, id)
                .ok()
                .and_then(|r| r.roster.get(key).map(|m| m.name.clone()))
        })
        .flatten()
        .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The decisions an entry needs; nothing when it needs none. `title`
/// names the entry when several are listed together.
#[component]
pub fn Decisions(entry: Entry, #[prop(optional)] title: Option<String>) -> impl IntoView {
    let view = expect_context::<View>();
    let entry = StoredValue::new(entry);
    let conflicts = Memo::new(move |_| {
        view.revision.track();
        entry.with_value(engine::conflicts)
    });
    // Names of other devices come from the relay when online; redraw once known.
    let names = RwSignal::new(0u32);
    Effect::new(move |_| {
        let actors: Vec<String> = conflicts.with(|c| {
            c.iter()
                .flat_map(|c| c.candidates.iter().map(|v| v.actor.clone()))
                .collect()
        });
        if !actors.is_empty() {
            leptos::task::spawn_local(async move {
                if engine::learn_writers(actors).await {
                    names.update(|n| *n += 1);
                }
            });
        }
    });
    let error = RwSignal::new(None::<String>);
    let name_of = move |key: &str| entry.with_value(|e| member_name(e, key));
    move || {
        names.track();
        let list = conflicts.get();
        (!list.is_empty()).then(|| {
            let rows = list
                .into_iter()
                .map(|c: Conflict| {
                    let label = entry.with_value(|e| field_label(e, &c.path, &name_of));
                    let key = value_key(&c.path);
                    let path = c.path.clone();
                    let choices = c
                        .candidates
                        .iter()
                        .map(|v| {
                            let pick = (path.clone(), v.id.clone());
                            let choose = move |_| {
                                let (path, candidate) = pick.clone();
                                let entry = entry.get_value();
                                leptos::task::spawn_local(async move {
                                    let result =
                                        engine::edit(Command::Choose { entry, path, candidate })
                                            .await;
                                    error.set(result.err().map(|e| error_text(&e)));
                                });
                            };
                            view! {
                                <button type="button" class="choice" data-actor=v.actor.clone() on:click=choose>
                                    <strong>{value_text(&key, &v.shown)}</strong>
                                    <small>{format!("{} · {}", who(&v.actor), datetime_vi(v.at))}</small>
                                </button>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="decision" data-path=c.path.join("/")>
                            <p class="field">{label}</p>
                            <div class="choices">{choices}</div>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <section class="decisions" role="group">
                    <h3>{match &title {
                        Some(name) => tf("decisions-of", &[("name", name.clone().into())]),
                        None => t("decisions-title"),
                    }}</h3>
                    <p class="hint">{t("decisions-hint")}</p>
                    {rows}
                    {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
                </section>
            }
        })
    }
}
