// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `dispatch_as_root`: the council's one way to Root, for the listed calls only.

use crate::{mock::*, Error, Event};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use sp_runtime::{traits::Hash, DispatchError};

fn set_storage(key: &[u8], value: &[u8]) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::set_storage {
		items: vec![(key.to_vec(), value.to_vec())],
	})
}

#[test]
fn the_council_dispatches_a_listed_call_as_root() {
	new_test_ext(|| {
		let call = set_storage(b":ehr:test", b"value");
		let hash = <Test as frame_system::Config>::Hashing::hash_of(&call);
		assert_ok!(Consortium::dispatch_as_root(RuntimeOrigin::root(), Box::new(call)));
		assert_eq!(sp_io::storage::get(b":ehr:test").as_deref(), Some(&b"value"[..]));
		assert_eq!(last_event(), Event::DispatchedAsRoot { call_hash: hash }.into());
	});
}

#[test]
fn calls_off_the_list_are_refused_and_change_nothing() {
	new_test_ext(|| {
		let unlisted = [
			// Root-only elsewhere, but not for the council to reach this way.
			RuntimeCall::Consortium(crate::Call::remove_hospital { hospital: 1 }),
			RuntimeCall::System(frame_system::Call::kill_storage { keys: vec![b":code".to_vec()] }),
			// A listed call wrapped in another does not pass.
			RuntimeCall::Consortium(crate::Call::dispatch_as_root {
				call: Box::new(set_storage(b":ehr:test", b"value")),
			}),
		];
		for call in unlisted {
			assert_noop!(
				Consortium::dispatch_as_root(RuntimeOrigin::root(), Box::new(call)),
				Error::<Test>::NotARootCall
			);
		}
		assert_eq!(sp_io::storage::get(b":ehr:test"), None);
	});
}

#[test]
fn only_the_root_call_origin_may_dispatch() {
	new_test_ext(|| {
		for who in [1, DOCTOR] {
			assert_noop!(
				Consortium::dispatch_as_root(
					RuntimeOrigin::signed(who),
					Box::new(set_storage(b":ehr:test", b"value"))
				),
				DispatchError::BadOrigin
			);
		}
	});
}

/// Reads no runtime version from any code (as for code that is not a runtime).
struct NotARuntime;

impl sp_core::traits::ReadRuntimeVersion for NotARuntime {
	fn read_runtime_version(
		&self,
		_: &[u8],
		_: &mut dyn sp_core::traits::Externalities,
	) -> Result<Vec<u8>, String> {
		Err("not a runtime".into())
	}
}

#[test]
fn a_failing_call_fails_the_dispatch_with_its_own_error() {
	let mut ext = ExtBuilder.build();
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(NotARuntime));
	ext.execute_with(|| {
		// Not a runtime: `set_code` itself refuses it, and that is the error reported.
		let call = RuntimeCall::System(frame_system::Call::set_code { code: vec![1, 2, 3] });
		let result = Consortium::dispatch_as_root(RuntimeOrigin::root(), Box::new(call));
		let error = result.expect_err("not a runtime").error;
		assert_eq!(error, frame_system::Error::<Test>::FailedToExtractRuntimeVersion.into());
		assert!(
			!System::events().iter().any(|r| matches!(
				r.event,
				RuntimeEvent::Consortium(Event::DispatchedAsRoot { .. })
			)),
			"no success event"
		);
	});
}

#[test]
fn the_weight_and_class_are_the_inner_calls_plus_the_overhead() {
	new_test_ext(|| {
		let inner = RuntimeCall::System(frame_system::Call::set_code { code: vec![] });
		let outer = crate::Call::<Test>::dispatch_as_root { call: Box::new(inner.clone()) };
		let (inner_info, outer_info) = (inner.get_dispatch_info(), outer.get_dispatch_info());
		assert_eq!(outer_info.class, inner_info.class, "a runtime upgrade stays operational");
		assert!(outer_info.call_weight.all_gte(inner_info.call_weight));
		assert!(outer_info.call_weight.ref_time() > inner_info.call_weight.ref_time());
	});
}
