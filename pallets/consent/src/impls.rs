// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What other pallets ask of consent: [`AccessPolicy`] (may this account read this
//! patient's records, does it act for the patient, and the patient's audit trail).

use crate::pallet::*;
use ehr_primitives::records::{AccessDecision, AccessPolicy, AccessTarget, AuditEvent, Purpose};

impl<T: Config> AccessPolicy<T::AccountId> for Pallet<T> {
	fn can_access(
		who: &T::AccountId,
		patient: &T::AccountId,
		target: AccessTarget,
		purpose: Option<Purpose>,
	) -> AccessDecision {
		Self::decide(who, patient, target, purpose)
	}

	fn acts_for(who: &T::AccountId, patient: &T::AccountId) -> bool {
		Self::acts_for(who, patient)
	}

	fn audit(patient: &T::AccountId, entry: AuditEvent<T::AccountId>) {
		Self::audit(patient, entry)
	}
}
