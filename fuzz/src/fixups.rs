// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Repairs that let generated calls past checks no random bytes pass: signatures,
//! proofs and bounds computed from the state, as an honest client computes them.
//!
//! Applied to most calls, not all: the unrepaired ones keep the refusal paths explored.

use crate::actors::Actors;
use codec::Encode;
use ehr_primitives::{
	consortium::{node_key_payload, PeerIdBytes},
	records::RecordKeys,
	registry::{EncryptionKey, ProfileCommitment, RegistrationConsent, Role},
	AccountId, Signature,
};
use ehr_runtime::{genesis_config_presets::ed25519_peer_id, Runtime, RuntimeCall};
use frame_support::dispatch::GetDispatchInfo;
use sp_core::Pair;

type Registry = pallet_ehr_registry::Pallet<Runtime>;

/// What the repairs read: the chain's genesis hash, its time, the block number.
#[derive(Clone, Copy)]
pub struct Context {
	pub genesis: sp_core::H256,
	pub now: u64,
	pub block: u32,
}

/// Repairs `call` as sent by `signer`, and the calls nested in it.
pub fn repair(call: &mut RuntimeCall, signer: &AccountId, context: &Context, choice: u8) {
	let actors = Actors::get();
	match call {
		RuntimeCall::Registry(pallet_ehr_registry::Call::register_patient {
			patient,
			profile_commitment,
			encryption_key,
			proof,
		}) => {
			if let Ok(hospital) = Registry::staff_hospital(signer) {
				let keys = (*profile_commitment, *encryption_key);
				*proof = registration_proof(patient, Role::Patient, &hospital, keys, context);
			}
		}
		RuntimeCall::Registry(pallet_ehr_registry::Call::appoint_admin {
			admin,
			profile_commitment,
			encryption_key,
			proof,
		}) => {
			let keys = (*profile_commitment, *encryption_key);
			*proof = registration_proof(admin, Role::Admin, signer, keys, context);
		}
		RuntimeCall::Registry(pallet_ehr_registry::Call::appoint_node { node, proof }) => {
			let keys = Registry::node_keys(node);
			*proof = registration_proof(node, Role::Node, signer, keys, context);
		}
		RuntimeCall::Registry(pallet_ehr_registry::Call::apply { pow_block, .. }) => {
			*pow_block = context.block.saturating_sub(u32::from(choice % 4));
		}
		RuntimeCall::Records(pallet_ehr_records::Call::create {
			cid,
			ciphertext_sha256,
			keys,
			..
		})
		| RuntimeCall::Records(pallet_ehr_records::Call::amend {
			cid,
			ciphertext_sha256,
			keys,
			..
		}) => {
			*ciphertext_sha256 = cid.sha256();
			repair_keys(keys, signer);
		}
		RuntimeCall::Records(pallet_ehr_records::Call::create_batch { records }) => {
			for record in records.iter_mut() {
				record.ciphertext_sha256 = record.cid.sha256();
				repair_keys(&mut record.keys, signer);
			}
		}
		RuntimeCall::Records(pallet_ehr_records::Call::release_key { request, signature }) => {
			request.genesis = context.genesis;
			request.issued_at = context.now.saturating_sub(u64::from(choice) * 1_000);
			if let Some(reader) = actors.by_account(&request.reader) {
				*signature = Signature::Sr25519(reader.pair.sign(&request.signing_payload()));
			}
		}
		RuntimeCall::Consortium(pallet_ehr_consortium::Call::add_node { node, proof }) => {
			let key = &actors.node_keys[usize::from(choice) % actors.node_keys.len()];
			*node = peer_id(key);
			*proof = key.sign(&node_key_payload(signer, node)).0;
		}
		RuntimeCall::Consortium(pallet_ehr_consortium::Call::admit_hospital { node, .. })
		| RuntimeCall::Consortium(pallet_ehr_consortium::Call::remove_node { node }) => {
			*node = peer_id(&actors.node_keys[usize::from(choice) % actors.node_keys.len()]);
		}
		RuntimeCall::Council(pallet_collective::Call::propose {
			proposal, length_bound, ..
		}) => {
			repair(proposal, signer, context, choice);
			*length_bound = proposal.encoded_size() as u32;
		}
		RuntimeCall::Council(pallet_collective::Call::close {
			proposal_hash,
			proposal_weight_bound,
			length_bound,
			..
		}) => {
			if let Some(proposal) = pallet_collective::ProposalOf::<
				Runtime,
				pallet_collective::Instance1,
			>::get(*proposal_hash)
			{
				*proposal_weight_bound = proposal.get_dispatch_info().call_weight;
				*length_bound = proposal.encoded_size() as u32;
			}
		}
		RuntimeCall::Sudo(pallet_sudo::Call::sudo { call }) => {
			repair(call, signer, context, choice)
		}
		RuntimeCall::Recovery(pallet_recovery::Call::control_inherited_account {
			recovered: sp_runtime::MultiAddress::Id(recovered),
			call,
		}) => {
			let recovered = recovered.clone();
			repair(call, &recovered, context, choice);
		}
		_ => {}
	}
}

/// Wrapped keys of a sealed box's size where they are empty or too long, and one escrow
/// share per holder of the author's hospital's escrow policy.
fn repair_keys(keys: &mut RecordKeys, author: &AccountId) {
	const SEALED_KEY_LEN: usize = 80;
	let fit = |key: &mut Vec<u8>| {
		if key.is_empty() || key.len() > 128 {
			key.resize(SEALED_KEY_LEN, 7);
		}
	};
	fit(&mut keys.patient);
	fit(&mut keys.author);
	fit(&mut keys.custodian);
	let custodian = pallet_ehr_registry::Members::<Runtime>::get(author).and_then(|m| m.hospital);
	if let Some(custodian) = custodian {
		let holders =
			pallet_ehr_records::Pallet::<Runtime>::escrow_policy(&custodian).holders.len();
		keys.escrow.resize(holders, vec![9; SEALED_KEY_LEN]);
	}
	keys.escrow.iter_mut().for_each(fit);
}

fn peer_id(key: &sp_core::ed25519::Pair) -> PeerIdBytes {
	ed25519_peer_id(&key.public().0)
}

/// `account`'s signature agreeing to be registered as `role` at `hospital` with `keys`, if
/// `account` is an actor; otherwise a signature that will not verify.
fn registration_proof(
	account: &AccountId,
	role: Role,
	hospital: &AccountId,
	(profile_commitment, encryption_key): (ProfileCommitment, EncryptionKey),
	context: &Context,
) -> Signature {
	let consent = RegistrationConsent {
		genesis: context.genesis,
		account: account.clone(),
		role,
		hospital: hospital.clone(),
		profile_commitment,
		encryption_key,
		tenure: pallet_ehr_registry::Tenures::<Runtime>::get(account),
	};
	match Actors::get().by_account(account) {
		Some(actor) => Signature::Sr25519(actor.pair.sign(&consent.signing_payload())),
		None => Signature::Sr25519(sp_core::sr25519::Signature::from_raw([0; 64])),
	}
}
