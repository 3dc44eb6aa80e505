//! Health records as FHIR R4 Bundles.
//!
//! The source paper's record has thirteen fields (patient id, gender, age, disease, diagnosis,
//! location, medication, suggestion, next review, notes, date, doctor, hospital id). Storing
//! them as FHIR R4 instead of an ad-hoc JSON shape lets any FHIR-aware system read a decrypted
//! record. [`build_bundle`] maps a [`SeedRecord`] onto a `collection` Bundle and
//! [`seed_fields`] reads it back:
//!
//! | seed field  | FHIR element |
//! |-------------|--------------|
//! | patientId   | `Patient.identifier` (system `urn:ehr-chain:patient`; pseudonymous: the account id) |
//! | gender      | `Patient.gender` (male, female, other, unknown) |
//! | age         | `Observation` LOINC 30525-0 "Age", `valueQuantity` in UCUM `a` (R4 Patient has no age) |
//! | disease     | `Condition.code.text` |
//! | diagnosis   | `Condition.note[0].text` |
//! | location    | `Encounter.location[0].location.display` |
//! | medication  | `MedicationRequest.medicationCodeableConcept.text` |
//! | suggestion  | `CarePlan.description` |
//! | nextReview  | `Appointment.requestedPeriod[0].start` (status `proposed`; `Appointment.start` is read too) |
//! | notes       | `Observation` "Clinical note", `valueString` |
//! | date        | `Encounter.period.start` (also `recordedDate`, `authoredOn`, `effectiveDateTime`) |
//! | doctor      | `Practitioner.identifier` (system `urn:ehr-chain:account`) |
//! | hospitalId  | `Organization.identifier` (system `urn:ehr-chain:account`) |
//!
//! The structs model only the R4 elements used here; other elements are ignored when reading.
//! Entries reference each other by `urn:uuid:` full URLs. Field order is fixed by the struct
//! definitions, so `serde_json::to_vec` of a Bundle is deterministic.

use serde::{Deserialize, Serialize};
use serde_json::Number;

/// Identifier system of the pseudonymous patient id.
pub const PATIENT_SYSTEM: &str = "urn:ehr-chain:patient";
/// Identifier system of on-chain accounts (doctors, hospitals).
pub const ACCOUNT_SYSTEM: &str = "urn:ehr-chain:account";
/// Identifier system of the Bundle's record uuid.
pub const URI_SYSTEM: &str = "urn:ietf:rfc:3986";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// LOINC code of "Age".
pub const LOINC_AGE: &str = "30525-0";
/// UCUM.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// `Observation.code.text` of the free-text clinical note.
pub const CLINICAL_NOTE: &str = "Clinical note";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VER_STATUS: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// What can go wrong building or reading a record bundle.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
	/// A field that must have a value is empty.
	#[error("{0} must not be empty")]
	EmptyField(&'static str),
	/// The gender is not a FHIR administrative-gender code.
	#[error("gender {0:?} is not one of male, female, other, unknown")]
	InvalidGender(String),
	/// A date field is neither `YYYY-MM-DD` nor a FHIR dateTime with time zone.
	#[error("{field} {value:?} is not a date (YYYY-MM-DD) or dateTime (YYYY-MM-DDThh:mm:ssZ)")]
	InvalidDate {
		/// The seed field.
		field: &'static str,
		/// The rejected value.
		value: String,
	},
	/// The age is over 150 years.
	#[error("age {0} is out of range (0 to 150)")]
	AgeOutOfRange(u64),
	/// The age observation does not hold a whole number of years.
	#[error("the age observation does not hold a whole number of years")]
	InvalidAge,
	/// The bundle is not of type `collection`.
	#[error("expected a collection bundle, found type {0:?}")]
	NotACollection(String),
	/// The bundle lacks a resource the record needs.
	#[error("the bundle has no {0}")]
	Missing(&'static str),
	/// The bundle has more than one resource where the record has one.
	#[error("the bundle has more than one {0}")]
	Duplicate(&'static str),
	/// JSON (de)serialisation failed.
	#[error("invalid FHIR JSON: {0}")]
	Json(#[from] serde_json::Error),
}

/// The source paper's record fields, as input to [`build_bundle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRecord {
	/// Pseudonymous patient id (the patient's account).
	pub patient_id: String,
	/// FHIR administrative gender: male, female, other or unknown.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub gender: Option<String>,
	/// Age in years.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub age: Option<u16>,
	/// The disease or problem, as text.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub disease: Option<String>,
	/// The doctor's diagnosis, as text.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub diagnosis: Option<String>,
	/// Where the encounter took place.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub location: Option<String>,
	/// The prescribed medication, as text.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub medication: Option<String>,
	/// The doctor's advice.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub suggestion: Option<String>,
	/// Date (or dateTime) of the next review.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub next_review: Option<String>,
	/// Free-text clinical notes.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub notes: Option<String>,
	/// Date (or dateTime) of the encounter.
	pub date: String,
	/// The doctor's account.
	pub doctor: String,
	/// The hospital's account.
	pub hospital_id: String,
}

/// `Bundle.resourceType`; (de)serialises as `"Bundle"` and refuses anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BundleResourceType {
	/// The only value.
	#[default]
	Bundle,
}

/// FHIR R4 Bundle (the elements used here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
	/// Always `Bundle`.
	pub resource_type: BundleResourceType,
	/// `urn:uuid:<record uuid>` in system `urn:ietf:rfc:3986`.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub identifier: Option<Identifier>,
	/// Bundle type; `collection` for records.
	#[serde(rename = "type")]
	pub bundle_type: String,
	/// When the bundle was assembled (FHIR instant).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub timestamp: Option<String>,
	/// The resources.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub entry: Vec<BundleEntry>,
}

