// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The consent pallet's logic, called by the thin dispatchables in `lib.rs`.

use crate::{pallet::*, types::*, weights::WeightInfo};
use alloc::vec::Vec;
use ehr_primitives::{
	records::{
		AccessBasis, AccessTarget, AuditAction, AuditEntry, AuditEvent, BreakGlassId,
		EmergencyReason, GrantId, Moment, Purpose, RecordCatalog, RequestId, RequestReason,
		ReviewVerdict, Scope, MAX_SCOPE_CATEGORIES, MAX_SCOPE_RECORDS,
	},
	registry::{Inability, MemberRegistry, Role},
};
use frame_support::{ensure, pallet_prelude::*, traits::UnixTime, BoundedVec};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{traits::Saturating, DispatchResult};

impl<T: Config> Pallet<T> {
	/// Now, in milliseconds since the Unix epoch, as the current block's timestamp says.
	pub fn now_ms() -> Moment {
		ehr_primitives::unix_millis(T::Time::now())
	}

	/// Whether `who` takes consent decisions for `patient` now: the patient, the successor
	/// of a recovered patient account, or a guardian — each only while it may act (so a
	/// suspended or recovered account decides nothing, whoever dispatches in its name).
	pub fn acts_for(who: &T::AccountId, patient: &T::AccountId) -> bool {
		T::Registry::acting_role(who).is_ok()
			&& (who == patient
				|| T::Registry::successor(patient).as_ref() == Some(who)
				|| Self::guardians_of(patient).contains(who))
	}

	/// `patient`'s guardians in its current tenure.
	pub fn guardians_of(patient: &T::AccountId) -> BoundedVec<T::AccountId, T::MaxGuardians> {
		let guardianship = Guardians::<T>::get(patient);
		if guardianship.tenure == T::Registry::tenure(patient) {
			guardianship.guardians
		} else {
			Default::default()
		}
	}

	pub(crate) fn ensure_acts_for(who: &T::AccountId, patient: &T::AccountId) -> DispatchResult {
		ensure!(T::Registry::role_of(patient) == Some(Role::Patient), Error::<T>::NotPatient);
		ensure!(Self::acts_for(who, patient), Error::<T>::NotPatientOrGuardian);
		Ok(())
	}

	/// As `ensure_acts_for`, for decisions that only narrow access (revoking a grant,
	/// denying a request): a suspended patient may still take them for itself, so that
	/// what it granted never keeps working against its will while it cannot act.
	pub(crate) fn ensure_may_narrow_for(
		who: &T::AccountId,
		patient: &T::AccountId,
	) -> DispatchResult {
		ensure!(T::Registry::role_of(patient) == Some(Role::Patient), Error::<T>::NotPatient);
		let suspended_self =
			who == patient && T::Registry::acting_role(who) == Err(Inability::Suspended);
		ensure!(suspended_self || Self::acts_for(who, patient), Error::<T>::NotPatientOrGuardian);
		Ok(())
	}

	/// Checks a requested scope against the limits and the patient's records, and stores
	/// records by the id of their first version, so a grant covers every version.
	pub(crate) fn bounded_scope(
		patient: &T::AccountId,
		scope: ScopeRequest,
	) -> Result<Scope, Error<T>> {
		Ok(match scope {
			ScopeRequest::AllRecords => Scope::AllRecords,
			ScopeRequest::Categories(mut kinds) => {
				ensure!(!kinds.is_empty(), Error::<T>::EmptyScope);
				ensure!(kinds.len() <= MAX_SCOPE_CATEGORIES as usize, Error::<T>::ScopeTooLarge);
				kinds.sort();
				kinds.dedup();
				Scope::Categories(BoundedVec::truncate_from(kinds))
			}
			ScopeRequest::Records(ids) => {
				ensure!(!ids.is_empty(), Error::<T>::EmptyScope);
				ensure!(ids.len() <= MAX_SCOPE_RECORDS as usize, Error::<T>::ScopeTooLarge);
				let mut roots = ids
					.into_iter()
					.map(|id| {
						T::Records::record_facts(id)
							.filter(|facts| &facts.patient == patient)
							.map(|facts| facts.root)
							.ok_or(Error::<T>::UnknownRecord)
					})
					.collect::<Result<Vec<_>, _>>()?;
				roots.sort();
				roots.dedup();
				Scope::Records(BoundedVec::truncate_from(roots))
			}
		})
	}

