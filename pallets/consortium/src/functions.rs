// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The consortium pallet's logic, called by the thin dispatchables in `lib.rs`.

use crate::{pallet::*, ValidatorKeys, WeightInfo};
use alloc::vec::Vec;
use ehr_primitives::consortium::{ed25519_key_of_peer, HospitalRegistry, PeerIdBytes};
use ehr_primitives::registry::{EncryptionKey, ProfileCommitment};
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, GetDispatchInfo, PostDispatchInfo},
	ensure,
	pallet_prelude::*,
	traits::{ChangeMembers, Contains},
};
use sp_runtime::{
	traits::{Dispatchable, Hash},
	DispatchResult,
};

/// Rotations between a hospital's removal and its leaving the validator set: the session
/// pallet plans validator sets one session ahead.
const ROTATIONS_UNTIL_GONE: u32 = 2;

impl<T: Config> Pallet<T> {
	/// Checks that `node` looks like a libp2p peer id: a multihash (identity or sha2-256)
	/// whose length byte matches.
	fn peer_id(node: PeerIdBytes) -> Result<PeerIdOf<T>, Error<T>> {
		let well_formed = node.len() >= 3
			&& matches!(node[0], 0x00 | 0x12)
			&& usize::from(node[1]) + 2 == node.len();
		ensure!(well_formed, Error::<T>::InvalidPeerId);
		node.try_into().map_err(|_| Error::<T>::InvalidPeerId)
	}

	/// Adds a hospital to the sorted list and the council.
	pub(crate) fn insert_hospital(hospital: &T::AccountId) -> DispatchResult {
		let mut hospitals = Hospitals::<T>::get();
		let position =
			hospitals.binary_search(hospital).err().ok_or(Error::<T>::AlreadyInConsortium)?;
		hospitals
			.try_insert(position, hospital.clone())
			.map_err(|_| Error::<T>::TooManyHospitals)?;
		T::Council::change_members_sorted(core::slice::from_ref(hospital), &[], &hospitals);
		Hospitals::<T>::put(hospitals);
		Ok(())
	}

	/// Authorizes `node` as a node of `hospital`.
	pub(crate) fn insert_node(hospital: &T::AccountId, node: PeerIdBytes) -> DispatchResult {
		let node = Self::peer_id(node)?;
		ensure!(!NodeOwners::<T>::contains_key(&node), Error::<T>::NodeAlreadyAuthorized);
		Nodes::<T>::try_mutate(hospital, |nodes| nodes.try_push(node.clone()))
			.map_err(|_| Error::<T>::TooManyNodes)?;
		NodeOwners::<T>::insert(node, hospital.clone());
		Ok(())
	}

	pub(crate) fn do_admit(
		hospital: T::AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
		node: PeerIdBytes,
	) -> DispatchResult {
		// A hospital removed and admitted again before it finished departing stays.
		Departing::<T>::mutate(|departing| departing.retain(|(h, _)| h != &hospital));
		Self::insert_hospital(&hospital)?;
		if !Nodes::<T>::get(&hospital).iter().any(|n| n[..] == node[..]) {
			Self::insert_node(&hospital, node.clone())?;
		}
		T::Registry::admit_hospital(&hospital, profile_commitment, encryption_key)?;
		Self::deposit_event(Event::HospitalAdmitted { hospital, node });
		Ok(())
	}

	pub(crate) fn do_remove(hospital: T::AccountId) -> DispatchResult {
		let mut hospitals = Hospitals::<T>::get();
		let position =
			hospitals.binary_search(&hospital).map_err(|_| Error::<T>::NotInConsortium)?;
		ensure!(hospitals.len() as u32 > T::MinHospitals::get(), Error::<T>::BelowValidatorFloor);
		hospitals.remove(position);
		T::Council::change_members_sorted(&[], core::slice::from_ref(&hospital), &hospitals);
		Hospitals::<T>::put(hospitals);
		// Its nodes stay authorized while it still validates.
		Departing::<T>::try_mutate(|departing| {
			departing.try_push((hospital.clone(), ROTATIONS_UNTIL_GONE))
		})
		.map_err(|_| Error::<T>::TooManyHospitals)?;
		T::Registry::suspend_hospital(&hospital)?;
		Self::deposit_event(Event::HospitalRemoved { hospital });
		Ok(())
	}