/// One Bundle entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
	/// `urn:uuid:<resource id>`.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub full_url: Option<String>,
	/// The resource.
	pub resource: Resource,
}

/// The resource types a record uses, tagged by `resourceType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
	Patient(Patient),
	Practitioner(Practitioner),
	Organization(Organization),
	Encounter(Encounter),
	Condition(Condition),
	MedicationRequest(MedicationRequest),
	CarePlan(CarePlan),
	Appointment(Appointment),
	Observation(Observation),
}

/// Declares a FHIR data type or resource: camelCase, absent options and empty lists omitted.
macro_rules! fhir_struct {
	($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident : $type:ty),* $(,)? }) => {
		$(#[$meta])*
		#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
		#[serde(rename_all = "camelCase")]
		pub struct $name {
			$(
				$(#[$field_meta])*
				#[serde(default, skip_serializing_if = "is_default")]
				pub $field: $type,
			)*
		}
	};
}

/// Whether a field is left out of the JSON: absent options, empty lists and strings.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
	*value == T::default()
}

fhir_struct!(
	/// Narrative text.
	Narrative { status: String, div: String }
);
fhir_struct!(
	/// Identifier.
	Identifier {
		#[serde(rename = "use")]
		use_: Option<String>,
		system: Option<String>,
		value: Option<String>,
	}
);
fhir_struct!(
	/// Coding.
	Coding { system: Option<String>, code: Option<String>, display: Option<String> }
);
fhir_struct!(
	/// CodeableConcept.
	CodeableConcept { coding: Vec<Coding>, text: Option<String> }
);
fhir_struct!(
	/// Reference.
	Reference { reference: Option<String>, display: Option<String> }
);
fhir_struct!(
	/// Period.
	Period { start: Option<String>, end: Option<String> }
);
fhir_struct!(
	/// Annotation.
	Annotation { text: String }
);
fhir_struct!(
	/// Quantity; the value keeps its JSON number form (185 stays 185, 6.3 stays 6.3).
	Quantity {
		value: Option<Number>,
		unit: Option<String>,
		system: Option<String>,
		code: Option<String>,
	}
);
fhir_struct!(
	/// Patient.
	Patient {
		id: Option<String>,
		text: Option<Narrative>,
		identifier: Vec<Identifier>,
		active: Option<bool>,
		gender: Option<String>,
		birth_date: Option<String>,
	}
);
fhir_struct!(
	/// Practitioner.
	Practitioner { id: Option<String>, text: Option<Narrative>, identifier: Vec<Identifier> }
);
fhir_struct!(
	/// Organization.
	Organization {
		id: Option<String>,
		text: Option<Narrative>,
		identifier: Vec<Identifier>,
		name: Option<String>,
	}
);
fhir_struct!(
	/// Encounter.participant.
	EncounterParticipant { period: Option<Period>, individual: Option<Reference> }
);
fhir_struct!(
	/// Encounter.location.
	EncounterLocation { location: Reference, status: Option<String>, period: Option<Period> }
);
fhir_struct!(
	/// Encounter.
	Encounter {
		id: Option<String>,
		text: Option<Narrative>,
		status: String,
		class: Coding,
		subject: Option<Reference>,
		participant: Vec<EncounterParticipant>,
		period: Option<Period>,
		location: Vec<EncounterLocation>,
		service_provider: Option<Reference>,
	}
);
fhir_struct!(
	/// Condition.
	Condition {
		id: Option<String>,
		text: Option<Narrative>,
		clinical_status: Option<CodeableConcept>,
		verification_status: Option<CodeableConcept>,
		category: Vec<CodeableConcept>,
		code: Option<CodeableConcept>,
		subject: Reference,
		encounter: Option<Reference>,
		onset_date_time: Option<String>,
		recorded_date: Option<String>,
		recorder: Option<Reference>,
		note: Vec<Annotation>,
	}
);
fhir_struct!(
	/// MedicationRequest.
	MedicationRequest {
		id: Option<String>,
		text: Option<Narrative>,
		status: String,
		intent: String,
		medication_codeable_concept: Option<CodeableConcept>,
		subject: Reference,
		encounter: Option<Reference>,
		authored_on: Option<String>,
		requester: Option<Reference>,
	}
);
fhir_struct!(
	/// CarePlan.
	CarePlan {
		id: Option<String>,
		text: Option<Narrative>,
		status: String,
		intent: String,
		category: Vec<CodeableConcept>,
		description: Option<String>,
		subject: Reference,
		encounter: Option<Reference>,
		period: Option<Period>,
	}
);
fhir_struct!(
	/// Appointment.participant.
	AppointmentParticipant { actor: Option<Reference>, required: Option<String>, status: String }
);
fhir_struct!(
	/// Appointment.
	Appointment {
		id: Option<String>,
		text: Option<Narrative>,
		status: String,
		description: Option<String>,
		start: Option<String>,
		end: Option<String>,
		created: Option<String>,
		comment: Option<String>,
		participant: Vec<AppointmentParticipant>,
		requested_period: Vec<Period>,
	}
);
fhir_struct!(
	/// Observation.
	Observation {
		id: Option<String>,
		text: Option<Narrative>,
		status: String,
		category: Vec<CodeableConcept>,
		code: CodeableConcept,
		subject: Option<Reference>,
		encounter: Option<Reference>,
		effective_date_time: Option<String>,
		performer: Vec<Reference>,
		value_quantity: Option<Quantity>,
		value_string: Option<String>,
	}
);

