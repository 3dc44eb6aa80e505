// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The FHIR R4 resources and data types a record bundle uses: only the elements the seed's
//! fields map to (see the parent module); unknown elements are ignored when reading.

use super::FhirError;
use serde::{Deserialize, Serialize};
use serde_json::Number;

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
	pub(super) fn id_mut(&mut self) -> &mut Option<String> {
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