	/// Stores a grant after checking the grantee and purpose; returns its id. (Public for
	/// benchmarks of other pallets, which need grants.)
	pub fn do_grant(
		by: &T::AccountId,
		patient: &T::AccountId,
		grantee: &T::AccountId,
		scope: Scope,
		purpose: Purpose,
		expires_at: Option<Moment>,
	) -> Result<GrantId, DispatchError> {
		ensure!(grantee != patient, Error::<T>::InvalidGrantee);
		let role = T::Registry::acting_role(grantee).map_err(|_| Error::<T>::InvalidGrantee)?;
		match role {
			Role::Hospital | Role::Doctor => {}
			Role::Insurer => ensure!(purpose == Purpose::Payment, Error::<T>::PurposeNotAllowed),
			Role::Patient | Role::Admin | Role::Node => {
				return Err(Error::<T>::InvalidGrantee.into())
			}
		}
		let now = Self::now_ms();
		if let Some(end) = expires_at {
			ensure!(end > now, Error::<T>::ExpiryInPast);
		}
		let tenure = T::Registry::tenure(patient);
		let id = NextGrantId::<T>::get();
		Grants::<T>::try_mutate(patient, grantee, |grants| {
			// Grants that expired or belong to a past tenure make room for new ones.
			grants.retain(|g| {
				let holds = g.holds(now, tenure);
				if !holds {
					GrantIndex::<T>::remove(g.id);
				}
				holds
			});
			grants
				.try_push(Grant {
					id,
					scope,
					purpose,
					granted_at: now,
					expires_at,
					granted_by: by.clone(),
					tenure,
				})
				.map_err(|_| Error::<T>::TooManyGrants)
		})?;
		NextGrantId::<T>::put(id.saturating_add(1));
		GrantIndex::<T>::insert(id, (patient.clone(), grantee.clone()));
		Self::deposit_event(Event::AccessGranted {
			grant: id,
			patient: patient.clone(),
			grantee: grantee.clone(),
			purpose,
			expires_at,
		});
		Ok(id)
	}

	pub(crate) fn do_revoke(
		by: &T::AccountId,
		patient: &T::AccountId,
		id: GrantId,
	) -> DispatchResult {
		let (owner, grantee) = GrantIndex::<T>::get(id).ok_or(Error::<T>::UnknownGrant)?;
		ensure!(&owner == patient, Error::<T>::UnknownGrant);
		let purpose = Grants::<T>::mutate(patient, &grantee, |grants| {
			let position = grants.iter().position(|g| g.id == id)?;
			Some(grants.remove(position).purpose)
		});
		GrantIndex::<T>::remove(id);
		Self::audit_event(
			patient,
			by,
			AuditAction::AccessRevoked,
			purpose,
			Some(AccessBasis::Grant(id)),
		);
		Self::deposit_event(Event::AccessRevoked { grant: id, patient: patient.clone(), grantee });
		Ok(())
	}

	/// The facility an account requests for: a hospital for itself and its admins, a
	/// doctor or an insurer for itself.
	fn facility_of(who: &T::AccountId) -> Result<(T::AccountId, Role), Error<T>> {
		match T::Registry::acting_role(who) {
			Ok(Role::Hospital) => Ok((who.clone(), Role::Hospital)),
			Ok(Role::Admin) => T::Registry::hospital_of(who)
				.map(|h| (h, Role::Hospital))
				.ok_or(Error::<T>::NotFacility),
			Ok(role @ (Role::Doctor | Role::Insurer)) => Ok((who.clone(), role)),
			_ => Err(Error::<T>::NotFacility),
		}
	}