impl Bundle {
	/// Compact JSON, fields in struct order.
	pub fn to_json(&self) -> Result<Vec<u8>, FhirError> {
		Ok(serde_json::to_vec(self)?)
	}

	/// Parses a Bundle from JSON.
	pub fn from_json(bytes: &[u8]) -> Result<Bundle, FhirError> {
		Ok(serde_json::from_slice(bytes)?)
	}
}

impl Resource {
	fn id_mut(&mut self) -> &mut Option<String> {
		match self {
			Resource::Patient(resource) => &mut resource.id,
			Resource::Practitioner(resource) => &mut resource.id,
			Resource::Organization(resource) => &mut resource.id,
			Resource::Encounter(resource) => &mut resource.id,
			Resource::Condition(resource) => &mut resource.id,
			Resource::MedicationRequest(resource) => &mut resource.id,
			Resource::CarePlan(resource) => &mut resource.id,
			Resource::Appointment(resource) => &mut resource.id,
			Resource::Observation(resource) => &mut resource.id,
		}
	}
}

/// The 8-4-4-4-12 lower-case hex form of a uuid.
pub fn format_uuid(uuid: &[u8; 16]) -> String {
	let hex = hex::encode(uuid);
	format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Parses the 8-4-4-4-12 hex form of a uuid.
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
	let dashes: Vec<usize> = text.match_indices('-').map(|(index, _)| index).collect();
	if text.len() != 36 || dashes != [8, 13, 18, 23] {
		return None;
	}
	let mut uuid = [0u8; 16];
	hex::decode_to_slice(text.replace('-', ""), &mut uuid).ok()?;
	Some(uuid)
}

/// Whether `text` is `width` ASCII digits whose value is in `range`.
fn number_in(text: &str, width: usize, range: std::ops::RangeInclusive<u32>) -> bool {
	text.len() == width
		&& text.bytes().all(|byte| byte.is_ascii_digit())
		&& text.parse().is_ok_and(|value| range.contains(&value))
}

/// Whether `text` is a full FHIR date, `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
	let parts: Vec<&str> = text.split('-').collect();
	let [year, month, day] = parts.as_slice() else { return false };
	if !(number_in(year, 4, 1..=9999) && number_in(month, 2, 1..=12)) {
		return false;
	}
	let (year, month): (u32, u32) = (year.parse().unwrap_or(0), month.parse().unwrap_or(0));
	let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	let days = match month {
		2 if leap => 29,
		2 => 28,
		4 | 6 | 9 | 11 => 30,
		_ => 31,
	};
	number_in(day, 2, 1..=days)
}

/// Whether `text` is a FHIR dateTime with a time: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
fn is_date_time(text: &str) -> bool {
	// ASCII only, so the byte slicing below stays on character boundaries.
	if !text.is_ascii() {
		return false;
	}
	let Some((date, time)) = text.split_once('T') else { return false };
	let Some(zone_start) = time.find(['Z', '+', '-']) else { return false };
	let (clock, zone) = time.split_at(zone_start);
	// Offsets run from -14:00 to +14:00.
	let zone_ok = zone == "Z"
		|| (zone.len() == 6
			&& &zone[3..4] == ":"
			&& ((number_in(&zone[1..3], 2, 0..=13) && number_in(&zone[4..6], 2, 0..=59))
				|| &zone[1..] == "14:00"));
	let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
	let fraction_ok = !fraction.is_empty() && fraction.bytes().all(|byte| byte.is_ascii_digit());
	let fields: Vec<&str> = whole.split(':').collect();
	let [hours, minutes, seconds] = fields.as_slice() else { return false };
	is_date(date)
		&& zone_ok
		&& fraction_ok
		&& number_in(hours, 2, 0..=23)
		&& number_in(minutes, 2, 0..=59)
		&& number_in(seconds, 2, 0..=60)
}

