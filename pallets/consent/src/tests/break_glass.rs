// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `open_break_glass` and `close_review`.

use super::*;
use crate::{BreakGlassSessions, Error, Event, PendingReviews, ReviewVerdict};
use ehr_primitives::records::EmergencyReason;
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;

fn open(doctor: u64) -> sp_runtime::DispatchResult {
	Consent::open_break_glass(
		signed(doctor),
		PATIENT,
		EmergencyReason::LifeThreatening,
		H256::repeat_byte(9),
	)
}

#[test]
fn an_active_doctor_opens_emergency_access_the_patient_sees() {
	new_test_ext(|| {
		assert_ok!(open(OTHER_DOCTOR));
		assert_eq!(
			last_event(),
			Event::BreakGlassOpened {
				session: 0,
				patient: PATIENT,
				doctor: OTHER_DOCTOR,
				hospital: OTHER_HOSPITAL,
				reason: EmergencyReason::LifeThreatening,
				expires_at: NOW + BREAK_GLASS_MS
			}
			.into()
		);
		assert!(PendingReviews::<Test>::contains_key(OTHER_HOSPITAL, 0));
		assert_eq!(Consent::pending_reviews(&OTHER_HOSPITAL, 0, 100).len(), 1);
		let trail = Consent::audit_of(&PATIENT, 0, 10);
		assert_eq!(
			trail.last().map(|e| e.event.action),
			Some(crate::AuditAction::BreakGlassOpened)
		);
	});
}

#[test]
fn only_active_doctors_break_the_glass() {
	new_test_ext(|| {
		for who in [HOSPITAL, ADMIN, INSURER, OTHER_PATIENT, OUTSIDER] {
			assert_noop!(open(who), Error::<Test>::NotActiveDoctor);
		}
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), OTHER_DOCTOR));
		assert_noop!(open(OTHER_DOCTOR), Error::<Test>::NotActiveDoctor);
	});
}

#[test]
fn emergency_access_needs_a_justification_and_a_patient() {
	new_test_ext(|| {
		assert_noop!(
			Consent::open_break_glass(
				signed(DOCTOR),
				PATIENT,
				EmergencyReason::LifeThreatening,
				H256::zero()
			),
			Error::<Test>::MissingJustification
		);
		assert_noop!(
			Consent::open_break_glass(
				signed(DOCTOR),
				INSURER,
				EmergencyReason::LifeThreatening,
				H256::repeat_byte(1)
			),
			Error::<Test>::NotPatient
		);
	});
}

#[test]
fn one_open_session_per_doctor_and_patient() {
	new_test_ext(|| {
		assert_ok!(open(DOCTOR));
		assert_noop!(open(DOCTOR), Error::<Test>::BreakGlassAlreadyOpen);
		set_time(NOW + BREAK_GLASS_MS);
		assert_ok!(open(DOCTOR));
		assert_eq!(PendingReviews::<Test>::iter_prefix(HOSPITAL).count(), 2);
	});
}

#[test]
fn the_doctors_hospital_reviews() {
	new_test_ext(|| {
		assert_ok!(open(DOCTOR));
		assert_noop!(
			Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Justified),
			Error::<Test>::NotHospitalStaff
		);
		assert_noop!(
			Consent::close_review(signed(COLLEAGUE), 0, ReviewVerdict::Justified),
			Error::<Test>::NotHospitalStaff
		);
		assert_ok!(Consent::close_review(signed(ADMIN), 0, ReviewVerdict::Unjustified));
		assert_eq!(
			BreakGlassSessions::<Test>::get(0).and_then(|s| s.verdict),
			Some(ReviewVerdict::Unjustified)
		);
		assert!(!PendingReviews::<Test>::contains_key(HOSPITAL, 0));
		let events = System::events();
		assert_eq!(
			events[events.len() - 2].event,
			Event::BreakGlassReviewed {
				session: 0,
				patient: PATIENT,
				by: ADMIN,
				verdict: ReviewVerdict::Unjustified
			}
			.into()
		);
		assert_noop!(
			Consent::close_review(signed(HOSPITAL), 0, ReviewVerdict::Justified),
			Error::<Test>::AlreadyReviewed
		);
		assert_noop!(
			Consent::close_review(signed(HOSPITAL), 5, ReviewVerdict::Justified),
			Error::<Test>::UnknownSession
		);
	});
}

fn open_to(doctor: u64, patient: u64) -> sp_runtime::DispatchResult {
	Consent::open_break_glass(
		signed(doctor),
		patient,
		EmergencyReason::LifeThreatening,
		H256::repeat_byte(9),
	)
}

#[test]
fn a_doctor_cannot_pile_up_unreviewed_emergency_accesses() {
	new_test_ext(|| {
		assert_ok!(open_to(OTHER_DOCTOR, PATIENT));
		assert_ok!(open_to(OTHER_DOCTOR, OTHER_PATIENT));
		let next = crate::NextBreakGlassId::<Test>::get();
		assert_noop!(open_to(OTHER_DOCTOR, RELATIVE), Error::<Test>::TooManyUnreviewedBreakGlass);
		assert_eq!(crate::NextBreakGlassId::<Test>::get(), next);
		// Once the hospital looked at one, another may be opened.
		assert_ok!(Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Justified));
		assert_ok!(open_to(OTHER_DOCTOR, RELATIVE));
	});
}

#[test]
fn an_unjustified_emergency_access_ends_and_bars_its_doctor() {
	new_test_ext(|| {
		assert_ok!(open_to(OTHER_DOCTOR, PATIENT));
		set_time(NOW + 1_000);
		assert_ok!(Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Unjustified));
		assert_eq!(
			last_event(),
			Event::BreakGlassBarred {
				doctor: OTHER_DOCTOR,
				session: 0,
				until: NOW + 1_000 + BAR_MS
			}
			.into()
		);
		// Access ended at the verdict, not four hours after opening.
		assert_eq!(BreakGlassSessions::<Test>::get(0).map(|s| s.expires_at), Some(NOW + 1_000));
		assert!(Consent::decide(
			&OTHER_DOCTOR,
			&PATIENT,
			ehr_primitives::records::AccessTarget::History,
			None
		)
		.is_err());
		assert_noop!(open_to(OTHER_DOCTOR, OTHER_PATIENT), Error::<Test>::BreakGlassBarred);
		set_time(NOW + 1_000 + BAR_MS);
		assert_ok!(open_to(OTHER_DOCTOR, OTHER_PATIENT));
	});
}
