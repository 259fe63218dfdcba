//! Who may read and write which document (DESIGN.md §3): a pure function of
//! a device's role and scope and of what the document is. The relay enforces
//! it per document and connection; documents are permission boundaries, so
//! there is no per-field access.

/// What `POST /enrol` returns and a device keeps: its id, its bearer token
/// (shown once; the relay stores only a hash), role, scope and province.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enrolment {
    /// Device id: the prefix of its peer ids (`<device id>.<session>`).
    pub device_id: String,
    /// Bearer token for the WebSocket upgrade.
    pub token: String,
    /// Role code ([`Role::code`]).
    pub role: String,
    /// Unit codes.
    pub scope: Vec<String>,
    /// The province the relay serves (its registry's unit), if it has one.
    pub province: Option<String>,
}

impl Enrolment {
    /// The commune a commune-level device works on: the first of its scope.
    pub fn commune(&self) -> Option<&str> {
        matches!(
            Role::from_code(&self.role),
            Some(Role::Enumerator | Role::Officer)
        )
        .then(|| self.scope.first().map(String::as_str))
        .flatten()
    }

    /// The province summary, for a device that watches the province
    /// (district, department, office, admin: those the relay lets read it).
    pub fn province_summary(&self) -> Option<crate::ids::DocumentId> {
        let watches = matches!(
            Role::from_code(&self.role),
            Some(Role::District | Role::Department | Role::Office | Role::Admin)
        );
        watches
            .then(|| self.province.as_deref().map(crate::summary::document_id))
            .flatten()
    }

    /// Where that commune's documents are: the ids admin tooling derives
    /// from the province and commune codes (the registry lists the same).
    /// Its region is corrected from the registry once that arrives.
    pub fn commune_ref(&self) -> Option<crate::survey::CommuneRef> {
        let (code, province) = (self.commune()?, self.province.as_deref()?);
        let documents = crate::registry::CommuneDocuments::derived(province, code);
        Some(crate::survey::CommuneRef {
            document_id: documents.survey_id()?,
            appraisal: documents.appraisal_ids()?,
            registry_id: crate::registry::document::document_id(province),
            code: code.to_owned(),
            name: code.to_owned(),
            applicable_region: crate::catalog::Region::NorthernMidlandsMountains,
        })
    }
}

/// What `GET /api/relay` tells a device before it connects.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelayInfo {
    /// Only enrolled devices may sync.
    pub enrolment_required: bool,
    /// The province it serves, if its registry is stored.
    pub province: Option<String>,
}

/// `POST /api/writers`: the enrolled devices that wrote with these
/// Automerge actors (hex), so a screen can say who made each change of a
/// history (the relay binds every actor to one device).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WritersRequest {
    /// Actor ids, hex; at most [`WritersRequest::MAX_ACTORS`].
    pub actors: Vec<String>,
}

impl WritersRequest {
    /// Most actors one request may name.
    pub const MAX_ACTORS: usize = 512;
}

/// One writer as `POST /api/writers` names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WriterInfo {
    /// The name the device gave at enrolment.
    pub name: String,
    /// Its role ([`Role::code`]).
    pub role: String,
}

/// The reply to `POST /api/writers`: the writers of the actors the relay
/// knows (an actor of admin tooling or the shared genesis is never listed).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WritersReply {
    /// By actor (hex).
    pub writers: std::collections::BTreeMap<String, WriterInfo>,
}

/// What an enrolled device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Điều tra viên: surveys households of its communes.
    Enumerator,
    /// Cán bộ xã: commune officer (survey, attestations).
    Officer,
    /// Huyện: reviews the communes of its districts.
    District,
    /// Sở, ngành: appraises the criteria it owns, in every commune.
    Department,
    /// Văn phòng Điều phối: watches the whole province, writes the registry.
    Office,
    /// Quản trị: imports catalogs, manages the registry.
    Admin,
}

impl Role {
    /// Every role, for listings and parsing.
    pub const ALL: [Role; 6] = [
        Role::Enumerator,
        Role::Officer,
        Role::District,
        Role::Department,
        Role::Office,
        Role::Admin,
    ];

    /// The name used on the command line and in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Enumerator => "enumerator",
            Role::Officer => "officer",
            Role::District => "district",
            Role::Department => "department",
            Role::Office => "office",
            Role::Admin => "admin",
        }
    }

    /// The role for a code.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The kinds of documents (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// A criteria catalog version.
    Catalog,
    /// The province registry.
    Registry,
    /// A commune's survey.
    Survey,
    /// One department's verdicts on one commune.
    Verdicts,
    /// A commune's dossier: district review and dossier state.
    Dossier,
    /// The province's directives and deadlines.
    Directives,
    /// The province summary: each commune's evaluation, written by the
    /// relay alone (`crate::summary`).
    Summary,
}

