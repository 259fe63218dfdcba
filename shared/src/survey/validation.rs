//! Validation of household values, with messages in Vietnamese and English.

use super::HouseholdEdit;

/// Largest household the form accepts.
pub const MAX_MEMBERS: u32 = 50;
/// Longest name or village the form accepts, in characters.
pub const MAX_TEXT: usize = 120;

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
    /// The message shown first (Vietnamese).
    pub fn message_vi(&self) -> String {
        match self {
            Self::Required(f) => format!("{} không được để trống.", field_vi(f)),
            Self::TooLong(f) => format!("{} dài quá {MAX_TEXT} ký tự.", field_vi(f)),
            Self::MembersOutOfRange(n) => {
                format!("Số nhân khẩu phải từ 1 đến {MAX_MEMBERS} (đã nhập {n}).")
            }
            Self::OutOfRange(f) => format!("{} nằm ngoài khoảng hợp lý.", field_vi(f)),
            Self::PartExceedsWhole(f) => format!("{} không được lớn hơn tổng.", field_vi(f)),
        }
    }

    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Required(f) => format!("{} is required.", field_en(f)),
            Self::TooLong(f) => format!("{} is longer than {MAX_TEXT} characters.", field_en(f)),
            Self::MembersOutOfRange(n) => {
                format!("Number of members must be 1 to {MAX_MEMBERS} (got {n}).")
            }
            Self::OutOfRange(f) => format!("{} is outside its plausible range.", field_en(f)),
            Self::PartExceedsWhole(f) => format!("{} cannot exceed the total.", field_en(f)),
        }
    }
}

fn field_vi(key: &str) -> &'static str {
    match key {
        "head" => "Tên chủ hộ",
        "village" => "Thôn/bản",
        "name" => "Tên",
        "by" => "Người xác nhận",
        "length_km" => "Chiều dài (km)",
        "area_ha" => "Diện tích (ha)",
        "irrigated_ha" => "Diện tích được tưới (ha)",
        "households" => "Số hộ",
        "safe_households" => "Số hộ dùng điện an toàn",
        "member_name" => "Tên thành viên",
        "birth_year" => "Năm sinh",
        "income" => "Thu nhập (đồng/năm)",
        "income_source" => "Nguồn thu nhập",
        "gps" => "Tọa độ GPS (trong lãnh thổ Việt Nam)",
        "roster" => "Số thành viên",
        _ => "Trường",
    }
}

fn field_en(key: &str) -> &'static str {
    match key {
        "head" => "Head of household",
        "village" => "Village",
        "name" => "Name",
        "by" => "Attested by",
        "length_km" => "Length (km)",
        "area_ha" => "Area (ha)",
        "irrigated_ha" => "Irrigated area (ha)",
        "households" => "Households",
        "safe_households" => "Households with safe power",
        "member_name" => "Member's name",
        "birth_year" => "Year of birth",
        "income" => "Income (đồng per year)",
        "income_source" => "Income source",
        "gps" => "GPS position (within Viet Nam)",
        "roster" => "Number of members",
        _ => "Field",
    }
}

/// Why a survey operation failed; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// A value failed validation.
    #[error("{}", .0.message_en())]
    Invalid(Invalid),
    /// The document is not a commune survey.
    #[error("the document is not an NTM survey document")]
    NotASurvey,
    /// No such household.
    #[error("no household with id {0}")]
    UnknownHousehold(String),
    /// The id is already used.
    #[error("a household with id {0} already exists")]
    DuplicateHousehold(String),
    /// Automerge refused the change.
    #[error("automerge: {0}")]
    Automerge(String),
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