/// Whether `text` is a FHIR date of year or month precision, `YYYY` or `YYYY-MM`.
fn is_partial_date(text: &str) -> bool {
	match text.split_once('-') {
		None => number_in(text, 4, 1..=9999),
		Some((year, month)) => number_in(year, 4, 1..=9999) && number_in(month, 2, 1..=12),
	}
}

/// The seed's dates become FHIR dateTimes, which may be a year, a month, a day, or a day
/// with a time and zone.
fn check_date(field: &'static str, value: &str) -> Result<(), FhirError> {
	if is_partial_date(value) || is_date(value) || is_date_time(value) {
		Ok(())
	} else {
		Err(FhirError::InvalidDate { field, value: value.into() })
	}
}

fn validate(record: &SeedRecord) -> Result<(), FhirError> {
	let required = [
		("patientId", &record.patient_id),
		("doctor", &record.doctor),
		("hospitalId", &record.hospital_id),
		("date", &record.date),
	];
	if let Some((field, _)) = required.iter().find(|(_, value)| value.trim().is_empty()) {
		return Err(FhirError::EmptyField(field));
	}
	let optional = [
		("disease", &record.disease),
		("diagnosis", &record.diagnosis),
		("location", &record.location),
		("medication", &record.medication),
		("suggestion", &record.suggestion),
		("notes", &record.notes),
	];
	let is_blank =
		|value: &&Option<String>| value.as_deref().is_some_and(|text| text.trim().is_empty());
	if let Some((field, _)) = optional.iter().find(|(_, value)| is_blank(value)) {
		return Err(FhirError::EmptyField(field));
	}
	if let Some(gender) =
		record.gender.as_ref().filter(|gender| !GENDERS.contains(&gender.as_str()))
	{
		return Err(FhirError::InvalidGender(gender.clone()));
	}
	if let Some(age) = record.age.filter(|age| *age > 150) {
		return Err(FhirError::AgeOutOfRange(age.into()));
	}
	check_date("date", &record.date)?;
	record.next_review.as_ref().map_or(Ok(()), |when| check_date("nextReview", when))
}