impl DocumentKind {
    /// The name stored in the relay's document table.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Catalog => "catalog",
            DocumentKind::Registry => "registry",
            DocumentKind::Survey => "survey",
            DocumentKind::Verdicts => "verdicts",
            DocumentKind::Dossier => "dossier",
            DocumentKind::Directives => "directives",
            DocumentKind::Summary => "summary",
        }
    }

    /// The kind for a stored name. The single `appraisal` document of
    /// earlier versions, which any department could write whole, is no
    /// kind any more: a relay that still holds one shows it to admins only.
    pub fn from_code(code: &str) -> Option<DocumentKind> {
        [
            DocumentKind::Catalog,
            DocumentKind::Registry,
            DocumentKind::Survey,
            DocumentKind::Verdicts,
            DocumentKind::Dossier,
            DocumentKind::Directives,
            DocumentKind::Summary,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// What the relay knows of a document (from its own table, never from a client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// Its kind.
    pub kind: DocumentKind,
    /// The commune it belongs to (survey, verdicts, dossier); for other
    /// kinds, the province or catalog id.
    pub unit: String,
    /// The commune's district, where the province still has that tier.
    pub district: Option<String>,
    /// The department whose verdicts it holds (verdicts documents only).
    pub department: Option<String>,
}

/// A device's role and the units it may work on (commune codes for
/// enumerators and officers, district codes for districts, department
/// codes for a department, which reads the whole province; the office and
/// admins work on the whole province).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Unit codes.
    pub scope: Vec<String>,
}

/// What a device may do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not even learn that it exists.
    None,
    /// Receive it; its changes are ignored.
    ReadOnly,
    /// Receive it and change it.
    ReadWrite,
}

impl Grant {
    fn covers(&self, unit: &str) -> bool {
        self.scope.iter().any(|s| s == unit)
    }

