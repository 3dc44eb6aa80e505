// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The values the `ehr` command accepts for ehr-chain's enums, as `clap::ValueEnum`s: their
//! names (kebab-case) are what `--help` and shell completions list and what a wrong value's
//! error suggests. Each mirrors an `ehr-primitives` enum variant for variant, with a match
//! each way, so a variant added to the chain's enum does not compile until it is named here.
//!
//! Parsing is lenient as the command always was: case, `-` and `_` do not matter
//! (`medication-request`, `MedicationRequest` and `medication_request` are one value); see
//! [`crate::parsers::Lenient`].

use clap::ValueEnum;
use ehr_primitives::{
	records::{Category, EmergencyReason, Purpose, RecordRejection, RequestReason},
	registry::{ApplicantRole, Role},
};

/// A `ValueEnum` with the same variants as `$target`, and `From` both ways.
macro_rules! mirror {
	(
		$(#[$meta:meta])*
		$name:ident => $target:ident {
			$($(#[$variant_meta:meta])* $variant:ident,)*
		}
	) => {
		$(#[$meta])*
		#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
		pub enum $name {
			$($(#[$variant_meta])* $variant,)*
		}

		impl From<$name> for $target {
			fn from(value: $name) -> Self {
				match value {
					$($name::$variant => $target::$variant,)*
				}
			}
		}

		impl From<$target> for $name {
			fn from(value: $target) -> Self {
				match value {
					$($target::$variant => $name::$variant,)*
				}
			}
		}
	};
}

mirror! {
	/// A record's kind (its FHIR resource).
	CategoryArg => Category {
		/// A diagnosis, problem or health concern.
		Condition,
		/// A prescription.
		MedicationRequest,
		/// A visit: where, when, with whom.
		Encounter,
		/// A plan of care.
		CarePlan,
		/// A scheduled visit.
		Appointment,
		/// A measurement or finding; clinical notes.
		Observation,
		/// A report of diagnostic tests.
		DiagnosticReport,
		/// An allergy or intolerance.
		AllergyIntolerance,
		/// A procedure performed.
		Procedure,
		/// A vaccination.
		Immunization,
		/// A document (a scan, a discharge letter).
		DocumentReference,
	}
}

mirror! {
	/// Why data is accessed.
	PurposeArg => Purpose {
		/// Care of the patient.
		Treatment,
		/// Paying for care (insurers).
		Payment,
		/// Running the hospital.
		Operations,
		/// A research study.
		Research,
	}
}

mirror! {
	/// Why a doctor opens emergency access.
	EmergencyArg => EmergencyReason {
		/// The patient cannot consent (unconscious, confused, ...).
		PatientUnableToConsent,
		/// Immediate danger to life.
		LifeThreatening,
		/// No guardian can be reached for a patient who needs one.
		GuardianUnreachable,
	}
}

mirror! {
	/// Why a patient rejects a pending record.
	RejectionArg => RecordRejection {
		/// The record is about someone else.
		WrongPatient,
		/// The content is wrong.
		Inaccurate,
		/// The patient does not recognise the visit.
		UnknownEncounter,
		/// Any other reason, explained off chain.
		Other,
	}
}

mirror! {
	/// Why a facility asks a patient for access.
	RequestReasonArg => RequestReason {
		/// The patient was referred to the requester.
		Referral,
		/// The patient is being admitted.
		Admission,
		/// An insurance claim is being processed.
		Claim,
		/// A second opinion.
		SecondOpinion,
		/// A research study the patient may join.
		Study,
		/// Any other reason, explained off chain.
		Other,
	}
}

mirror! {
	/// The roles an account with no standing may apply for.
	ApplicantArg => ApplicantRole {
		/// A doctor of the hospital.
		Doctor,
		/// A patient of the hospital.
		Patient,
	}
}

/// The roles whose registration needs the registered account's own proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProofRole {
	/// A patient registered at the first visit.
	Patient,
	/// Administrative staff of the hospital.
	Admin,
	/// The service account of one of the hospital's nodes.
	Node,
}

impl From<ProofRole> for Role {
	fn from(role: ProofRole) -> Self {
		match role {
			ProofRole::Patient => Role::Patient,
			ProofRole::Admin => Role::Admin,
			ProofRole::Node => Role::Node,
		}
	}
}

/// The name the command takes (and prints) for `value`: `medication-request`.
pub fn name<E: ValueEnum>(value: &E) -> String {
	value.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// The names of every value of `E`, comma separated (for help texts).
pub fn names<E: ValueEnum>() -> String {
	E::value_variants().iter().map(name).collect::<Vec<_>>().join(", ")
}

/// The name of a chain value by its mirror `E`: `name_of::<PurposeArg, _>(Purpose::Payment)`.
pub fn name_of<E: ValueEnum + From<T>, T>(value: T) -> String {
	name(&E::from(value))
}
