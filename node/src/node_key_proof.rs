// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-node node-key-proof`: the node's network key agreeing to be a hospital's node, for
//! `consortium.addNode` (see `ehr_primitives::consortium::node_key_payload`). Without it a
//! hospital could authorize node ids whose keys it does not hold.

use ehr_primitives::{consortium::node_key_payload, AccountId};
use sp_core::{crypto::Ss58Codec, ed25519, Pair};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Print the peer id of the node key in FILE and its proof for HOSPITAL (JSON), the two
/// arguments of `consortium.addNode` that HOSPITAL submits.
#[derive(Debug, clap::Args)]
pub struct NodeKeyProofCmd {
	/// The node's network key file (`--node-key-file`; 64 hex digits, or 32 raw bytes).
	#[arg(long)]
	node_key_file: PathBuf,
	/// The hospital's account (SS58 or 0x-hex).
	#[arg(long)]
	hospital: String,
}

impl NodeKeyProofCmd {
	pub fn run(&self) -> Result<(), String> {
		let hospital = account(&self.hospital)?;
		let pair = read_node_key(&self.node_key_file)?;
		let peer_id = sc_network_types::PeerId::from_ed25519(&pair.public().0)
			.ok_or("the node key's public key is not a valid Ed25519 point")?;
		let peer = peer_id.to_bytes();
		let proof = pair.sign(&node_key_payload(&hospital, &peer));
		let base58 = peer_id.to_base58();
		println!(
			"{}",
			serde_json::json!({
				"peerId": base58,
				"node": format!("0x{}", hex::encode(&peer)),
				"proof": format!("0x{}", hex::encode(proof.0)),
			})
		);
		Ok(())
	}
}

fn account(text: &str) -> Result<AccountId, String> {
	if let Some(hex) = text.strip_prefix("0x") {
		let raw: [u8; 32] = hex::decode(hex)
			.ok()
			.and_then(|bytes| bytes.try_into().ok())
			.ok_or_else(|| format!("{text} is not a 32-byte account id"))?;
		return Ok(raw.into());
	}
	AccountId::from_ss58check(text).map_err(|e| format!("{text} is not an SS58 address: {e:?}"))
}

/// The Ed25519 key of a libp2p node key file, as Substrate reads it.
fn read_node_key(file: &PathBuf) -> Result<ed25519::Pair, String> {
	let bytes = Zeroizing::new(
		std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?,
	);
	let seed: Zeroizing<[u8; 32]> = match bytes.len() {
		32 => Zeroizing::new(bytes.as_slice().try_into().map_err(|_| "32 bytes")?),
		_ => {
			let text = String::from_utf8_lossy(&bytes);
			let decoded = Zeroizing::new(
				hex::decode(text.trim())
					.map_err(|e| format!("the node key {} is not hex: {e}", file.display()))?,
			);
			Zeroizing::new(decoded.as_slice().try_into().map_err(|_| {
				format!("the node key {} is not 32 bytes (64 hex digits)", file.display())
			})?)
		}
	};
	Ok(ed25519::Pair::from_seed(&seed))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_proof_verifies_for_the_peer_id_the_node_runs_with() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let file = dir.path().join("node-key");
		std::fs::write(&file, format!("{:064x}", 0xe5)).expect("key file");
		let pair = read_node_key(&file).expect("a node key");
		// The peer id the network derives from the same key file.
		let keypair = sc_network_types::ed25519::Keypair::from(
			sc_network_types::ed25519::SecretKey::try_from_bytes(
				hex::decode(format!("{:064x}", 0xe5)).unwrap(),
			)
			.unwrap(),
		);
		let ours = sc_network_types::PeerId::from_ed25519(&pair.public().0).unwrap().to_bytes();
		assert_eq!(keypair.public().to_peer_id().to_bytes(), ours);
		assert!(ehr_primitives::consortium::ed25519_key_of_peer(&ours).is_some());
		let hospital = AccountId::from([7u8; 32]);
		let proof = pair.sign(&node_key_payload(&hospital, &ours));
		assert!(ed25519::Pair::verify(&proof, node_key_payload(&hospital, &ours), &pair.public()));
	}
}