/// Formats seconds since the Unix epoch as a FHIR instant in UTC.
fn format_instant(unix_seconds: u64) -> String {
	let (days, seconds) = (unix_seconds / 86_400, unix_seconds % 86_400);
	// Civil date from days since 1970-01-01 (proleptic Gregorian, counted in 400-year eras).
	let shifted = days + 719_468;
	let (era, day_of_era) = (shifted / 146_097, shifted % 146_097);
	let year_of_era =
		(day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
	let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	let month_from_march = (5 * day_of_year + 2) / 153;
	let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
	let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
	let year = year_of_era + era * 400 + u64::from(month <= 2);
	let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
	format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

fn text_concept(text: &str) -> CodeableConcept {
	CodeableConcept { text: Some(text.into()), coding: Vec::new() }
}

fn coded(system: &str, code: &str, display: Option<&str>) -> CodeableConcept {
	let coding = Coding {
		system: Some(system.into()),
		code: Some(code.into()),
		display: display.map(Into::into),
	};
	CodeableConcept { coding: vec![coding], text: display.map(Into::into) }
}

fn identifier(system: &str, value: &str) -> Identifier {
	Identifier { system: Some(system.into()), value: Some(value.into()), use_: None }
}

/// Builds the Bundle of one record version; `record_uuid` is the blob header's uuid.
pub fn build_bundle(record: &SeedRecord, record_uuid: [u8; 16]) -> Result<Bundle, FhirError> {
	validate(record)?;
	let mut entry = Vec::new();
	// Each resource gets a fresh uuid as its id and `urn:uuid:` full URL.
	let mut add = |mut resource: Resource| {
		let id = format_uuid(&crate::crypto::new_record_uuid());
		let url = format!("urn:uuid:{id}");
		*resource.id_mut() = Some(id);
		entry.push(BundleEntry { full_url: Some(url.clone()), resource });
		Reference { reference: Some(url), display: None }
	};
	let patient = add(Resource::Patient(Patient {
		identifier: vec![identifier(PATIENT_SYSTEM, &record.patient_id)],
		gender: record.gender.clone(),
		..Default::default()
	}));
	let doctor = add(Resource::Practitioner(Practitioner {
		identifier: vec![identifier(ACCOUNT_SYSTEM, &record.doctor)],
		..Default::default()
	}));
	let hospital = add(Resource::Organization(Organization {
		identifier: vec![identifier(ACCOUNT_SYSTEM, &record.hospital_id)],
		..Default::default()
	}));
	let date = Some(record.date.clone());
	let encounter = add(Resource::Encounter(Encounter {
		status: "finished".into(),
		class: Coding {
			system: Some(ACT_CODE.into()),
			code: Some("AMB".into()),
			display: Some("ambulatory".into()),
		},
		subject: Some(patient.clone()),
		participant: vec![EncounterParticipant { individual: Some(doctor.clone()), period: None }],
		period: Some(Period { start: date.clone(), end: None }),
		location: record
			.location
			.iter()
			.map(|place| EncounterLocation {
				location: Reference { display: Some(place.clone()), reference: None },
				..Default::default()
			})
			.collect(),
		service_provider: Some(hospital),
		..Default::default()
	}));
	let observation = |code: CodeableConcept| Observation {
		status: "final".into(),
		code,
		subject: Some(patient.clone()),
		encounter: Some(encounter.clone()),
		effective_date_time: date.clone(),
		performer: vec![doctor.clone()],
		..Default::default()
	};
	let mut resources = Vec::new();
	if let Some(years) = record.age {
		let value_quantity = Some(Quantity {
			value: Some(Number::from(years)),
			unit: Some("a".into()),
			system: Some(UCUM.into()),
			code: Some("a".into()),
		});
		let code = coded(LOINC, LOINC_AGE, Some("Age"));
		resources.push(Resource::Observation(Observation { value_quantity, ..observation(code) }));
	}
	if record.disease.is_some() || record.diagnosis.is_some() {
		resources.push(Resource::Condition(Condition {
			clinical_status: Some(coded(CONDITION_CLINICAL, "active", None)),
			verification_status: Some(coded(CONDITION_VER_STATUS, "confirmed", None)),
			category: vec![coded(CONDITION_CATEGORY, "encounter-diagnosis", None)],
			code: record.disease.as_deref().map(text_concept),
			subject: patient.clone(),
			encounter: Some(encounter.clone()),
			recorded_date: date.clone(),
			recorder: Some(doctor.clone()),
			note: record.diagnosis.iter().map(|text| Annotation { text: text.clone() }).collect(),
			..Default::default()
		}));
	}
	if let Some(medication) = &record.medication {
		resources.push(Resource::MedicationRequest(MedicationRequest {
			status: "active".into(),
			intent: "order".into(),
			medication_codeable_concept: Some(text_concept(medication)),
			subject: patient.clone(),
			encounter: Some(encounter.clone()),
			authored_on: date.clone(),
			requester: Some(doctor.clone()),
			..Default::default()
		}));
	}
	if let Some(suggestion) = &record.suggestion {
		resources.push(Resource::CarePlan(CarePlan {
			status: "active".into(),
			intent: "plan".into(),
			description: Some(suggestion.clone()),
			subject: patient.clone(),
			encounter: Some(encounter.clone()),
			..Default::default()
		}));
	}
	if let Some(when) = &record.next_review {
		let participant = |actor: &Reference| AppointmentParticipant {
			actor: Some(actor.clone()),
			status: "needs-action".into(),
			required: None,
		};
		// A proposed review has a wanted time, not a booked slot: Appointment.start needs an
		// end too (invariant app-2), which the seed does not give, so the time goes in
		// requestedPeriod, whatever its precision.
		let requested = Period { start: Some(when.clone()), end: None };
		resources.push(Resource::Appointment(Appointment {
			status: "proposed".into(),
			start: None,
			requested_period: vec![requested],
			participant: vec![participant(&patient), participant(&doctor)],
			..Default::default()
		}));
	}
	if let Some(notes) = &record.notes {
		let note = Observation {
			value_string: Some(notes.clone()),
			..observation(text_concept(CLINICAL_NOTE))
		};
		resources.push(Resource::Observation(note));
	}
	for resource in resources {
		add(resource);
	}
	let now = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |elapsed| elapsed.as_secs());
	Ok(Bundle {
		resource_type: BundleResourceType::Bundle,
		identifier: Some(identifier(
			URI_SYSTEM,
			&format!("urn:uuid:{}", format_uuid(&record_uuid)),
		)),
		bundle_type: "collection".into(),
		timestamp: Some(format_instant(now)),
		entry,
	})
}

/// The record uuid from a Bundle's identifier (to check it against the blob header).
pub fn bundle_record_uuid(bundle: &Bundle) -> Result<[u8; 16], FhirError> {
	bundle
		.identifier
		.as_ref()
		.and_then(|identifier| identifier.value.as_deref()?.strip_prefix("urn:uuid:"))
		.and_then(parse_uuid)
		.ok_or(FhirError::Missing("urn:uuid identifier"))
}

/// At most one of the matching items; more would be ambiguous.
fn at_most_one<'a, T: 'a>(
	mut items: impl Iterator<Item = &'a T>,
	name: &'static str,
) -> Result<Option<&'a T>, FhirError> {
	let first = items.next();
	match items.next() {
		Some(_) => Err(FhirError::Duplicate(name)),
		None => Ok(first),
	}
}

