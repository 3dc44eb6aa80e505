// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the consortium is to other pallets: the session manager choosing each session's
//! validators, and the no-op [`ValidatorKeys`] for runtimes without a session pallet.

use crate::{pallet::*, ValidatorKeys};

/// No session keys to forget: for mock runtimes without a session pallet.
impl<AccountId> ValidatorKeys<AccountId> for () {
	fn purge(_: &AccountId) {}
}

/// Validator sets come from the consortium: every new session's validators are its
/// hospitals (those without session keys are skipped by the session pallet until they set
/// them).
impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(_index: u32) -> Option<alloc::vec::Vec<T::AccountId>> {
		Self::retire_departed_nodes();
		let hospitals = Hospitals::<T>::get();
		// Before the consortium's own genesis has run (the session pallet's genesis comes
		// first), keep the validators the session genesis configured.
		(!hospitals.is_empty()).then(|| hospitals.into_inner())
	}

	fn end_session(_index: u32) {}

	fn start_session(_index: u32) {}
}
