// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-primitives
//!
//! ## Overview
//!
//! Types that the ehr-chain runtime, its pallets, the node and clients must agree on:
//! the chain's basic types (accounts, blocks, signatures), the domain types of each part
//! of the product (`registry`: roles and standing; `records`: record anchors, consent,
//! access decisions and the audit trail), the traits through which pallets ask
//! each other questions, and the runtime API declarations integrators call. It is deliberately small
//! and `no_std`, so both the Wasm runtime and native clients can depend on it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod blobs;
pub mod consortium;
pub mod records;
pub mod registry;

use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature, OpaqueExtrinsic,
};

/// A block number: u32 lasts ~400 years at 3 s blocks.
pub type BlockNumber = u32;

/// Signatures are `MultiSignature` so Polkadot.js (sr25519 by default), ed25519 and
/// ecdsa keys all work unchanged.
pub type Signature = MultiSignature;

/// An account: the 32-byte public key (or its hash) behind a `Signature`.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An account's transaction index.
pub type Nonce = u32;

/// The hash of a block, a header or a storage value.
pub type Hash = sp_core::H256;

/// Milliseconds since the Unix epoch, as set by `pallet-timestamp`.
pub type Moment = u64;

/// A duration since the Unix epoch as a [`Moment`], saturating: the one conversion the
/// pallets (from `UnixTime::now()`), the node and the clients (from the system clock) share.
pub fn unix_millis(since_epoch: core::time::Duration) -> Moment {
	Moment::try_from(since_epoch.as_millis()).unwrap_or(Moment::MAX)
}

/// Now by this machine's clock as a [`Moment`] (0 for a clock set before 1970).
#[cfg(feature = "std")]
pub fn unix_millis_now() -> Moment {
	std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, unix_millis)
}

/// The header, block and block id of ehr-chain, with extrinsics kept opaque, so that code
/// outside the runtime (the node, clients) does not depend on the runtime's call enum.
pub mod opaque {
	use super::*;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, OpaqueExtrinsic>;
	/// Block id.
	pub type BlockId = generic::BlockId<Block>;
}