	/// At each session rotation, counts down the departing hospitals and withdraws the
	/// authorization of the nodes of those no longer validating.
	pub(crate) fn retire_departed_nodes() {
		let mut departing = Departing::<T>::get().into_inner();
		if departing.is_empty() {
			return;
		}
		departing.retain_mut(|(hospital, left)| {
			*left = left.saturating_sub(1);
			if *left > 0 {
				return true;
			}
			for node in Nodes::<T>::take(&*hospital) {
				NodeOwners::<T>::remove(node);
			}
			T::ValidatorKeys::purge(hospital);
			false
		});
		// Only shrank: still within the bound.
		Departing::<T>::put(BoundedVec::truncate_from(departing));
	}

	pub(crate) fn ensure_hospital(who: &T::AccountId) -> DispatchResult {
		ensure!(Hospitals::<T>::get().binary_search(who).is_ok(), Error::<T>::NotInConsortium);
		Ok(())
	}

	/// Checks that `proof` is `node`'s own key's signature agreeing to be `hospital`'s.
	pub(crate) fn ensure_node_key_proven(
		hospital: &T::AccountId,
		node: &[u8],
		proof: &[u8; 64],
	) -> Result<(), Error<T>> {
		let key = ed25519_key_of_peer(node).ok_or(Error::<T>::NotEd25519PeerId)?;
		let payload = ehr_primitives::consortium::node_key_payload(hospital, node);
		let signature = sp_core::ed25519::Signature::from_raw(*proof);
		let public = sp_core::ed25519::Public::from_raw(key);
		ensure!(
			sp_io::crypto::ed25519_verify(&signature, &payload, &public),
			Error::<T>::InvalidNodeKeyProof
		);
		Ok(())
	}

	pub(crate) fn do_add_node(hospital: T::AccountId, node: PeerIdBytes) -> DispatchResult {
		Self::ensure_hospital(&hospital)?;
		Self::insert_node(&hospital, node.clone())?;
		Self::deposit_event(Event::NodeAuthorized { hospital, node });
		Ok(())
	}

	pub(crate) fn do_remove_node(hospital: T::AccountId, node: PeerIdBytes) -> DispatchResult {
		Self::ensure_hospital(&hospital)?;
		let key = Self::peer_id(node.clone())?;
		let owner = NodeOwners::<T>::get(&key).ok_or(Error::<T>::UnknownNode)?;
		ensure!(owner == hospital, Error::<T>::NotNodeOwner);
		Nodes::<T>::try_mutate(&hospital, |nodes| {
			ensure!(nodes.len() > 1, Error::<T>::LastNode);
			nodes.retain(|n| n != &key);
			Ok::<_, Error<T>>(())
		})?;
		NodeOwners::<T>::remove(&key);
		Self::deposit_event(Event::NodeDeauthorized { hospital, node });
		Ok(())
	}

	/// Every authorized node, for the runtime API.
	pub fn authorized_peers() -> Vec<PeerIdBytes> {
		NodeOwners::<T>::iter_keys().map(|node| node.into_inner()).collect()
	}

	/// The nodes `hospital` runs, for the runtime API.
	pub fn nodes_of(hospital: &T::AccountId) -> Vec<PeerIdBytes> {
		Nodes::<T>::get(hospital).into_iter().map(|node| node.into_inner()).collect()
	}

	/// The consortium's hospitals (sorted), for the runtime API and the records pallet.
	pub fn hospitals() -> Vec<T::AccountId> {
		Hospitals::<T>::get().into_inner()
	}

	/// Dispatches `call` as Root if `RootCalls` allows it; the weight it used is its own
	/// plus this call's.
	pub(crate) fn do_dispatch_as_root(
		call: <T as frame_system::Config>::RuntimeCall,
	) -> DispatchResultWithPostInfo {
		ensure!(T::RootCalls::contains(&call), Error::<T>::NotARootCall);
		let call_hash = T::Hashing::hash_of(&call);
		let declared = call.get_dispatch_info().call_weight;
		let overhead = T::WeightInfo::dispatch_as_root();
		let used = |post: PostDispatchInfo| {
			Some(overhead.saturating_add(post.actual_weight.unwrap_or(declared)))
		};
		match call.dispatch(frame_system::RawOrigin::Root.into()) {
			Ok(post) => {
				Self::deposit_event(Event::DispatchedAsRoot { call_hash });
				Ok(PostDispatchInfo { actual_weight: used(post), pays_fee: post.pays_fee })
			}
			Err(e) => Err(sp_runtime::DispatchErrorWithPostInfo {
				post_info: PostDispatchInfo {
					actual_weight: used(e.post_info),
					pays_fee: e.post_info.pays_fee,
				},
				error: e.error,
			}),
		}
	}
}
