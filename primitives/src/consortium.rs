//! The consortium: which hospitals validate, govern and may join the network.

use alloc::vec::Vec;
use sp_runtime::DispatchResult;

use crate::registry::{EncryptionKey, ProfileCommitment};

/// A libp2p peer id as bytes (the multihash of the node's public key), as
/// `PeerId::to_bytes` gives it; base58 in logs and the CLI.
pub type PeerIdBytes = Vec<u8>;

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
