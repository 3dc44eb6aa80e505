// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The registry's refusals as one table: each case runs on a fresh default state, must
//! fail with exactly the stated error, and must leave storage untouched — whether it is
//! refused in the transaction pool (`CheckMembership`) or at dispatch.

use crate::{mock::*, ApplicantRole, Call, CheckMembership, Error, RejectionReason, Role};
use frame_support::{dispatch::GetDispatchInfo, pallet_prelude::TransactionSource};
use sp_runtime::{
	traits::DispatchTransaction,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	DispatchError, StateVersion,
};

/// Where a refusal happens.
enum Step {
	/// `call` signed by `who`, as the pool sees it.
	Pool(u64, RuntimeCall),
	/// `call` dispatched with `origin`.
	Dispatch(RuntimeOrigin, RuntimeCall),
}

struct Case {
	name: &'static str,
	/// State set up before the refused step (its changes are not checked).
	setup: fn(),
	step: fn() -> Step,
	expected: Error<Test>,
}

fn nothing() {}

/// An account appointed as the service account of HOSPITAL's node.
const NODE: u64 = 50;

fn node_appointed() {
	frame_support::assert_ok!(crate::Pallet::<Test>::appoint_node(
		signed(HOSPITAL),
		NODE,
		proof_node(NODE, HOSPITAL)
	));
}

/// PATIENT's friends recovered it (inheritor 21, a second patient).
fn patient_recovered() {
	register_second_patient(21);
	recovered(PATIENT, 21);
}

fn patient_handed_over() {
	patient_recovered();
	frame_support::assert_ok!(crate::Pallet::<Test>::hand_over(signed(PATIENT), 21));
}

fn error_code(error: &DispatchError) -> u8 {
	match error {
		DispatchError::Module(module) => module.error[0],
		_ => unreachable!(),
	}
}

fn remark() -> RuntimeCall {
	frame_system::Call::remark { remark: b"record".to_vec() }.into()
}

fn apply_call(who: u64, hospital: u64, nonce: u64) -> RuntimeCall {
	Call::apply {
		role: ApplicantRole::Doctor,
		hospital,
		profile_commitment: commitment(who),
		encryption_key: key(who),
		pow_block: pow_block(),
		pow_nonce: nonce,
	}
	.into()
}

fn activate(staff: u64, doctor: u64, reference: Vec<u8>) -> Step {
	Step::Dispatch(
		signed(staff),
		Call::activate_doctor {
			doctor,
			credential_reference: reference,
			expires_at: NOW + YEAR_MS,
		}
		.into(),
	)
}

fn outsider_applied() {
	apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL).expect("application");
}

