// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # Consortium pallet
//!
//! The hospitals that run ehr-chain, admitted and removed by their council.
//!
//! ## Overview
//!
//! A hospital of the consortium is three things at once, and this pallet keeps them in
//! step:
//!
//! - a **member** of the account registry with the Hospital role (through
//!   [`HospitalRegistry`]);
//! - a **validator**: this pallet is the session manager, and the validator set of every
//!   new session is the list of consortium hospitals (those that have set their session
//!   keys);
//! - a **council member** (through `ChangeMembers`, e.g. `pallet-collective`), voting on
//!   motions such as admitting or removing a hospital;
//! - and the owner of **authorized nodes**: the peer ids of the nodes it runs. Consortium
//!   nodes accept connections only from authorized peers (the node reads them through the
//!   `ConsortiumApi` runtime API).
//!
//! One call admits a hospital and one removes it; both need the admin origin, which on a
//! consortium chain is a two-thirds council motion. Removal keeps at least
//! `MinHospitals` validators, so finality never depends on too few hospitals. A removed
//! hospital is suspended in the registry (its records remain; its staff may no longer
//! act), leaves the council at once, and leaves the validator set and the network at the
//! next session.
//!
//! ## Calls
//!
//! - `admit_hospital` (admin origin): register a hospital with its profile commitment,
//!   encryption key and first node, seat it on the council; it validates from the next
//!   session at which its session keys are set.
//! - `remove_hospital` (admin origin): suspend it, unseat it, drop it and its nodes from
//!   the next session's validators and the network.
//! - `add_node` (a hospital): authorize one more peer id of its own, with the node key's
//!   proof of possession.
//! - `remove_node` (the owning hospital): withdraw one of its nodes.
//! - `dispatch_as_root` (root-call origin: a two-thirds council motion): dispatch one of
//!   a short list of calls ([`Config::RootCalls`]: runtime upgrades, a GRANDPA stall) with
//!   the Root origin. A consortium chain has no sudo key; this is how its council upgrades
//!   the runtime, and nothing else it can reach needs Root.
//!
//! ## Terminology
//!
//! - **Hospital** (here): an account in [`Hospitals`].
//! - **Node**: a peer id in [`Nodes`], owned by one hospital.
//! - **Root call**: a call only the Root origin may make (e.g. `system.set_code`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod functions;
mod impls;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(any(feature = "std", feature = "try-runtime", test))]
mod invariants;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use weights::WeightInfo;

