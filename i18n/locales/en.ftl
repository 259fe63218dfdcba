# NTM Survey — English (second language).
# Every id here must be in vi.ftl and the other way round (checked in ntm-i18n).

## App frame

app-title = NTM Survey
language = Language
tab-survey = Households
tab-infrastructure = Infrastructure, attestations
tab-scorecard = Commune scorecard
tab-province = Province
tab-appraisal = Commune appraisal
watching-district = District · follows its communes
watching-department = Department · appraises the criteria it owns
watching-office = Provincial NTM Coordination Office
watching-admin = System administration
loading-local-data = Opening local data…
local-data-failed = Local data could not be opened; nothing was changed.
pick-household = Pick a household in the list to open its record, or tap “+ Add”.
succeeded-by = { $commune } became part of { $successor } on { $on }: its households and infrastructure are there now. Sync what is left on this device, then ask the admin to enrol it for { $successor }.
storage-at-risk = The browser may clear this app's data when space runs low: sync often, or install the app on the home screen.
store-unavailable = This device's storage (IndexedDB) could not be opened: { $error }
stored-unreadable = Stored data could not be read: { $error }
set-aside-failed = Damaged data could not be set aside: { $error }

## Sync

sync-offline = Offline
sync-syncing = Syncing…
sync-up-to-date = Up to date
unconfirmed = { $count ->
    [0] All changes are on the relay
    [one] { $count } change not yet on the relay
   *[other] { $count } changes not yet on the relay
}
photos-waiting = { $count ->
    [one] { $count } photo waiting to upload
   *[other] { $count } photos waiting to upload
}
last-sync = Last synced: { $at }
offline-ready = ✓ Works offline
problem-set-aside = { $count ->
    [one] { $count } stored chunk could not be read
   *[other] { $count } stored chunks could not be read
}: kept aside, not deleted; everything else is open.
problem-not-saved = Not saved on this device yet (the browser's storage refused the write); retrying — keep the app open.
problem-remote = The relay reported an error: { $message }
problem-device-refused = The relay refused this device: { $reason }

## Enrolment

enrol-title = Enrol this device
enrol-intro = This relay admits enrolled devices only: enter the one-time code from your administrator.
enrol-relay = Relay address
enrol-code = Enrolment code
enrol-name = Device name
enrol-name-example = Tablet 3 — Tả Van commune
enrol-busy = Enrolling…
enrol-submit = Enrol
enrol-bad-reply = The relay's reply was not understood: { $error }
relay-needs-https = The relay address must start with https://

## Sync by file

bundle-title = Sync by file, no network needed
bundle-intro = Export this device's survey to a file (send it by USB, Zalo, Bluetooth…), or import one from another device of the same commune.
bundle-export = Export
bundle-import = Import…
bundle-saved = Saved { $file }: take it to the other device and tap “Import” there.
bundle-not-written = The file could not be made: { $error }
bundle-nothing-to-export = Nothing to export yet.
bundle-nothing-new = Nothing new: this device already has every change in the file.
bundle-imported = { $count ->
    [one] Imported and saved { $count } new change
   *[other] Imported and saved { $count } new changes
}{ $photos ->
    [0] {""} from the file.
    [one] {""} and { $photos } photo from the file.
   *[other] {""} and { $photos } photos from the file.
}
bundle-not-a-bundle = This file is not an NTM Survey sync file.
bundle-damaged = The sync file is damaged; nothing was imported ({ $reason }).
bundle-other-commune = This file holds { $theirs }'s data; this device surveys { $ours }. Nothing was imported.

## Household list

households-title = Households
add-household-open = + Add
add-household-title = Add a household
add-household-submit = Add household
saving = Saving…
cancel = Cancel
saved-on-device = Saved on this device
search-placeholder = Search by the head's or a member's name (diacritics optional)
search-label = Search households
filter-label = Filter
filter-all = All
filter-not-surveyed = Not surveyed
filter-incomplete = Incomplete
filter-poor = Poor, near-poor
filter-conflicts = Needs a decision
households-shown = { $count ->
    [0] No household matches.
    [one] { $count } household · by the head's name
   *[other] { $count } households · by the head's name
}
villages-label = Villages
villages-all = All villages
village-unknown = (no village)
progress-not-surveyed = Not surveyed
progress-incomplete = { $answered } of { $of } parts recorded
progress-complete = Complete
poverty-short-poor = Poor
poverty-short-near-poor = Near-poor
members-count = { " · " }{ $count ->
    [one] { $count } member
   *[other] { $count } members
}
conflicts-count = ⚠ { $count } to decide
created-on = First recorded on { $date }
conflict-pick = Two devices entered different values; pick one:{ " " }
not-saved-refused = Not saved: { $error }
not-saved-yet = Not saved on this device yet ({ $reason }); retrying — keep the app open.

## Field names and validation

field-head = Head of household
field-members = Members
field-village = Village
field-name = Name
field-by = Attested by
field-length-km = Length (km)
field-area-ha = Area (ha)
field-irrigated-ha = Irrigated area (ha)
field-households = Households
field-safe-households = Households with safe power
field-member-name = Member's name
field-birth-year = Year of birth
field-income = Income (đồng per year)
field-income-source = Income source
field-gps = GPS position (within Viet Nam)
field-created-at = First recorded
field-note = Evidence note
field-roster = Number of members
field-other = Field
invalid-required = { $field } is required.
invalid-too-long = { $field } is longer than { $max } characters.
invalid-members = Number of members must be 1 to { $max } (got { $given }).
invalid-out-of-range = { $field } is outside its plausible range.
invalid-part-exceeds-whole = { $field } cannot exceed the total.

## Household record

back-to-list = ← List
record-title = Household record: { $head }
section-household = Household
section-members = Members
section-income = Yearly income
section-living = Housing, water, sanitation, information
section-gps = Position
section-photos = Photos
photos-title = Photos
photos-none = No photos yet.
photo-add = Take or choose photos
photo-saving = Saving the photo…
photo-waiting = Waiting to upload
photo-not-here = Not on this device yet (needs network)
photo-alt = Photo taken { $at }
photo-close = Close
photo-remove = Remove this photo
photo-not-an-image = This file is not a picture this device can read.
photo-not-encoded = Could not make a JPEG of this picture.
photo-missing-on-device = The photo is no longer on this device.
yes = Yes
no = No
not-recorded = — not recorded —
remove = Remove
per-year = đ/year
income-per-person = Income: { $amount } per person per month ·{ " " }
deprivations = Basic-service deprivations: { $count } ·{ " " }
poverty-unknown = Not enough data to classify
poverty-standard = { " · " }under { $standard }
poverty-poor = Poor household
poverty-near-poor = Near-poor household
poverty-not-poor = Not poor
standard-decree-07-2021 = Decree 07/2021/NĐ-CP (in force to the end of 2026 under Decree 351/2025/NĐ-CP)
standard-decree-351-2025 = Decree 351/2025/NĐ-CP (2027–2030)
field-housing = Housing
field-water = Water source
field-sanitation = Latrine
field-internet = Uses the Internet
field-digital-services = Uses digital services (online public services, e-payments)
field-waste-treated = Household waste collected or treated
housing-permanent = Permanent house
housing-semi-permanent = Semi-permanent house
housing-flimsy = Flimsy house
housing-makeshift = Makeshift or temporary house
water-piped = Piped or central clean water
water-treated-well = Treated drilled or dug well
water-untreated = Stream or untreated gravity water
sanitation-flush = Septic or semi-septic
sanitation-improved-pit = Double-vault or ventilated pit
sanitation-unimproved = Unhygienic or none
member-name = Full name
member-sex = Sex
member-insured = Health insurance
member-in-school = In school
member-employed = Employed
sex-male = Male
sex-female = Female
add-member = Add member
add-income = Add income source
income-source-crops = crops
income-source-livestock = livestock
income-source-forestry = forestry
income-source-wages = wages and salaries
income-source-tourism = tourism, services
income-source-allowances = allowances, pensions
income-source-other = other
gps-lat = Latitude
gps-lon = Longitude
gps-locating = Locating…
gps-locate = Use current position
gps-unsupported = This browser has no geolocation
gps-unavailable = Position unavailable (refused or no signal)
gps-bad = Invalid position
relay-unreachable = The relay is unreachable

## Infrastructure and attested indicators

infra-add-title = Add infrastructure
infra-kind = Kind
infra-name = Name of the work
infra-add = Add
infra-title = Infrastructure
infra-note-placeholder = Minutes, document number, notes
infra-kind-road = Road
infra-kind-school = School
infra-kind-cultural-house = Cultural house
infra-kind-market = Market
infra-kind-irrigation = Irrigation work
infra-kind-power = Power supply
infra-hardened-check = Hardened
infra-up-to-standard-check = Up to standard
infra-not-judged = not assessed
infra-hardened = hardened
infra-not-hardened = not hardened
infra-up-to-standard = up to standard
infra-not-up-to-standard = not up to standard
infra-road-state = { $km } km, { $state }
infra-irrigation-state = { $irrigated } / { $area } ha irrigated
infra-power-state = { $safe } / { $households } households with safe power
evidence = Evidence
evidence-edit = Photos, position, note
evidence-photos = Photos, position ({ $count ->
    [one] { $count } photo
   *[other] { $count } photos
})
photos-count = { $count ->
    [one] { $count } photo
   *[other] { $count } photos
}
gps-recorded = position recorded
state = State
indicator = Indicator
attest-title = Indicators the commune attests
attest-by-placeholder = Full name, position
attest-note-placeholder = Document, minutes…
attested-state = { $state } — { $by }, { $date }
not-attested = Not attested yet
met = Met
not-met = Not met

## Commune scorecard

criteria = criteria
illustrative-thresholds = Illustrative thresholds, not yet the official annex's.
status-met = ✓ Met
status-not-met = ✗ Not met
status-missing = … Data missing
appraised = Appraised: { $verdict } ({ $date })
gaps = Gaps
gap-line = { " — " }indicator { $indicator }: { $reason }
set-ntm = New-rural commune (NTM)
set-advanced = Advanced NTM commune
set-modern = Modern NTM commune
set-short-ntm = NTM
set-short-advanced = Advanced NTM
set-short-modern = Modern NTM
level-in-year = { $level } in { $year }
reason-attested-met = Attested as met, with evidence
reason-attested-not-met = The commune attests it is not met
reason-attested-missing = No attestation or evidence yet
reason-no-data = No survey data yet
reason-no-class = The commune's region or group for this set is not recorded
reason-no-threshold = No threshold for this region or group and year
reason-met = { $value } meets { $sign } { $threshold }{ $illustrative ->
    [yes] { " " }(illustrative threshold)
   *[no] {""}
}
reason-not-met = { $value } does not meet { $sign } { $threshold }{ $illustrative ->
    [yes] { " " }(illustrative threshold)
   *[no] {""}
}
verdict-met = Met
verdict-not-met = Not met
verdict-needs-evidence = More evidence needed
dossier-preparing = Preparing the dossier
dossier-submitted-to-district = Sent to the district
dossier-district-reviewed = Reviewed by the district
dossier-submitted-to-province = Sent to the province for appraisal
dossier-appraised = Appraised by the departments
dossier-recognised = Recognised
history-verdict = criterion { $criterion } ({ $catalog }) — { $verdict }
history-district-approved = District review: proposed for recognition
history-district-not-approved = District review: not proposed
history-dossier = Dossier: { $state }
party-district-or-office = District / Coordination Office
registry-not-arrived = The province registry has not arrived yet (it updates itself once online).
formed-from = { $from }, from { $of } · re-assessed, earlier recognitions not inherited
unit-kind = Kind of unit
unit-kind-commune = Commune
unit-kind-ward = Ward
unit-kind-special-zone = Special zone
formed = Formed
region-2021 = Region (2021–2025)
region-tdmnpb = Northern midlands and mountains
region-dbsh = Red River Delta
region-btb = North Central
region-dhntb = South Central Coast
region-tn = Central Highlands
region-dnb = Southeast
region-dbscl = Mekong Delta
commune-group-2026 = Commune group (2026–2030)
recognised = Recognised
not-yet = Not yet
target = Target
sponsor = Sponsoring department
leader = Leader in charge
dossier = Dossier
no-dossier = No dossier yet
appraisal-history = Appraisal history

## Province

province-title = Province overview
synthetic-data = Synthetic demo data, illustrative thresholds — not real figures.
province-scoring = Scoring units…
province-from-summary = From the relay's province summary: each commune is evaluated again as soon as its data syncs.
province-waiting = Waiting for the province summary from the relay…
group = Group
group-all = All units
group-target-ntm = Aiming for NTM this year
group-target-advanced = Aiming for advanced or modern this year
group-maintaining = Recognised, maintaining
group-to-reassess = Merged, to re-assess
group-at-risk = At risk of losing the standard
matrix-set = Criteria set
target-progress = { $set } { $year }: { $meeting } of { $target } communes meet every criterion, { $recognised } recognised
no-targets = No commune has registered a target for { $year }.
average-met = On average { $average } of { $total } { $set } criteria met per unit in the group.
matrix-legend = ✓ met · ✗ not met · ? missing data; the small letter is the department's appraisal: M met, N not met, E more evidence needed.
matrix-appraisal = Department appraisal
not-scored-yet = Not summarised yet
verdict-mark-met = M
verdict-mark-not-met = N
verdict-mark-needs-evidence = E
province-totals = On { $date }: { $communes } commune-level units · meeting the NTM criteria in force: { $ntm_now } · recognised: { $recognised } · at risk of not maintaining: { $at_risk } · to re-assess after a merger: { $to_reassess } · targets { $year }: { $target_ntm } NTM, { $target_advanced } advanced, { $target_modern } modern
before-reform = Before the reform (30/06/2025)
unit = Unit
old-district = District (former)
standing = Standing
at-risk = ⚠ At risk
standing-not-recognised = Not recognised
standing-succeeded = Merged into { $by } on { $on }
standing-predecessor-not-met = { $name }: not met
standing-to-reassess = To re-assess (before the merger — { $before })

## The households behind a gap

gap-households = { $count ->
    [one] { $count } household →
   *[other] { $count } households →
}
scope-label = indicator { $indicator } ({ $set })
scope-households = Only the households behind { $label }: { $count }
scope-clear = ✕ Show all

## Values two devices entered differently

decisions-title = Needs a decision
decisions-of = Needs a decision: { $name }
decisions-hint = Two devices entered different values before they synced. Nothing is lost: tap the right value to keep it.
decision-member = Member { $name }: { $field }
decision-income = Income: { $source }
decide-above = pick a value above
this-device = This device
history-title = Change history
history-hint = Every value written to each field: who wrote it, on which device, when (newest first).
history-empty = No changes yet.
history-field = Field
history-value = Value
history-who = Written on
history-more = { $count ->
    [one] { $count } older change not shown.
   *[other] { $count } older changes not shown.
}
other-device = Another device ({ $id })
move-up = Move up
move-down = Move down
field-position = Order

## New version

new-version = A new version of the app is ready. Everything is saved on this device, including what has not synced yet.
new-version-reload = Use the new version
store-newer-version = The data on this device was stored by a newer version of the app. Nothing was deleted: open the app again with a network to get the new version.
indicator-named = Indicator { $indicator }
note = Note
time = Time
gap-works = { $count ->
    [0] See the works →
    [one] { $count } work below standard →
   *[other] { $count } works below standard →
}
gap-attestation = Attest this indicator →

## Appraisal (drill-down into one commune)
appraisal-title = See and appraise one commune
appraisal-commune = Commune, ward
appraisal-pick-commune = — Choose a commune —
appraisal-none-owned = Your department owns no criterion of this set.
appraisal-statement = (attested by { $by }, { $date })
appraisal-photos = { $count ->
    [one]  · 1 photo
   *[other]  · { $count } photos
}
appraisal-your-verdict = Your department's verdict
appraisal-remark = Remark (required unless met)
appraisal-record = Record the verdict
appraisal-saved = Saved on this device; sent when there is a network.
appraisal-remark-required = A remark is required when the criterion is not met or needs more evidence.
appraisal-no-commune = No commune is open.
appraisal-not-owner = Criterion { $criterion } is appraised by { $owner }, not by your department.
appraisal-not-received = The commune's documents are still arriving from the relay; record verdicts once they are here.

## Exports (the relay's files; `ntm_core::export`)
export-sheet-matrix = Criteria matrix
export-title-matrix = Each criterion of every commune and ward — { $set ->
    [ntm] new rural commune
    [advanced] advanced new rural commune
   *[modern] modern new rural commune
} ({ $catalog })
export-code = Unit code
export-name = Unit
export-district = District
export-standing = Recognition
export-target = Target
export-met = Criteria met
export-total = Criteria
export-target-of = { $set ->
    [ntm] NTM
    [advanced] Advanced NTM
   *[modern] Modern NTM
} { $year }
export-cell = { $status ->
    [met] Met
    [not-met] Not met
   *[missing] Data missing
}{ $verdict ->
    [met] {" "}(appraised: met)
    [not-met] {" "}(appraised: not met)
    [needs-evidence] {" "}(appraised: more evidence needed)
   *[none] {""}
}
export-standing-recognised = Recognised { $set ->
    [ntm] NTM
    [advanced] Advanced NTM
   *[modern] Modern NTM
} { $year }
export-standing-not-recognised = Not recognised
export-standing-succeeded = Merged into { $by }
export-standing-to-reassess = Formed by a merger, to re-assess
export-as-of = Data as of { $date }
export-synthetic = Synthetic demo data, not real figures.
export-download = Download Excel table
export-download-csv = Download CSV
export-failed = The table could not be downloaded: { $reason }
