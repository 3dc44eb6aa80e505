// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The consortium: which hospitals validate, govern and may join the network.

use alloc::vec::Vec;
use sp_runtime::DispatchResult;

use crate::registry::{EncryptionKey, ProfileCommitment};

/// A libp2p peer id as bytes (the multihash of the node's public key), as
/// `PeerId::to_bytes` gives it; base58 in logs and the CLI.
pub type PeerIdBytes = Vec<u8>;

/// Separates node-key proofs from anything else a node key signs.
pub const NODE_KEY_CONTEXT: &[u8] = b"ehr-chain/node-key/v1";

/// The bytes a node's own network key signs to prove that `hospital` may authorize it
/// (`consortium.addNode`): `NODE_KEY_CONTEXT ++ SCALE(hospital, peer id)`.
pub fn node_key_payload(hospital: &impl codec::Encode, peer: &[u8]) -> Vec<u8> {
	let mut payload = NODE_KEY_CONTEXT.to_vec();
	codec::Encode::encode_to(&(hospital, peer), &mut payload);
	payload
}

/// The Ed25519 public key inside an Ed25519 peer id (an identity multihash of the
/// protobuf-encoded key), if `peer` is one.
pub fn ed25519_key_of_peer(peer: &[u8]) -> Option<[u8; 32]> {
	const PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	(peer.len() == 38 && peer[..6] == PREFIX).then(|| {
		let mut key = [0u8; 32];
		key.copy_from_slice(&peer[6..]);
		key
	})
}

/// What the consortium asks of the account registry when it admits or removes a hospital.
pub trait HospitalRegistry<AccountId> {
	/// Gives `hospital` the Hospital role (or reinstates it, if it was a suspended
	/// hospital).
	fn admit_hospital(
		hospital: &AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
	) -> DispatchResult;

	/// Suspends `hospital`: it and its staff may no longer act; its records stay.
	fn suspend_hospital(hospital: &AccountId) -> DispatchResult;
}

sp_api::decl_runtime_apis! {
	/// The consortium, for nodes (which peers to accept) and integrators.
	pub trait ConsortiumApi<AccountId>
	where
		AccountId: codec::Codec,
	{
		/// The hospitals of the consortium: the validator set from the next session on,
		/// and the council.
		fn hospitals() -> Vec<AccountId>;
		/// The peer ids of every node the consortium's hospitals run: the only peers a
		/// consortium node accepts.
		fn authorized_peers() -> Vec<PeerIdBytes>;
		/// The peer ids of the nodes `hospital` runs.
		fn nodes_of(hospital: AccountId) -> Vec<PeerIdBytes>;
	}
}
