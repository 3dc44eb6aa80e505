// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Access decisions, and what the runtime API and other pallets read of consent.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use ehr_primitives::{
	records::{
		AccessBasis, AccessDecision, AccessDenial, AccessTarget, AuditEntry, BreakGlassView,
		GrantView, Purpose, RecordCatalog, RequestView, ScopedTarget,
	},
	registry::{MemberRegistry, Role},
};
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// Whether `who` may access `target` of `patient` for `purpose` (any purpose if `None`)
	/// now, and on what basis. The accessor must be able to act now. In order: the patient
	/// (or the successor of a recovered patient account); a guardian; the record's author;
	/// a grant of the patient's current tenure to the accessor or, for a doctor, to their
	/// hospital; an open emergency access.
	pub fn decide(
		who: &T::AccountId,
		patient: &T::AccountId,
		target: AccessTarget,
		purpose: Option<Purpose>,
	) -> AccessDecision {
		if T::Registry::role_of(patient) != Some(Role::Patient) {
			return Err(AccessDenial::NotPatient);
		}
		let (scoped, author) = match target {
			AccessTarget::Record(id) => {
				let facts = T::Records::record_facts(id)
					.filter(|facts| &facts.patient == patient)
					.ok_or(AccessDenial::UnknownRecord)?;
				if facts.erased {
					return Err(AccessDenial::Erased);
				}
				(
					ScopedTarget::Record { root: facts.root, category: facts.category },
					Some(facts.author),
				)
			}
			AccessTarget::Category(kind) => (ScopedTarget::Category(kind), None),
			AccessTarget::History => (ScopedTarget::History, None),
		};
		let role = T::Registry::acting_role(who).map_err(|_| AccessDenial::AccessorInactive)?;
		if who == patient || T::Registry::successor(patient).as_ref() == Some(who) {
			return Ok(AccessBasis::Owner);
		}
		if Self::guardians_of(patient).contains(who) {
			return Ok(AccessBasis::Guardian);
		}
		if author.as_ref() == Some(who) {
			return Ok(AccessBasis::Author);
		}

		let now = Self::now_ms();
		let tenure = T::Registry::tenure(patient);
		let covers = |grant: &Grant<T::AccountId>| {
			grant.holds(now, tenure)
				&& purpose.is_none_or(|p| p == grant.purpose)
				&& grant.scope.covers(&scoped)
		};
		// A grant to a hospital covers its active doctors.
		let employer = (role == Role::Doctor).then(|| T::Registry::hospital_of(who)).flatten();
		for holder in core::iter::once(who).chain(employer.as_ref()) {
			if let Some(grant) = Grants::<T>::get(patient, holder).iter().find(|g| covers(g)) {
				return Ok(AccessBasis::Grant(grant.id));
			}
		}

		if role == Role::Doctor && purpose.is_none_or(|p| p == Purpose::Treatment) {
			if let Some(id) = LatestBreakGlass::<T>::get(patient, who) {
				if BreakGlassSessions::<T>::get(id).is_some_and(|s| now < s.expires_at) {
					return Ok(AccessBasis::BreakGlass(id));
				}
			}
		}
		Err(AccessDenial::NoGrant)
	}

	/// The grants `patient` has given, with whether each holds now: from the `from`-th,
	/// at most `limit` (and `MaxPageSize`).
	pub fn grants_of(
		patient: &T::AccountId,
		from: u32,
		limit: u32,
	) -> Vec<GrantView<T::AccountId>> {
		let now = Self::now_ms();
		let tenure = T::Registry::tenure(patient);
		Grants::<T>::iter_prefix(patient)
			.flat_map(|(grantee, grants)| {
				grants.into_iter().filter(move |g| g.tenure == tenure).map(move |g| GrantView {
					id: g.id,
					grantee: grantee.clone(),
					active: g.holds(now, tenure),
					scope: g.scope,
					purpose: g.purpose,
					granted_at: g.granted_at,
					expires_at: g.expires_at,
				})
			})
			.skip(from as usize)
			.take(Self::page_size(limit))
			.collect()
	}

	/// The requests awaiting `patient`'s answer: from the `from`-th, at most `limit` (and
	/// `MaxPageSize`).
	pub fn requests_of(
		patient: &T::AccountId,
		from: u32,
		limit: u32,
	) -> Vec<RequestView<T::AccountId, BlockNumberFor<T>>> {
		let tenure = T::Registry::tenure(patient);
		PatientRequests::<T>::iter_key_prefix(patient)
			.filter_map(|id| {
				Requests::<T>::get(id).filter(|r| r.tenure == tenure).map(|r| RequestView {
					id,
					requester: r.requester,
					scope: r.scope,
					purpose: r.purpose,
					reason: r.reason,
					expires_at: r.expires_at,
				})
			})
			.skip(from as usize)
			.take(Self::page_size(limit))
			.collect()
	}

	/// How many items a page of at most `limit` holds.
	fn page_size(limit: u32) -> usize {
		limit.min(T::MaxPageSize::get()) as usize
	}

	/// `patient`'s audit trail from position `from`, at most `limit` (and `MaxPageSize`)
	/// entries.
	pub fn audit_of(
		patient: &T::AccountId,
		from: u32,
		limit: u32,
	) -> Vec<AuditEntry<T::AccountId, BlockNumberFor<T>>> {
		let end = AuditLength::<T>::get(patient)
			.min(from.saturating_add(limit.min(T::MaxPageSize::get())));
		(from..end).filter_map(|i| AuditTrail::<T>::get(patient, i)).collect()
	}

	/// The emergency accesses `hospital` has yet to review: from the `from`-th, at most
	/// `limit` (and `MaxPageSize`).
	pub fn pending_reviews(
		hospital: &T::AccountId,
		from: u32,
		limit: u32,
	) -> Vec<BreakGlassView<T::AccountId>> {
		PendingReviews::<T>::iter_key_prefix(hospital)
			.filter_map(|id| {
				BreakGlassSessions::<T>::get(id).map(|s| BreakGlassView {
					id,
					doctor: s.doctor,
					patient: s.patient,
					hospital: s.hospital,
					reason: s.reason,
					justification: s.justification,
					opened_at: s.opened_at,
					expires_at: s.expires_at,
					verdict: s.verdict,
				})
			})
			.skip(from as usize)
			.take(Self::page_size(limit))
			.collect()
	}
}
