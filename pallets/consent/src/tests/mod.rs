// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Unit tests, one module per group of calls, plus access decisions and the audit trail.
//! Every test ends with the pallet's `try_state` invariants checked.

mod access;
mod audit;
mod break_glass;
mod grants;
mod guardians;
mod requests;
mod tenure;

use crate::{mock::*, AccessTarget, Purpose, ScopeRequest};
use ehr_primitives::records::{AccessDecision, Category};

/// `PATIENT` grants `grantee` access for `purpose`.
pub fn grant(grantee: u64, scope: ScopeRequest, purpose: Purpose) -> crate::GrantId {
	let id = crate::NextGrantId::<Test>::get();
	frame_support::assert_ok!(Consent::grant(
		signed(PATIENT),
		PATIENT,
		grantee,
		scope,
		purpose,
		None
	));
	id
}

pub fn decide(who: u64, target: AccessTarget, purpose: Option<Purpose>) -> AccessDecision {
	Consent::decide(&who, &PATIENT, target, purpose)
}

pub fn categories(kinds: &[Category]) -> ScopeRequest {
	ScopeRequest::Categories(kinds.to_vec())
}
