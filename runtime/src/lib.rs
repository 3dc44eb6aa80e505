// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-runtime
//!
//! ## Overview
//!
//! The FRAME runtime of ehr-chain, a permissioned consortium chain on which hospitals run
//! the validators: Aura authors blocks in fixed slots, GRANDPA finalizes them, and
//! `pallet-session` carries the hospital validator set (from genesis for now).
//!
//! There are no balances and no transaction fees: nobody pays "gas" on a chain whose
//! block producers are the consortium itself. Who may transact is decided by membership
//! instead (`pallet-ehr-registry` and its `CheckMembership` transaction extension), and a
//! bootstrap admin origin (`pallet-sudo`) governs dev and local chains.
//!
//! The consortium (`pallet-ehr-consortium`) keeps the hospitals' three roles in step —
//! registry member, validator (it is the session manager), council member
//! (`pallet-collective`) — and the peer ids of their nodes, the only peers consortium nodes
//! accept. Its council's two-thirds motions are the admin origin of a consortium chain.
//!
//! Health records are anchored by `pallet-ehr-records` (content ids, hashes, versions,
//! wrapped keys, escrow shares and key releases; never content) under the patient's
//! consent, kept with the access audit trail by `pallet-ehr-consent`. A patient who lost
//! their phrase recovers with FRAME's `pallet-recovery` (see `docs/keys.md`).
//!
//! Layout: this file holds the types, version and pallet list; `configs/` configures each
//! pallet; `apis.rs` implements the runtime APIs; `genesis_config_presets.rs` holds the
//! `development` and `local_testnet` genesis presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is deeply recursive.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(feature = "upgrade-rehearsal")]
mod migrations;
#[cfg(feature = "std")]
pub mod signing;
pub mod weights;

use sp_runtime::{generic, impl_opaque_keys};
use sp_version::{runtime_version, RuntimeVersion};

pub use ehr_primitives::{AccountId, BlockNumber, Hash, Moment, Nonce, Signature};
pub use frame_system::Call as SystemCall;

/// Re-exported so the node and clients use the very types the runtime was built with.
pub use ehr_primitives::opaque;

impl_opaque_keys! {
	/// The keys a hospital's validator node signs with: Aura for authoring, GRANDPA for
	/// finality votes. Set per validator in genesis or with `session.set_keys`.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

/// The runtime's version. Bump `spec_version` on every runtime change that reaches a
/// running network, and `transaction_version` when call indices or extensions change.
#[cfg(not(feature = "upgrade-rehearsal"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	impl_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	authoring_version: 1,
	spec_version: 106,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// The upgrade rehearsal's version: the same runtime one `spec_version` later (the
/// `runtime_version` attribute reads literals, hence a second definition).
#[cfg(feature = "upgrade-rehearsal")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	impl_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	authoring_version: 1,
	spec_version: 107,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// Aura slot length. A consortium of a few hospitals on good links can run short slots;
/// every slot has one designated author, so this is also the target block time. 2 s
/// rather than 3 s: 1.5× the writes per second at the same block weight, and a write
/// waits less for its block (figures in the README's performance section).
pub const MILLI_SECS_PER_BLOCK: u64 = 2_000;
/// The slot duration Aura and the timestamp pallet agree on.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Block counts for common spans of time at `MILLI_SECS_PER_BLOCK`.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// Validator-set changes take effect at session boundaries; a short session makes a
/// hospital's admission or removal effective within two sessions.
pub const SESSION_PERIOD: BlockNumber = MINUTES;

/// The address format of the chain's transactions (`MultiAddress`, as Polkadot.js sends).
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, sp_runtime::traits::BlakeTwo256>;
/// Block with the runtime's own extrinsic type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block id.
pub type BlockId = generic::BlockId<Block>;

/// The checks every signed transaction passes. There is no fee payment: see the crate
/// docs. Every extension here carries no payload beyond what Polkadot.js knows (era and
/// nonce), so signing needs no custom types.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	// Before the nonce: only members (and applicants, see the registry) get this far, with
	// the calls of their role.
	pallet_ehr_registry::CheckMembership<Runtime>,
	// `CheckNonce` as Polkadot.js knows it, keeping each member within its budget per
	// window (in the pool and in blocks).
	pallet_ehr_registry::CheckNonceWithinQuota<Runtime>,
	frame_system::CheckWeight<Runtime>,
	// Last: refunds weight a call reported it did not use, after all others ran.
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as it travels over the network.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a transaction's signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations to run on the next runtime upgrade.
#[cfg(not(feature = "upgrade-rehearsal"))]
type Migrations = ();
#[cfg(feature = "upgrade-rehearsal")]
type Migrations = (migrations::RehearsalMembersV2,);

/// Dispatches extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The transaction extension for a signed transaction at `nonce`, valid in `era`. Used by
/// the node, its benchmarks and tests, which build transactions natively.
pub fn tx_extension(nonce: Nonce, era: generic::Era) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		pallet_ehr_registry::CheckMembership::<Runtime>::new(),
		pallet_ehr_registry::CheckNonceWithinQuota::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	// Session before Aura and GRANDPA: its genesis hands them the initial authorities.
	#[runtime::pallet_index(2)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(3)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(4)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(5)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Registry = pallet_ehr_registry;

	#[runtime::pallet_index(11)]
	pub type Consent = pallet_ehr_consent;

	#[runtime::pallet_index(12)]
	pub type Records = pallet_ehr_records;

	#[runtime::pallet_index(13)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(14)]
	pub type Consortium = pallet_ehr_consortium;

	#[runtime::pallet_index(15)]
	pub type Recovery = pallet_recovery;
}