pub use ehr_primitives::{
	consortium::{HospitalRegistry, PeerIdBytes},
	registry::{EncryptionKey, ProfileCommitment},
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::boxed::Box;
	use alloc::vec::Vec;
	use frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		traits::{ChangeMembers, Contains},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Dispatchable;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// A peer id as stored: bounded.
	pub type PeerIdOf<T> = BoundedVec<u8, <T as Config>::MaxPeerIdLen>;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<
		RuntimeEvent: From<Event<Self>>,
		RuntimeCall: Dispatchable<PostInfo = PostDispatchInfo>,
	>
	{
		/// Admits and removes hospitals: a two-thirds council motion on a consortium chain.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The account registry, where hospitals get (and lose) their role.
		type Registry: HospitalRegistry<Self::AccountId>;

		/// The council, whose members are the hospitals.
		type Council: ChangeMembers<Self::AccountId>;

		/// Most hospitals in the consortium (and validators, and council members).
		#[pallet::constant]
		type MaxHospitals: Get<u32>;

		/// Fewest hospitals the consortium may be reduced to by removals. Four is the
		/// smallest set in which GRANDPA finality survives one hospital going down (it needs
		/// more than two thirds of the validators online).
		#[pallet::constant]
		type MinHospitals: Get<u32>;

		/// Most nodes one hospital may authorize on the network.
		#[pallet::constant]
		type MaxNodesPerHospital: Get<u32>;

		/// Longest peer id, in bytes (an Ed25519 peer id is 38).
		#[pallet::constant]
		type MaxPeerIdLen: Get<u32>;

		/// The validators' session keys, which a departed hospital loses: admitted again,
		/// it must set fresh ones before it validates.
		type ValidatorKeys: ValidatorKeys<Self::AccountId>;

		/// May dispatch a [`Config::RootCalls`] call as Root: a two-thirds council motion
		/// (abstentions counting as nays) on a consortium chain.
		type RootCallOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The calls `dispatch_as_root` may dispatch; anything else is refused with
		/// [`Error::NotARootCall`].
		type RootCalls: Contains<<Self as frame_system::Config>::RuntimeCall>;

		/// Weights of this pallet's calls, measured by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Gives the benchmarks a call the runtime's `RootCalls` allow.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<<Self as frame_system::Config>::RuntimeCall>;
	}

	/// The hospitals of the consortium, sorted: the validator set of the next session and
	/// the council.
	#[pallet::storage]
	pub type Hospitals<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxHospitals>, ValueQuery>;

	/// The nodes each hospital runs.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<PeerIdOf<T>, T::MaxNodesPerHospital>,
		ValueQuery,
	>;

	/// The hospital running each authorized node.
	#[pallet::storage]
	pub type NodeOwners<T: Config> = StorageMap<_, Blake2_128Concat, PeerIdOf<T>, T::AccountId>;

	/// Removed hospitals still validating until the validator set changes, with the number
	/// of session rotations left before their nodes lose their authorization.
	#[pallet::storage]
	pub type Departing<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, u32), T::MaxHospitals>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The founding hospitals and the peer ids of their nodes. Each must also be a
		/// Hospital in the registry's genesis, have session keys in the session pallet's
		/// genesis, and be a member of the council's genesis.
		pub hospitals: Vec<(T::AccountId, Vec<PeerIdBytes>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (hospital, nodes) in &self.hospitals {
				if let Err(e) = Pallet::<T>::insert_hospital(hospital) {
					panic!("genesis hospital {hospital:?}: {e:?}");
				}
				for node in nodes {
					if let Err(e) = Pallet::<T>::insert_node(hospital, node.clone()) {
						panic!("genesis node of {hospital:?}: {e:?}");
					}
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A hospital joined the consortium: member, council member, validator from the next
		/// session on, with its node authorized.
		HospitalAdmitted { hospital: T::AccountId, node: PeerIdBytes },
		/// A hospital left the consortium: suspended, out of the council, out of the
		/// validator set and the network from the next session on.
		HospitalRemoved { hospital: T::AccountId },
		/// A hospital authorized another node of its own.
		NodeAuthorized { hospital: T::AccountId, node: PeerIdBytes },
		/// A hospital withdrew one of its nodes' authorization.
		NodeDeauthorized { hospital: T::AccountId, node: PeerIdBytes },
		/// The council dispatched a root call (identified by its hash); it succeeded.
		DispatchedAsRoot { call_hash: T::Hash },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a hospital of the consortium.
		AlreadyInConsortium,
		/// The account is not a hospital of the consortium.
		NotInConsortium,
		/// The consortium already has `MaxHospitals` hospitals.
		TooManyHospitals,
		/// Removing this hospital would leave fewer than `MinHospitals` validators.
		BelowValidatorFloor,
		/// The peer id is not a libp2p multihash of at most `MaxPeerIdLen` bytes.
		InvalidPeerId,
		/// The node is already authorized.
		NodeAlreadyAuthorized,
		/// The hospital already runs `MaxNodesPerHospital` authorized nodes.
		TooManyNodes,
		/// The node is not authorized.
		UnknownNode,
		/// The node belongs to another hospital.
		NotNodeOwner,
		/// A hospital keeps at least one authorized node.
		LastNode,
		/// Only Ed25519 peer ids can prove that their key agreed to join (`add_node`).
		NotEd25519PeerId,
		/// The proof is not the node key's signature of the hospital and peer id.
		InvalidNodeKeyProof,
		/// The call is not one the council may dispatch as Root (`RootCalls`).
		NotARootCall,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit `hospital` to the consortium with its first node `node` (peer id bytes).
		/// It becomes a registry member and a council member now, and a validator from the
		/// next session at which it has set its session keys.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::admit_hospital())]
		pub fn admit_hospital(
			origin: OriginFor<T>,
			hospital: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
			node: PeerIdBytes,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_admit(hospital, profile_commitment, encryption_key, node)
		}

		/// Remove `hospital` from the consortium.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_hospital())]
		pub fn remove_hospital(origin: OriginFor<T>, hospital: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove(hospital)
		}

		/// Authorize another node of the calling hospital (e.g. an archive or RPC node):
		/// `node` is an Ed25519 peer id, and `proof` the node key's signature of
		/// [`ehr_primitives::consortium::node_key_payload`] (`ehr-node node-key-proof`
		/// prints it), so that no hospital can authorize node ids whose keys it does not
		/// hold (and so vote more than once in the nodes' peer audit).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::add_node())]
		pub fn add_node(
			origin: OriginFor<T>,
			node: PeerIdBytes,
			proof: [u8; 64],
		) -> DispatchResult {
			let hospital = ensure_signed(origin)?;
			Self::ensure_hospital(&hospital)?;
			Self::ensure_node_key_proven(&hospital, &node, &proof)?;
			Self::do_add_node(hospital, node)
		}

		/// Withdraw the authorization of one of the calling hospital's nodes.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::remove_node())]
		pub fn remove_node(origin: OriginFor<T>, node: PeerIdBytes) -> DispatchResult {
			let hospital = ensure_signed(origin)?;
			Self::do_remove_node(hospital, node)
		}

		/// Dispatch `call` with the Root origin, if it is one of [`Config::RootCalls`]
		/// (e.g. `system.set_code` or `system.authorize_upgrade` for a runtime upgrade).
		/// The call's own error, if it fails, is this call's error.
		#[pallet::call_index(4)]
		#[pallet::weight({
			let info = call.get_dispatch_info();
			(T::WeightInfo::dispatch_as_root().saturating_add(info.call_weight), info.class)
		})]
		pub fn dispatch_as_root(
			origin: OriginFor<T>,
			call: Box<<T as frame_system::Config>::RuntimeCall>,
		) -> DispatchResultWithPostInfo {
			T::RootCallOrigin::ensure_origin(origin)?;
			Self::do_dispatch_as_root(*call)
		}
	}
}

/// What the benchmarks need from a runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<RuntimeCall> {
	/// A call the runtime's `RootCalls` allow, cheap to dispatch.
	fn root_call() -> RuntimeCall;
}

/// Where validators' session keys are kept (`pallet-session` in a runtime).
pub trait ValidatorKeys<AccountId> {
	/// Forgets `hospital`'s session keys, if it has any.
	fn purge(hospital: &AccountId);
}