	pub(crate) fn do_request_access(
		who: T::AccountId,
		patient: T::AccountId,
		scope: ScopeRequest,
		purpose: Purpose,
		reason: RequestReason,
	) -> DispatchResult {
		let (requester, role) = Self::facility_of(&who)?;
		if role == Role::Insurer {
			ensure!(purpose == Purpose::Payment, Error::<T>::PurposeNotAllowed);
		}
		ensure!(T::Registry::role_of(&patient) == Some(Role::Patient), Error::<T>::NotPatient);
		ensure!(
			!OpenRequests::<T>::contains_key(&requester, &patient),
			Error::<T>::RequestAlreadyOpen
		);
		let open = OpenRequestCount::<T>::get(&requester);
		ensure!(open < T::MaxOpenRequestsPerRequester::get(), Error::<T>::TooManyOpenRequests);
		let scope = Self::bounded_scope(&patient, scope)?;
		let expires_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::RequestLifetime::get());
		let id = NextRequestId::<T>::get();
		RequestExpiries::<T>::try_mutate(expires_at, |queue| {
			queue.try_push(id).map_err(|_| Error::<T>::TooManyRequests)
		})?;
		NextRequestId::<T>::put(id.saturating_add(1));
		Requests::<T>::insert(
			id,
			AccessRequest {
				requester: requester.clone(),
				patient: patient.clone(),
				scope,
				purpose,
				reason,
				expires_at,
				tenure: T::Registry::tenure(&patient),
			},
		);
		PatientRequests::<T>::insert(&patient, id, ());
		OpenRequests::<T>::insert(&requester, &patient, id);
		OpenRequestCount::<T>::insert(&requester, open.saturating_add(1));
		Self::audit_event(&patient, &who, AuditAction::AccessRequested, Some(purpose), None);
		Self::deposit_event(Event::AccessRequested {
			request: id,
			patient,
			requester,
			purpose,
			reason,
		});
		Ok(())
	}

	/// Removes a pending request of `patient`, returning it.
	fn take_request(
		patient: &T::AccountId,
		id: RequestId,
	) -> Result<AccessRequest<T::AccountId, BlockNumberFor<T>>, Error<T>> {
		let request = Requests::<T>::get(id)
			.filter(|r| &r.patient == patient && r.tenure == T::Registry::tenure(patient))
			.ok_or(Error::<T>::UnknownRequest)?;
		Self::forget_request(id, &request);
		Ok(request)
	}

	/// Removes a request that was answered, cancelled or expired from every index.
	fn forget_request(id: RequestId, request: &AccessRequest<T::AccountId, BlockNumberFor<T>>) {
		Requests::<T>::remove(id);
		PatientRequests::<T>::remove(&request.patient, id);
		if OpenRequests::<T>::get(&request.requester, &request.patient) == Some(id) {
			OpenRequests::<T>::remove(&request.requester, &request.patient);
		}
		OpenRequestCount::<T>::mutate_exists(&request.requester, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
	}

	pub(crate) fn do_approve_request(
		by: &T::AccountId,
		patient: &T::AccountId,
		id: RequestId,
		expires_at: Option<Moment>,
	) -> DispatchResult {
		let request = Self::take_request(patient, id)?;
		let grant = Self::do_grant(
			by,
			patient,
			&request.requester,
			request.scope,
			request.purpose,
			expires_at,
		)?;
		Self::audit_event(
			patient,
			by,
			AuditAction::RequestApproved,
			Some(request.purpose),
			Some(AccessBasis::Grant(grant)),
		);
		Self::deposit_event(Event::RequestApproved {
			request: id,
			patient: patient.clone(),
			grant,
		});
		Ok(())
	}

	pub(crate) fn do_deny_request(
		by: &T::AccountId,
		patient: &T::AccountId,
		id: RequestId,
	) -> DispatchResult {
		let request = Self::take_request(patient, id)?;
		Self::audit_event(patient, by, AuditAction::RequestDenied, Some(request.purpose), None);
		Self::deposit_event(Event::RequestDenied { request: id, patient: patient.clone() });
		Ok(())
	}

	pub(crate) fn do_cancel_request(who: &T::AccountId, id: RequestId) -> DispatchResult {
		let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
		let (facility, _) = Self::facility_of(who).map_err(|_| Error::<T>::NotRequester)?;
		ensure!(facility == request.requester, Error::<T>::NotRequester);
		Self::forget_request(id, &request);
		Self::deposit_event(Event::RequestCancelled { request: id, patient: request.patient });
		Ok(())
	}

	/// Drops the requests that expire at `now`; returns the weight used.
	pub(crate) fn expire_requests(now: BlockNumberFor<T>) -> Weight {
		let queue = RequestExpiries::<T>::take(now);
		let queued = queue.len() as u32;
		for id in queue {
			// Answered or cancelled requests are gone already.
			if let Some(request) = Requests::<T>::get(id) {
				Self::forget_request(id, &request);
				Self::deposit_event(Event::RequestExpired {
					request: id,
					patient: request.patient,
				});
			}
		}
		T::WeightInfo::expire_requests(queued)
	}

	pub(crate) fn do_open_break_glass(
		doctor: T::AccountId,
		patient: T::AccountId,
		reason: EmergencyReason,
		justification: H256,
	) -> DispatchResult {
		ensure!(T::Registry::acting_role(&doctor) == Ok(Role::Doctor), Error::<T>::NotActiveDoctor);
		let hospital = T::Registry::hospital_of(&doctor).ok_or(Error::<T>::NotActiveDoctor)?;
		ensure!(T::Registry::role_of(&patient) == Some(Role::Patient), Error::<T>::NotPatient);
		ensure!(!justification.is_zero(), Error::<T>::MissingJustification);
		let now = Self::now_ms();
		ensure!(
			BreakGlassBarredUntil::<T>::get(&doctor).is_none_or(|until| until <= now),
			Error::<T>::BreakGlassBarred
		);
		if let Some(open) =
			LatestBreakGlass::<T>::get(&patient, &doctor).and_then(BreakGlassSessions::<T>::get)
		{
			ensure!(open.expires_at <= now, Error::<T>::BreakGlassAlreadyOpen);
		}
		let unreviewed = UnreviewedBreakGlass::<T>::get(&doctor);
		ensure!(
			unreviewed < T::MaxUnreviewedBreakGlass::get(),
			Error::<T>::TooManyUnreviewedBreakGlass
		);
		UnreviewedBreakGlass::<T>::insert(&doctor, unreviewed.saturating_add(1));
		let id = NextBreakGlassId::<T>::get();
		NextBreakGlassId::<T>::put(id.saturating_add(1));
		let expires_at = now.saturating_add(T::BreakGlassDuration::get());
		BreakGlassSessions::<T>::insert(
			id,
			BreakGlass {
				doctor: doctor.clone(),
				patient: patient.clone(),
				hospital: hospital.clone(),
				reason,
				justification,
				opened_at: now,
				expires_at,
				verdict: None,
			},
		);
		LatestBreakGlass::<T>::insert(&patient, &doctor, id);
		PendingReviews::<T>::insert(&hospital, id, ());
		Self::audit_event(
			&patient,
			&doctor,
			AuditAction::BreakGlassOpened,
			Some(Purpose::Treatment),
			Some(AccessBasis::BreakGlass(id)),
		);
		Self::deposit_event(Event::BreakGlassOpened {
			session: id,
			patient,
			doctor,
			hospital,
			reason,
			expires_at,
		});
		Ok(())
	}

	pub(crate) fn do_close_review(
		staff: T::AccountId,
		id: BreakGlassId,
		verdict: ReviewVerdict,
	) -> DispatchResult {
		let mut session = BreakGlassSessions::<T>::get(id).ok_or(Error::<T>::UnknownSession)?;
		ensure!(T::Registry::is_staff_of(&staff, &session.hospital), Error::<T>::NotHospitalStaff);
		ensure!(session.verdict.is_none(), Error::<T>::AlreadyReviewed);
		session.verdict = Some(verdict);
		PendingReviews::<T>::remove(&session.hospital, id);
		UnreviewedBreakGlass::<T>::mutate_exists(&session.doctor, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		let patient = session.patient.clone();
		let barred = (verdict == ReviewVerdict::Unjustified).then(|| {
			// An unjustified emergency access ends now, and its doctor opens no other for a
			// while (the hospital's own disciplinary process is off chain).
			let now = Self::now_ms();
			session.expires_at = session.expires_at.min(now);
			let until = now.saturating_add(T::UnjustifiedBreakGlassBar::get());
			BreakGlassBarredUntil::<T>::insert(&session.doctor, until);
			(session.doctor.clone(), until)
		});
		BreakGlassSessions::<T>::insert(id, session);
		Self::audit_event(
			&patient,
			&staff,
			AuditAction::BreakGlassReviewed,
			None,
			Some(AccessBasis::BreakGlass(id)),
		);
		Self::deposit_event(Event::BreakGlassReviewed { session: id, patient, by: staff, verdict });
		if let Some((doctor, until)) = barred {
			Self::deposit_event(Event::BreakGlassBarred { doctor, session: id, until });
		}
		Ok(())
	}

	pub(crate) fn do_appoint_guardian(
		patient: T::AccountId,
		guardian: T::AccountId,
	) -> DispatchResult {
		ensure!(T::Registry::role_of(&patient) == Some(Role::Patient), Error::<T>::NotPatient);
		ensure!(guardian != patient, Error::<T>::InvalidGuardian);
		ensure!(
			matches!(
				T::Registry::acting_role(&guardian),
				Ok(Role::Patient | Role::Doctor | Role::Admin)
			),
			Error::<T>::InvalidGuardian
		);
		let tenure = T::Registry::tenure(&patient);
		Guardians::<T>::try_mutate(&patient, |guardianship| {
			// Guardians of a past tenure are gone for good.
			if guardianship.tenure != tenure {
				*guardianship = Guardianship { tenure, guardians: Default::default() };
			}
			ensure!(!guardianship.guardians.contains(&guardian), Error::<T>::AlreadyGuardian);
			guardianship
				.guardians
				.try_push(guardian.clone())
				.map_err(|_| Error::<T>::TooManyGuardians)
		})?;
		Self::audit_event(&patient, &patient, AuditAction::GuardianAppointed, None, None);
		Self::deposit_event(Event::GuardianAppointed { patient, guardian });
		Ok(())
	}

	pub(crate) fn do_remove_guardian(
		who: T::AccountId,
		patient: T::AccountId,
		guardian: T::AccountId,
	) -> DispatchResult {
		ensure!(who == patient || who == guardian, Error::<T>::NotPatientOrGuardian);
		let tenure = T::Registry::tenure(&patient);
		Guardians::<T>::try_mutate_exists(&patient, |guardianship| {
			let current = guardianship
				.as_mut()
				.filter(|g| g.tenure == tenure)
				.ok_or(Error::<T>::NotGuardian)?;
			let position = current
				.guardians
				.iter()
				.position(|g| g == &guardian)
				.ok_or(Error::<T>::NotGuardian)?;
			current.guardians.remove(position);
			if current.guardians.is_empty() {
				*guardianship = None;
			}
			Ok::<_, Error<T>>(())
		})?;
		Self::audit_event(&patient, &who, AuditAction::GuardianRemoved, None, None);
		Self::deposit_event(Event::GuardianRemoved { patient, guardian });
		Ok(())
	}

	pub(crate) fn do_record_access(
		node: T::AccountId,
		reader: T::AccountId,
		patient: T::AccountId,
		target: AccessTarget,
		purpose: Purpose,
	) -> DispatchResult {
		ensure!(T::Registry::acting_role(&node) == Ok(Role::Node), Error::<T>::NotNodeAccount);
		let hospital = T::Registry::hospital_of(&node).ok_or(Error::<T>::NotNodeAccount)?;
		let (action, record) = match target {
			AccessTarget::Record(id) => (AuditAction::RecordRead, Some(id)),
			AccessTarget::History => (AuditAction::HistoryViewed, None),
			AccessTarget::Category(_) => return Err(Error::<T>::InvalidTarget.into()),
		};
		let basis = Self::decide(&reader, &patient, target, Some(purpose))
			.map_err(|_| Error::<T>::AccessDenied)?;
		let event = AuditEvent {
			actor: reader.clone(),
			action,
			record,
			purpose: Some(purpose),
			basis: Some(basis),
			via: Some(hospital),
		};
		if !Self::count_repeated_read(&patient, &event) {
			Self::audit(&patient, event);
		}
		Self::deposit_event(Event::AccessRecorded { patient, reader, target, basis });
		Ok(())
	}

	/// If `patient`'s latest audit entry is the same read as `event`, made within
	/// `ReadCoalescingWindow`, counts `event` as one more repeat of it and returns true.
	fn count_repeated_read(patient: &T::AccountId, event: &AuditEvent<T::AccountId>) -> bool {
		let Some(last) = AuditLength::<T>::get(patient).checked_sub(1) else { return false };
		let now = Self::now_ms();
		AuditTrail::<T>::mutate(patient, last, |entry| match entry {
			Some(entry)
				if &entry.event == event
					&& now.saturating_sub(entry.at) < T::ReadCoalescingWindow::get() =>
			{
				entry.repeats = entry.repeats.saturating_add(1);
				true
			}
			_ => false,
		})
	}

	/// Appends an entry to `patient`'s audit trail.
	pub fn audit(patient: &T::AccountId, event: AuditEvent<T::AccountId>) {
		let position = AuditLength::<T>::get(patient);
		AuditTrail::<T>::insert(
			patient,
			position,
			AuditEntry {
				event,
				at: Self::now_ms(),
				block: frame_system::Pallet::<T>::block_number(),
				repeats: 0,
			},
		);
		AuditLength::<T>::insert(patient, position.saturating_add(1));
	}

	pub(crate) fn audit_event(
		patient: &T::AccountId,
		actor: &T::AccountId,
		action: AuditAction,
		purpose: Option<Purpose>,
		basis: Option<AccessBasis>,
	) {
		Self::audit(
			patient,
			AuditEvent { actor: actor.clone(), action, record: None, purpose, basis, via: None },
		);
	}
}