fn identifier_value(identifiers: &[Identifier], system: &str) -> Option<String> {
	let found = identifiers.iter().find(|identifier| identifier.system.as_deref() == Some(system));
	found.and_then(|identifier| identifier.value.clone())
}

/// Reads the seed fields back from a record Bundle made by [`build_bundle`].
pub fn seed_fields(bundle: &Bundle) -> Result<SeedRecord, FhirError> {
	if bundle.bundle_type != "collection" {
		return Err(FhirError::NotACollection(bundle.bundle_type.clone()));
	}
	macro_rules! all {
		($variant:ident) => {
			bundle.entry.iter().filter_map(|entry| match &entry.resource {
				Resource::$variant(inner) => Some(inner),
				_ => None,
			})
		};
	}
	macro_rules! single {
		($variant:ident) => {
			at_most_one(all!($variant), stringify!($variant))?
		};
	}
	let patient = single!(Patient).ok_or(FhirError::Missing("Patient"))?;
	let doctor = single!(Practitioner).ok_or(FhirError::Missing("Practitioner"))?;
	let hospital = single!(Organization).ok_or(FhirError::Missing("Organization"))?;
	let encounter = single!(Encounter).ok_or(FhirError::Missing("Encounter"))?;
	let (condition, medication) = (single!(Condition), single!(MedicationRequest));
	let (care_plan, appointment) = (single!(CarePlan), single!(Appointment));
	let is_age = |observation: &&Observation| {
		observation.code.coding.iter().any(|coding| {
			coding.system.as_deref() == Some(LOINC) && coding.code.as_deref() == Some(LOINC_AGE)
		})
	};
	let is_note = |observation: &&Observation| {
		observation.code.coding.is_empty()
			&& observation.code.text.as_deref() == Some(CLINICAL_NOTE)
	};
	let age = match at_most_one(all!(Observation).filter(is_age), "age Observation")? {
		Some(observation) => {
			let value =
				observation.value_quantity.as_ref().and_then(|quantity| quantity.value.as_ref());
			let years = value.and_then(Number::as_u64).ok_or(FhirError::InvalidAge)?;
			let in_range = u16::try_from(years).ok().filter(|years| *years <= 150);
			Some(in_range.ok_or(FhirError::AgeOutOfRange(years))?)
		}
		None => None,
	};
	let notes = at_most_one(all!(Observation).filter(is_note), "clinical-note Observation")?;
	let next_review = appointment.and_then(|appointment| {
		appointment.start.clone().or_else(|| appointment.requested_period.first()?.start.clone())
	});
	let missing = FhirError::Missing;
	Ok(SeedRecord {
		patient_id: identifier_value(&patient.identifier, PATIENT_SYSTEM)
			.ok_or(missing("patient identifier"))?,
		gender: patient.gender.clone(),
		age,
		disease: condition.and_then(|condition| condition.code.as_ref()?.text.clone()),
		diagnosis: condition.and_then(|condition| Some(condition.note.first()?.text.clone())),
		location: encounter.location.first().and_then(|location| location.location.display.clone()),
		medication: medication
			.and_then(|request| request.medication_codeable_concept.as_ref()?.text.clone()),
		suggestion: care_plan.and_then(|plan| plan.description.clone()),
		next_review,
		notes: notes.and_then(|observation| observation.value_string.clone()),
		date: encounter
			.period
			.as_ref()
			.and_then(|period| period.start.clone())
			.ok_or(missing("Encounter.period.start"))?,
		doctor: identifier_value(&doctor.identifier, ACCOUNT_SYSTEM)
			.ok_or(missing("doctor identifier"))?,
		hospital_id: identifier_value(&hospital.identifier, ACCOUNT_SYSTEM)
			.ok_or(missing("hospital identifier"))?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	fn full_record() -> SeedRecord {
		SeedRecord {
			patient_id: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
			gender: Some("female".into()),
			age: Some(47),
			disease: Some("Type 2 diabetes mellitus".into()),
			diagnosis: Some("HbA1c 8.1 %, fasting glucose 9.2 mmol/L".into()),
			location: Some("Outpatient clinic, room 12".into()),
			medication: Some("Metformin 500 mg twice daily".into()),
			suggestion: Some("Low-sugar diet, 30 minutes of walking a day".into()),
			next_review: Some("2024-06-01".into()),
			notes: Some("Patient reports \"tiredness\"; follow up on eyesight.".into()),
			date: "2024-03-01T09:30:00+05:30".into(),
			doctor: "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y".into(),
			hospital_id: "5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY".into(),
		}
	}

	fn minimal_record() -> SeedRecord {
		SeedRecord {
			patient_id: "patient-1".into(),
			gender: None,
			age: None,
			disease: None,
			diagnosis: None,
			location: None,
			medication: None,
			suggestion: None,
			next_review: None,
			notes: None,
			date: "2024-03-01".into(),
			doctor: "doctor-1".into(),
			hospital_id: "hospital-1".into(),
		}
	}

	fn json_round_trip(record: &SeedRecord) -> (Bundle, SeedRecord) {
		let uuid = crate::crypto::new_record_uuid();
		let bundle = build_bundle(record, uuid).unwrap();
		let parsed = Bundle::from_json(&bundle.to_json().unwrap()).unwrap();
		assert_eq!(parsed, bundle);
		assert_eq!(bundle_record_uuid(&parsed).unwrap(), uuid);
		let fields = seed_fields(&parsed).unwrap();
		(parsed, fields)
	}

	#[test]
	fn full_record_round_trips() {
		let record = full_record();
		let (bundle, fields) = json_round_trip(&record);
		assert_eq!(fields, record);
		assert_eq!(bundle.entry.len(), 10);
		let appointment = bundle.entry.iter().find_map(|entry| match &entry.resource {
			Resource::Appointment(appointment) => Some(appointment),
			_ => None,
		});
		let appointment = appointment.unwrap();
		assert_eq!(appointment.start, None);
		assert_eq!(appointment.requested_period[0].start.as_deref(), Some("2024-06-01"));
	}

	#[test]
	fn timed_next_review_is_a_requested_period_without_start() {
		let record =
			SeedRecord { next_review: Some("2024-06-01T10:00:00Z".into()), ..full_record() };
		let (bundle, fields) = json_round_trip(&record);
		assert_eq!(fields, record);
		let json = String::from_utf8(bundle.to_json().unwrap()).unwrap();
		// app-2: start only together with end, which the seed does not have.
		assert!(!json.contains(r#""start":"2024-06-01T10:00:00Z","participant""#), "{json}");
		assert!(json.contains(r#""requestedPeriod":[{"start":"2024-06-01T10:00:00Z"}]"#), "{json}");
	}

	#[test]
	fn minimal_record_round_trips() {
		let record = minimal_record();
		let (bundle, fields) = json_round_trip(&record);
		assert_eq!(fields, record);
		assert_eq!(bundle.entry.len(), 4);
	}

	#[test]
	fn bundle_shape() {
		let bundle = build_bundle(&full_record(), [0x11; 16]).unwrap();
		let json: serde_json::Value = serde_json::from_slice(&bundle.to_json().unwrap()).unwrap();
		assert_eq!(json["resourceType"], "Bundle");
		assert_eq!(json["type"], "collection");
		assert_eq!(json["identifier"]["system"], "urn:ietf:rfc:3986");
		assert_eq!(json["identifier"]["value"], "urn:uuid:11111111-1111-1111-1111-111111111111");
		let timestamp = json["timestamp"].as_str().unwrap();
		assert!(is_date_time(timestamp) && timestamp.ends_with('Z'), "{timestamp}");
		// Every reference points at an entry of the bundle, and ids match full URLs.
		let urls: Vec<&str> = json["entry"]
			.as_array()
			.unwrap()
			.iter()
			.map(|entry| entry["fullUrl"].as_str().unwrap())
			.collect();
		for entry in json["entry"].as_array().unwrap() {
			let id = entry["resource"]["id"].as_str().unwrap();
			assert_eq!(entry["fullUrl"], format!("urn:uuid:{id}"));
			assert_eq!(parse_uuid(id).map(|uuid| uuid[6] >> 4), Some(4));
		}
		let text = json.to_string();
		for reference in text.split(r#""reference":""#).skip(1) {
			let target = &reference[..reference.find('"').unwrap()];
			assert!(urls.contains(&target), "dangling reference {target}");
		}
		let age = &json["entry"][4]["resource"];
		assert_eq!(age["code"]["coding"][0]["code"], "30525-0");
		assert_eq!(
			age["valueQuantity"],
			serde_json::json!({"value": 47, "unit": "a", "system": UCUM, "code": "a"})
		);
	}

	#[test]
	fn serialization_is_deterministic() {
		let bundle = build_bundle(&full_record(), [1; 16]).unwrap();
		let bytes = bundle.to_json().unwrap();
		assert_eq!(bytes, bundle.clone().to_json().unwrap());
		assert!(bytes.starts_with(br#"{"resourceType":"Bundle","identifier":"#));
	}

	#[test]
	fn validation_names_the_field() {
		let check = |record: SeedRecord| build_bundle(&record, [0; 16]).unwrap_err().to_string();
		let base = full_record;
		assert!(check(SeedRecord { gender: Some("M".into()), ..base() }).contains("\"M\""));
		assert!(check(SeedRecord { age: Some(151), ..base() }).contains("151"));
		assert!(check(SeedRecord { doctor: " ".into(), ..base() }).starts_with("doctor"));
		assert!(check(SeedRecord { notes: Some(String::new()), ..base() }).starts_with("notes"));
		for date in
			["2024-02-30", "24-01-01", "2024-1-01", "2024-03-01T09:30", "2024-03-01T25:00:00Z"]
		{
			let error = check(SeedRecord { date: date.into(), ..base() });
			assert!(error.starts_with("date") && error.contains(date), "{error}");
		}
		let error = check(SeedRecord { next_review: Some("next week".into()), ..base() });
		assert!(error.starts_with("nextReview"), "{error}");
		assert!(build_bundle(&SeedRecord { date: "2024-02-29".into(), ..base() }, [0; 16]).is_ok());
		assert!(!is_date("2023-02-29") && !is_date_time("2024-03-01T09:30:00+1é:00"));
		assert!(is_date_time("2024-03-01T23:59:60.123456789123-14:00"));
		assert!(
			!is_date_time("2024-03-01T12:00:00+14:30")
				&& !is_date_time("2024-03-01T12:00:00+15:00")
		);
		assert!(is_partial_date("2024") && is_partial_date("2024-12"));
		assert!(
			!is_partial_date("2024-13") && !is_partial_date("24") && !is_partial_date("2024-1")
		);
	}

	#[test]
	fn seed_input_rejects_unknown_fields() {
		let json =
			r#"{"patientId":"p","date":"2024-01-01","doctor":"d","hospitalId":"h","weight":80}"#;
		assert!(serde_json::from_str::<SeedRecord>(json).is_err());
	}

	#[test]
	fn seed_fields_errors() {
		let mut bundle = build_bundle(&full_record(), [2; 16]).unwrap();
		let patient = bundle.entry[0].clone();
		bundle.entry.push(patient);
		assert!(matches!(seed_fields(&bundle), Err(FhirError::Duplicate("Patient"))));
		bundle.entry.retain(|entry| !matches!(entry.resource, Resource::Patient(_)));
		assert!(matches!(seed_fields(&bundle), Err(FhirError::Missing("Patient"))));
		bundle.bundle_type = "document".into();
		assert!(matches!(seed_fields(&bundle), Err(FhirError::NotACollection(_))));
		let wrong_type = br#"{"resourceType":"Patient","type":"collection"}"#;
		assert!(Bundle::from_json(wrong_type).is_err());
	}

	#[test]
	fn instants_and_uuids() {
		assert_eq!(format_instant(0), "1970-01-01T00:00:00Z");
		assert_eq!(format_instant(951_782_400), "2000-02-29T00:00:00Z");
		assert_eq!(format_instant(1_700_000_000), "2023-11-14T22:13:20Z");
		assert_eq!(format_instant(4_102_444_799), "2099-12-31T23:59:59Z");
		let uuid = crate::crypto::new_record_uuid();
		assert_eq!(parse_uuid(&format_uuid(&uuid)), Some(uuid));
		assert_eq!(format_uuid(&[0xab; 16]), "abababab-abab-abab-abab-abababababab");
		assert_eq!(parse_uuid("abababababab-abab-abab-abab-abababab"), None);
	}

	/// Each fixture is modelled on the HL7 FHIR R4 example at the URL above it, cut down to the
	/// elements modelled here; reading and writing it must give back the same JSON.
	#[test]
	fn hl7_examples_round_trip() {
		let fixtures = [
			// https://hl7.org/fhir/R4/patient-example.json.html
			include_str!("../tests/fixtures/fhir/patient-example.json"),
			// https://hl7.org/fhir/R4/condition-example.json.html
			include_str!("../tests/fixtures/fhir/condition-example.json"),
			// https://hl7.org/fhir/R4/encounter-example-home.json.html
			include_str!("../tests/fixtures/fhir/encounter-example-home.json"),
			// https://hl7.org/fhir/R4/medicationrequest0324.json.html
			include_str!("../tests/fixtures/fhir/medicationrequest0324.json"),
			// https://hl7.org/fhir/R4/careplan-example.json.html
			include_str!("../tests/fixtures/fhir/careplan-example.json"),
			// https://hl7.org/fhir/R4/appointment-example.json.html
			include_str!("../tests/fixtures/fhir/appointment-example.json"),
			// https://hl7.org/fhir/R4/appointment-example-request.json.html
			include_str!("../tests/fixtures/fhir/appointment-example-request.json"),
			// https://hl7.org/fhir/R4/observation-example.json.html
			include_str!("../tests/fixtures/fhir/observation-example.json"),
		];
		for fixture in fixtures {
			let original: serde_json::Value = serde_json::from_str(fixture).unwrap();
			let resource: Resource = serde_json::from_value(original.clone()).unwrap();
			assert_eq!(serde_json::to_value(&resource).unwrap(), original, "{}", original["id"]);
		}
	}
}
