// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Benchmarks of the consent pallet's calls (FRAME benchmarking v2). Run through
//! `ehr-node benchmark pallet` (see `scripts/benchmark.sh`) to regenerate `weights.rs`.

use super::*;
use crate::pallet::{BreakGlassSessions, Grants, Guardians, Requests};
use alloc::{vec, vec::Vec};
use ehr_primitives::{
	records::{BenchmarkSetup, MAX_SCOPE_RECORDS},
	registry::Role,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::traits::Saturating;

struct Cast<T: Config> {
	hospital: T::AccountId,
	doctor: T::AccountId,
	patient: T::AccountId,
}

/// A hospital with a doctor, and a patient.
fn cast<T: Config>() -> Cast<T> {
	let hospital: T::AccountId = account("hospital", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	let patient: T::AccountId = account("patient", 0, 0);
	T::BenchmarkHelper::register(&hospital, Role::Hospital, None);
	T::BenchmarkHelper::register(&doctor, Role::Doctor, Some(&hospital));
	T::BenchmarkHelper::register(&patient, Role::Patient, None);
	Cast { hospital, doctor, patient }
}

/// `n` confirmed records of the cast's patient.
fn records<T: Config>(cast: &Cast<T>, n: u32) -> Vec<RecordId> {
	if n > 0 {
		T::BenchmarkHelper::grant_all(&cast.patient, &cast.hospital, Purpose::Treatment);
	}
	(0..n).map(|_| T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor)).collect()
}

fn request<T: Config>(cast: &Cast<T>) -> RequestId {
	let id = NextRequestId::<T>::get();
	Pallet::<T>::do_request_access(
		cast.hospital.clone(),
		cast.patient.clone(),
		ScopeRequest::AllRecords,
		Purpose::Treatment,
		RequestReason::Referral,
	)
	.expect("request");
	id
}

fn open_session<T: Config>(cast: &Cast<T>) -> BreakGlassId {
	let id = NextBreakGlassId::<T>::get();
	Pallet::<T>::do_open_break_glass(
		cast.doctor.clone(),
		cast.patient.clone(),
		EmergencyReason::LifeThreatening,
		H256::repeat_byte(1),
	)
	.expect("emergency access");
	id
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// Worst case: a scope naming `s` records, each looked up.
	#[benchmark]
	fn grant(s: Linear<1, MAX_SCOPE_RECORDS>) {
		let cast = cast::<T>();
		let ids = records::<T>(&cast, s);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(cast.patient.clone()),
			cast.patient.clone(),
			cast.doctor.clone(),
			ScopeRequest::Records(ids),
			Purpose::Treatment,
			Some(u64::MAX),
		);

		assert!(!Grants::<T>::get(&cast.patient, &cast.doctor).is_empty());
	}

	#[benchmark]
	fn revoke() {
		let cast = cast::<T>();
		let id = Pallet::<T>::do_grant(
			&cast.patient,
			&cast.patient,
			&cast.doctor,
			Scope::AllRecords,
			Purpose::Treatment,
			None,
		)
		.expect("grant");

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), cast.patient.clone(), id);

		assert!(Grants::<T>::get(&cast.patient, &cast.doctor).is_empty());
	}

	#[benchmark]
	fn request_access(s: Linear<1, MAX_SCOPE_RECORDS>) {
		let cast = cast::<T>();
		let ids = records::<T>(&cast, s);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(cast.hospital.clone()),
			cast.patient.clone(),
			ScopeRequest::Records(ids),
			Purpose::Treatment,
			RequestReason::Referral,
		);

		assert_eq!(Requests::<T>::iter().count(), 1);
	}

	#[benchmark]
	fn approve_request() {
		let cast = cast::<T>();
		let id = request::<T>(&cast);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), cast.patient.clone(), id, Some(u64::MAX));

		assert!(!Grants::<T>::get(&cast.patient, &cast.hospital).is_empty());
	}

	#[benchmark]
	fn deny_request() {
		let cast = cast::<T>();
		let id = request::<T>(&cast);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), cast.patient.clone(), id);

		assert!(Requests::<T>::get(id).is_none());
	}

	#[benchmark]
	fn cancel_request() {
		let cast = cast::<T>();
		let id = request::<T>(&cast);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.hospital.clone()), id);

		assert!(Requests::<T>::get(id).is_none());
	}

	#[benchmark]
	fn open_break_glass() {
		let cast = cast::<T>();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(cast.doctor.clone()),
			cast.patient.clone(),
			EmergencyReason::PatientUnableToConsent,
			H256::repeat_byte(2),
		);

		assert_eq!(BreakGlassSessions::<T>::iter().count(), 1);
	}

	#[benchmark]
	fn close_review() {
		let cast = cast::<T>();
		let id = open_session::<T>(&cast);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.hospital.clone()), id, ReviewVerdict::Justified);

		assert!(BreakGlassSessions::<T>::get(id).is_some_and(|s| s.verdict.is_some()));
	}

	// Worst case: the last free place among the guardians.
	#[benchmark]
	fn appoint_guardian() {
		let cast = cast::<T>();
		let max = T::MaxGuardians::get();
		for i in 0..max.saturating_sub(1) {
			let guardian: T::AccountId = account("guardian", i, 0);
			T::BenchmarkHelper::register(&guardian, Role::Patient, None);
			Pallet::<T>::do_appoint_guardian(cast.patient.clone(), guardian).expect("guardian");
		}
		let last: T::AccountId = account("guardian", max, 0);
		T::BenchmarkHelper::register(&last, Role::Patient, None);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), last.clone());

		assert!(Guardians::<T>::get(&cast.patient).guardians.contains(&last));
	}

	#[benchmark]
	fn remove_guardian() {
		let cast = cast::<T>();
		let max = T::MaxGuardians::get();
		let mut guardians = vec![];
		for i in 0..max {
			let guardian: T::AccountId = account("guardian", i, 0);
			T::BenchmarkHelper::register(&guardian, Role::Patient, None);
			Pallet::<T>::do_appoint_guardian(cast.patient.clone(), guardian.clone())
				.expect("guardian");
			guardians.push(guardian);
		}
		let last = guardians.pop().expect("at least one guardian");

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), cast.patient.clone(), last.clone());

		assert!(!Guardians::<T>::get(&cast.patient).guardians.contains(&last));
	}

	// Worst case: a read resting on a grant to the reader's hospital, found after a full
	// list of grants to the reader itself that do not cover the record.
	#[benchmark]
	fn record_access() {
		let cast = cast::<T>();
		let record = records::<T>(&cast, 1)[0];
		let reader: T::AccountId = account("reader", 0, 0);
		T::BenchmarkHelper::register(&reader, Role::Doctor, Some(&cast.hospital));
		for _ in 0..T::MaxGrantsPerGrantee::get() {
			Pallet::<T>::do_grant(
				&cast.patient,
				&cast.patient,
				&reader,
				Scope::AllRecords,
				Purpose::Research,
				None,
			)
			.expect("grant");
		}
		let node: T::AccountId = account("node", 0, 0);
		T::BenchmarkHelper::register(&node, Role::Node, Some(&cast.hospital));

		#[extrinsic_call]
		_(
			RawOrigin::Signed(node),
			reader,
			cast.patient.clone(),
			AccessTarget::Record(record),
			Purpose::Treatment,
		);
	}

	#[benchmark]
	fn expire_requests(n: Linear<0, { T::MaxRequestsPerBlock::get() }>) {
		let cast = cast::<T>();
		// One facility has at most one open request per patient: `n` hospitals ask.
		for i in 0..n {
			let facility: T::AccountId = account("facility", i, 0);
			T::BenchmarkHelper::register(&facility, Role::Hospital, None);
			Pallet::<T>::do_request_access(
				facility,
				cast.patient.clone(),
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				RequestReason::Referral,
			)
			.expect("request");
		}
		let expiry =
			frame_system::Pallet::<T>::block_number().saturating_add(T::RequestLifetime::get());

		#[block]
		{
			Pallet::<T>::expire_requests(expiry);
		}

		assert_eq!(Requests::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