fn cases() -> Vec<Case> {
	vec![
		Case {
			name: "unknown account transacting",
			setup: nothing,
			step: || Step::Pool(OUTSIDER, remark()),
			expected: Error::NotMember,
		},
		Case {
			name: "expired doctor writing",
			setup: || set_time(NOW + YEAR_MS),
			step: || Step::Pool(DOCTOR, remark()),
			expected: Error::CredentialExpired,
		},
		Case {
			name: "doctor activated by a foreign hospital's admin",
			setup: outsider_applied,
			step: || activate(OTHER_ADMIN, OUTSIDER, b"GMC-1".to_vec()),
			expected: Error::WrongHospital,
		},
		Case {
			name: "duplicate application (pool)",
			setup: outsider_applied,
			step: || Step::Pool(OUTSIDER, apply_call(OUTSIDER, HOSPITAL, 0)),
			expected: Error::ApplicationPending,
		},
		Case {
			name: "duplicate application (dispatch)",
			setup: outsider_applied,
			step: || Step::Dispatch(applicant(OUTSIDER), apply_call(OUTSIDER, OTHER_HOSPITAL, 0)),
			expected: Error::ApplicationPending,
		},
		Case {
			name: "bad proof-of-work ticket",
			setup: || crate::PowDifficulty::<Test>::put(20),
			step: || Step::Pool(OUTSIDER, apply_call(OUTSIDER, HOSPITAL, 0)),
			expected: Error::InsufficientProofOfWork,
		},
		Case {
			name: "suspended member transacting",
			setup: || {
				Registry::suspend(RuntimeOrigin::root(), PATIENT).expect("suspended");
			},
			step: || Step::Pool(PATIENT, remark()),
			expected: Error::Suspended,
		},
		Case {
			name: "oversized credential reference",
			setup: outsider_applied,
			step: || activate(ADMIN, OUTSIDER, vec![b'x'; MAX_CREDENTIAL_LEN as usize + 1]),
			expected: Error::CredentialReferenceTooLong,
		},
		Case {
			name: "non-admin activating a doctor",
			setup: outsider_applied,
			step: || activate(DOCTOR, OUTSIDER, b"GMC-1".to_vec()),
			expected: Error::NotHospitalStaff,
		},
		Case {
			name: "patient activating a patient",
			setup: || {
				apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL).expect("application");
			},
			step: || {
				Step::Dispatch(signed(PATIENT), Call::activate_patient { patient: OUTSIDER }.into())
			},
			expected: Error::NotHospitalStaff,
		},
		Case {
			name: "doctor of a suspended hospital writing",
			setup: || {
				Registry::suspend(RuntimeOrigin::root(), HOSPITAL).expect("suspended");
			},
			step: || Step::Pool(DOCTOR, remark()),
			expected: Error::HospitalInactive,
		},
		Case {
			name: "member applying",
			setup: nothing,
			step: || Step::Pool(DOCTOR, apply_call(DOCTOR, HOSPITAL, 0)),
			expected: Error::AlreadyMember,
		},
		Case {
			name: "application to an insurer",
			setup: nothing,
			step: || Step::Pool(OUTSIDER, apply_call(OUTSIDER, INSURER, 0)),
			expected: Error::NotHospital,
		},
		Case {
			name: "zero encryption key",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(ADMIN),
					Call::register_patient {
						patient: OUTSIDER,
						profile_commitment: commitment(OUTSIDER),
						encryption_key: [0; 32],
						proof: proof_with(
							OUTSIDER,
							Role::Patient,
							HOSPITAL,
							commitment(OUTSIDER),
							[0; 32],
						),
					}
					.into(),
				)
			},
			expected: Error::InvalidEncryptionKey,
		},
		Case {
			name: "rejecting another hospital's applicant",
			setup: outsider_applied,
			step: || {
				Step::Dispatch(
					signed(OTHER_HOSPITAL),
					Call::reject_application {
						applicant: OUTSIDER,
						reason: RejectionReason::Other,
					}
					.into(),
				)
			},
			expected: Error::WrongHospital,
		},
		Case {
			name: "foreign admin suspending a doctor",
			setup: nothing,
			step: || Step::Dispatch(signed(OTHER_ADMIN), Call::suspend { member: DOCTOR }.into()),
			expected: Error::NoAuthority,
		},
		Case {
			name: "doctor deregistering as a patient",
			setup: nothing,
			step: || Step::Dispatch(signed(DOCTOR), Call::deregister {}.into()),
			expected: Error::NotPatient,
		},
		Case {
			name: "revoking a hospital that still has staff",
			setup: nothing,
			step: || {
				Step::Dispatch(RuntimeOrigin::root(), Call::revoke { member: HOSPITAL }.into())
			},
			expected: Error::HospitalHasStaff,
		},
		Case {
			name: "registering a patient with keys the patient did not sign",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(ADMIN),
					Call::register_patient {
						patient: OUTSIDER,
						profile_commitment: commitment(OUTSIDER),
						encryption_key: key(ADMIN),
						proof: proof(OUTSIDER, Role::Patient, HOSPITAL),
					}
					.into(),
				)
			},
			expected: Error::InvalidRegistrationProof,
		},
		Case {
			name: "registering a patient with a proof signed by the clerk",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(ADMIN),
					Call::register_patient {
						patient: OUTSIDER,
						profile_commitment: commitment(OUTSIDER),
						encryption_key: key(OUTSIDER),
						proof: sp_runtime::testing::TestSignature(
							ADMIN,
							proof(OUTSIDER, Role::Patient, HOSPITAL).1,
						),
					}
					.into(),
				)
			},
			expected: Error::InvalidRegistrationProof,
		},
		Case {
			name: "appointing an admin with a proof for another hospital",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(HOSPITAL),
					Call::appoint_admin {
						admin: OUTSIDER,
						profile_commitment: commitment(OUTSIDER),
						encryption_key: key(OUTSIDER),
						proof: proof(OUTSIDER, Role::Admin, OTHER_HOSPITAL),
					}
					.into(),
				)
			},
			expected: Error::InvalidRegistrationProof,
		},
		Case {
			name: "a clerk removing a patient",
			setup: nothing,
			step: || Step::Dispatch(signed(ADMIN), Call::revoke { member: PATIENT }.into()),
			expected: Error::NoAuthority,
		},
		Case {
			name: "an admin appointing a node account",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(ADMIN),
					Call::appoint_node { node: OUTSIDER, proof: proof_node(OUTSIDER, HOSPITAL) }
						.into(),
				)
			},
			expected: Error::NotHospital,
		},
		Case {
			name: "a node account appointed without its own proof",
			setup: nothing,
			step: || {
				Step::Dispatch(
					signed(HOSPITAL),
					Call::appoint_node {
						node: OUTSIDER,
						proof: sp_runtime::testing::TestSignature(
							HOSPITAL,
							proof_node(OUTSIDER, HOSPITAL).1,
						),
					}
					.into(),
				)
			},
			expected: Error::InvalidRegistrationProof,
		},
		Case {
			name: "a node account submitting anything but its audit calls",
			setup: node_appointed,
			step: || {
				Step::Pool(
					NODE,
					Call::update_profile { profile_commitment: None, encryption_key: Some(key(1)) }
						.into(),
				)
			},
			expected: Error::NotNodeCall,
		},
		Case {
			name: "handing over an account its friends did not recover",
			setup: nothing,
			step: || Step::Dispatch(signed(PATIENT), Call::hand_over { successor: 21 }.into()),
			expected: Error::NotRecovered,
		},
		Case {
			name: "handing a recovered patient over to a doctor",
			setup: patient_recovered,
			step: || Step::Dispatch(signed(PATIENT), Call::hand_over { successor: DOCTOR }.into()),
			expected: Error::InvalidSuccessor,
		},
		Case {
			name: "handing a recovered patient over to itself",
			setup: patient_recovered,
			step: || Step::Dispatch(signed(PATIENT), Call::hand_over { successor: PATIENT }.into()),
			expected: Error::InvalidSuccessor,
		},
		Case {
			name: "a recovered account signing a transaction",
			setup: patient_handed_over,
			step: || Step::Pool(PATIENT, remark()),
			expected: Error::AccountRecovered,
		},
		Case {
			name: "reinstating a recovered account",
			setup: patient_handed_over,
			step: || Step::Dispatch(signed(ADMIN), Call::reinstate { member: PATIENT }.into()),
			expected: Error::AccountRecovered,
		},
		Case {
			name: "difficulty above the maximum",
			setup: nothing,
			step: || {
				Step::Dispatch(RuntimeOrigin::root(), Call::set_pow_difficulty { bits: 200 }.into())
			},
			expected: Error::DifficultyTooHigh,
		},
	]
}

#[test]
fn every_refusal_is_specific_and_changes_nothing() {
	for case in cases() {
		ExtBuilder::default().build_and_execute(|| {
			(case.setup)();
			let expected = DispatchError::from(case.expected);
			let before = sp_io::storage::root(StateVersion::V1);
			let outcome: Result<(), String> = match (case.step)() {
				Step::Pool(who, call) => {
					let info = call.get_dispatch_info();
					match CheckMembership::<Test>::new().validate_only(
						RuntimeOrigin::signed(who),
						&call,
						&info,
						0,
						TransactionSource::External,
						0,
					) {
						Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
							code,
						))) if code == error_code(&expected) => Ok(()),
						other => Err(format!("{:?}", other.map(|_| "admitted"))),
					}
				}
				Step::Dispatch(origin, call) => {
					match frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
						call, origin,
					) {
						Err(e) if e.error == expected => Ok(()),
						other => Err(format!("{other:?}")),
					}
				}
			};
			assert_eq!(outcome, Ok(()), "case `{}`: expected {:?}", case.name, expected);
			assert_eq!(
				sp_io::storage::root(StateVersion::V1),
				before,
				"case `{}` changed storage",
				case.name
			);
		});
	}
}