    /// The device's access to a document; `None` for a document the relay
    /// does not know (only admins may see those).
    pub fn access(&self, doc: Option<&DocumentInfo>) -> Access {
        use Access::*;
        use DocumentKind::*;
        use Role::*;
        let Some(doc) = doc else {
            return if self.role == Admin { ReadWrite } else { None };
        };
        let own_commune = matches!(self.role, Enumerator | Officer) && self.covers(&doc.unit);
        let own_district =
            self.role == District && doc.district.as_deref().is_some_and(|d| self.covers(d));
        let own_department =
            self.role == Department && doc.department.as_deref().is_some_and(|d| self.covers(d));
        match (doc.kind, self.role) {
            (Catalog, Admin) => ReadWrite,
            (Catalog, _) => ReadOnly,
            (Registry | Directives, Office | Admin) => ReadWrite,
            (Registry | Directives, _) => ReadOnly,
            (Survey, Enumerator | Officer) if own_commune => ReadWrite,
            (Survey, District) if own_district => ReadWrite,
            (Survey, Department | Office | Admin) => ReadOnly,
            // A department writes only its own verdicts; everyone in the
            // commune's scope reads them.
            (Verdicts, Department) if own_department => ReadWrite,
            (Verdicts, Department | Office | Admin) => ReadOnly,
            (Verdicts, District) if own_district => ReadOnly,
            (Verdicts, Enumerator | Officer) if own_commune => ReadOnly,
            // The dossier: its district, or the office (which stands in
            // where the province has no districts).
            (Dossier, District) if own_district => ReadWrite,
            (Dossier, Office) => ReadWrite,
            (Dossier, Department | Admin) => ReadOnly,
            (Dossier, Enumerator | Officer) if own_commune => ReadOnly,
            (Survey | Verdicts | Dossier, _) => None,
            // Only the relay writes the summary; the province's reviewers
            // read it. A commune's devices have their own commune's view.
            (Summary, District | Department | Office | Admin) => ReadOnly,
            (Summary, Enumerator | Officer) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: DocumentKind, unit: &str, district: Option<&str>) -> DocumentInfo {
        DocumentInfo {
            kind,
            unit: unit.into(),
            district: district.map(Into::into),
            department: None,
        }
    }

    fn verdicts_of(department: &str, unit: &str, district: &str) -> DocumentInfo {
        DocumentInfo {
            department: Some(department.into()),
            ..doc(DocumentKind::Verdicts, unit, Some(district))
        }
    }

    fn grant(role: Role, scope: &[&str]) -> Grant {
        Grant {
            role,
            scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn the_access_table_of_design_section_3() {
        use Access::{ReadOnly, ReadWrite};
        use DocumentKind::*;
        let ta_van = |k| doc(k, "sa-pa-ta-van", Some("sa-pa"));
        let ban_xen = |k| doc(k, "muong-khuong-ban-xen", Some("muong-khuong"));
        let province = |k| doc(k, "lao-cai", None);
        let catalog = doc(Catalog, "ntm-2021-2025", None);
        let cases = [
            // (grant, document, expected)
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                ta_van(Survey),
                ReadWrite,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                ban_xen(Survey),
                Access::None,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                ta_van(Dossier),
                ReadOnly,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                verdicts_of("so-xd", "sa-pa-ta-van", "sa-pa"),
                ReadOnly,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                ban_xen(Dossier),
                Access::None,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                verdicts_of("so-xd", "muong-khuong-ban-xen", "muong-khuong"),
                Access::None,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                province(Registry),
                ReadOnly,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                catalog.clone(),
                ReadOnly,
            ),
            (
                grant(Role::Officer, &["sa-pa-ta-van"]),
                ta_van(Survey),
                ReadWrite,
            ),
            (grant(Role::District, &["sa-pa"]), ta_van(Survey), ReadWrite),
            (
                grant(Role::District, &["sa-pa"]),
                ta_van(Dossier),
                ReadWrite,
            ),
            (
                grant(Role::District, &["sa-pa"]),
                verdicts_of("so-xd", "sa-pa-ta-van", "sa-pa"),
                ReadOnly,
            ),
            (
                grant(Role::District, &["sa-pa"]),
                ban_xen(Dossier),
                Access::None,
            ),
            (
                grant(Role::District, &["sa-pa"]),
                ban_xen(Survey),
                Access::None,
            ),
            (grant(Role::Department, &[]), ta_van(Survey), ReadOnly),
            // A department writes its own verdicts, reads the others'.
            (
                grant(Role::Department, &["so-xd"]),
                verdicts_of("so-xd", "muong-khuong-ban-xen", "muong-khuong"),
                ReadWrite,
            ),
            (
                grant(Role::Department, &["so-xd"]),
                verdicts_of("so-gtvt", "muong-khuong-ban-xen", "muong-khuong"),
                ReadOnly,
            ),
            (
                grant(Role::Department, &["so-xd"]),
                ban_xen(Dossier),
                ReadOnly,
            ),
            (
                grant(Role::Department, &[]),
                verdicts_of("so-xd", "sa-pa-ta-van", "sa-pa"),
                ReadOnly,
            ),
            (grant(Role::Department, &[]), province(Registry), ReadOnly),
            (grant(Role::Office, &[]), ta_van(Survey), ReadOnly),
            (grant(Role::Office, &[]), province(Registry), ReadWrite),
            (grant(Role::Office, &[]), province(Directives), ReadWrite),
            (grant(Role::Office, &[]), ban_xen(Dossier), ReadWrite),
            (
                grant(Role::Office, &[]),
                verdicts_of("so-xd", "sa-pa-ta-van", "sa-pa"),
                ReadOnly,
            ),
            (grant(Role::Office, &[]), catalog.clone(), ReadOnly),
            (grant(Role::Office, &[]), province(Summary), ReadOnly),
            (grant(Role::Admin, &[]), province(Summary), ReadOnly),
            (
                grant(Role::Department, &["so-xd"]),
                province(Summary),
                ReadOnly,
            ),
            (
                grant(Role::District, &["sa-pa"]),
                province(Summary),
                ReadOnly,
            ),
            (
                grant(Role::Enumerator, &["sa-pa-ta-van"]),
                province(Summary),
                Access::None,
            ),
            (grant(Role::Admin, &[]), catalog.clone(), ReadWrite),
            (grant(Role::Admin, &[]), ta_van(Survey), ReadOnly),
            (grant(Role::Admin, &[]), ta_van(Dossier), ReadOnly),
        ];
        for (g, d, expected) in cases {
            assert_eq!(g.access(Some(&d)), expected, "{g:?} on {d:?}");
        }
    }

    #[test]
    fn unknown_documents_are_invisible_except_to_admins() {
        assert_eq!(grant(Role::Office, &[]).access(None), Access::None);
        assert_eq!(grant(Role::Enumerator, &["x"]).access(None), Access::None);
        assert_eq!(grant(Role::Admin, &[]).access(None), Access::ReadWrite);
    }

    #[test]
    fn an_enrolled_tablet_finds_its_commune_documents() {
        let enrolment = |role: &str| Enrolment {
            device_id: "d".into(),
            token: "t".into(),
            role: role.into(),
            scope: vec!["ta-van".into()],
            province: Some(crate::demo::PROVINCE_CODE.into()),
        };
        let demo = crate::survey::demo_commune();
        let tablet = enrolment("enumerator").commune_ref().unwrap();
        assert_eq!(
            (
                tablet.document_id,
                tablet.appraisal.dossier,
                tablet.registry_id
            ),
            (demo.document_id, demo.appraisal.dossier, demo.registry_id)
        );
        // Every department's verdicts the registry lists are among those
        // the tablet looks for (derived ids: the same wherever made).
        for (department, id) in &demo.appraisal.verdicts {
            assert_eq!(tablet.appraisal.verdicts.get(department), Some(id));
        }
        assert_eq!(
            enrolment("office").commune_ref(),
            None,
            "not a commune device"
        );
        let no_province = Enrolment {
            province: None,
            ..enrolment("officer")
        };
        assert_eq!(no_province.commune_ref(), None);
    }

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("mayor"), None);
        assert_eq!(
            DocumentKind::from_code("survey"),
            Some(DocumentKind::Survey)
        );
        assert_eq!(DocumentKind::from_code("photo"), None);
        assert_eq!(
            DocumentKind::from_code("appraisal"),
            None,
            "the old whole-appraisal document is no kind any devices may see"
        );
    }
}
