// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
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

mod resources;

pub use resources::*;
use serde::{Deserialize, Serialize};
use serde_json::Number;
use time::{format_description::well_known::Rfc3339, macros::format_description};

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

/// The 8-4-4-4-12 lower-case hex form of a uuid.
pub fn format_uuid(uuid: &[u8; 16]) -> String {
	uuid::Uuid::from_bytes(*uuid).hyphenated().to_string()
}

/// Parses the 8-4-4-4-12 hex form of a uuid (only that form: not braced, `urn:` or bare).
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
	let dashes: Vec<usize> = text.match_indices('-').map(|(index, _)| index).collect();
	if text.len() != 36 || dashes != [8, 13, 18, 23] {
		return None;
	}
	uuid::Uuid::try_parse(text).ok().map(uuid::Uuid::into_bytes)
}

/// Whether `text` is a full FHIR date, `YYYY-MM-DD` (a real calendar day, year 0001–9999).
fn is_date(text: &str) -> bool {
	// `time` also reads signed and longer years; FHIR's are exactly four digits.
	let shape_ok = text.len() == 10
		&& text.bytes().enumerate().all(|(i, b)| {
			if i == 4 || i == 7 {
				b == b'-'
			} else {
				b.is_ascii_digit()
			}
		});
	shape_ok
		&& !text.starts_with("0000")
		&& time::Date::parse(text, format_description!("[year]-[month]-[day]")).is_ok()
}

/// Whether `text` is a FHIR dateTime with a time: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`,
/// which is RFC 3339 with an upper-case `T` and `Z` and offsets within ±14:00.
fn is_date_time(text: &str) -> bool {
	// ASCII only, so the byte slicing below stays on character boundaries.
	if !text.is_ascii() {
		return false;
	}
	let Some((date, _)) = text.split_once('T') else { return false };
	// FHIR allows a leap second (`:60`) on any day; `time` only where one really was.
	let leap_second = text.get(16..19) == Some(":60");
	let text_to_parse =
		if leap_second { format!("{}:59{}", &text[..16], &text[19..]) } else { text.into() };
	let Ok(parsed) = time::OffsetDateTime::parse(&text_to_parse, &Rfc3339) else { return false };
	let offset = parsed.offset();
	let offset_ok = offset.whole_hours().abs() < 14
		|| (offset.whole_hours().abs() == 14 && offset.minutes_past_hour() == 0);
	is_date(date) && !text.ends_with('z') && offset_ok
}

/// Whether `text` is a FHIR date of year or month precision, `YYYY` or `YYYY-MM`.
fn is_partial_date(text: &str) -> bool {
	match text.len() {
		4 => is_date(&format!("{text}-01-01")),
		7 => is_date(&format!("{text}-01")),
		_ => false,
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

/// Formats seconds since the Unix epoch as a FHIR instant in UTC (`…T…Z`).
fn format_instant(unix_seconds: u64) -> String {
	i64::try_from(unix_seconds)
		.ok()
		.and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
		.and_then(|instant| instant.format(&Rfc3339).ok())
		.unwrap_or_else(|| "9999-12-31T23:59:59Z".into())
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
	let now = ehr_primitives::unix_millis_now() / 1000;
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
mod tests;
