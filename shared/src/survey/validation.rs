//! Validation of household values; what to tell the person comes out as
//! a [`Message`] (a code and its arguments).

use super::HouseholdEdit;
use crate::message::Message;

/// Largest household the form accepts.
pub const MAX_MEMBERS: u32 = 50;
/// Longest name or village the form accepts, in characters.
pub const MAX_TEXT: usize = 120;
/// Longest evidence note, in characters (a decision's number and date, what
/// was seen).
pub const MAX_NOTE: usize = 1000;

/// A value the form must not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// A required text field is blank.
    Required(&'static str),
    /// A text field is too long.
    TooLong(&'static str),
    /// Number of members outside 1..=MAX_MEMBERS.
    MembersOutOfRange(u32),
    /// A measure outside its plausible range.
    OutOfRange(&'static str),
    /// A part larger than its whole (irrigated > area, safe > households).
    PartExceedsWhole(&'static str),
}

impl Invalid {
    /// What to tell the person: a code, the field's name and the limits.
    pub fn message(&self) -> Message {
        match self {
            Self::Required(f) => Message::new("invalid-required").with("field", field(f)),
            Self::TooLong(f) => Message::new("invalid-too-long")
                .with("field", field(f))
                .with("max", if *f == "note" { MAX_NOTE } else { MAX_TEXT }),
            Self::MembersOutOfRange(n) => Message::new("invalid-members")
                .with("max", MAX_MEMBERS)
                .with("given", *n),
            Self::OutOfRange(f) => Message::new("invalid-out-of-range").with("field", field(f)),
            Self::PartExceedsWhole(f) => {
                Message::new("invalid-part-exceeds-whole").with("field", field(f))
            }
        }
    }
}

/// The fields validation names, each with the code of its label.
pub const FIELDS: [(&str, &str); 16] = [
    ("head", "field-head"),
    ("village", "field-village"),
    ("name", "field-name"),
    ("by", "field-by"),
    ("length_km", "field-length-km"),
    ("area_ha", "field-area-ha"),
    ("irrigated_ha", "field-irrigated-ha"),
    ("households", "field-households"),
    ("safe_households", "field-safe-households"),
    ("member_name", "field-member-name"),
    ("birth_year", "field-birth-year"),
    ("income", "field-income"),
    ("income_source", "field-income-source"),
    ("gps", "field-gps"),
    ("roster", "field-roster"),
    ("note", "field-note"),
];

/// A field's label as a message (`field-other` for a key not listed).
pub fn field(key: &str) -> Message {
    Message::new(
        FIELDS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("field-other", |(_, code)| code),
    )
}

/// Why a survey operation failed; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// A value failed validation.
    #[error("invalid value: {0:?}")]
    Invalid(Invalid),
    /// The document is not a commune survey.
    #[error("the document is not an NTM survey document")]
    NotASurvey,
    /// No such household.
    #[error("no household with id {0}")]
    UnknownHousehold(String),
    /// No infrastructure entry or attestation under this key.
    #[error("no infrastructure entry or statement {0}")]
    UnknownEntry(String),
    /// The id is already used.
    #[error("a household with id {0} already exists")]
    DuplicateHousehold(String),
    /// Automerge refused the change.
    #[error("automerge: {0}")]
    Automerge(String),
    /// A choice between concurrent values could not be made.
    #[error(transparent)]
    Choice(#[from] super::conflicts::ChoiceError),
}

/// Checks and normalises (trims) one edit.
pub(super) fn validate(edit: HouseholdEdit) -> Result<HouseholdEdit, SurveyError> {
    let text = |key: &'static str, s: String| {
        let s = s.trim().to_owned();
        if s.is_empty() {
            Err(SurveyError::Invalid(Invalid::Required(key)))
        } else if s.chars().count() > MAX_TEXT {
            Err(SurveyError::Invalid(Invalid::TooLong(key)))
        } else {
            Ok(s)
        }
    };
    Ok(match edit {
        HouseholdEdit::Head(s) => HouseholdEdit::Head(text("head", s)?),
        HouseholdEdit::Village(s) => HouseholdEdit::Village(text("village", s)?),
        HouseholdEdit::Members(n) if (1..=MAX_MEMBERS).contains(&n) => HouseholdEdit::Members(n),
        HouseholdEdit::Members(n) => {
            return Err(SurveyError::Invalid(Invalid::MembersOutOfRange(n)))
        }
    })
}
