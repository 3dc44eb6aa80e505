// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The account's standing, registering its encryption key, and the registrations that
//! need the registered account's own signature (patients by staff, node accounts by their
//! hospital).

use crate::{
	chain::{account_arg, At, Chain, Progress, Static},
	keys::Identity,
	Error,
};
use ehr_primitives::{
	registry::{
		placeholder_encryption_key, placeholder_profile_commitment, ApplicantRole, EncryptionKey,
		ProfileCommitment, RegistrationConsent, Role, Standing,
	},
	AccountId,
};
use pallet_ehr_registry::pow;
use sp_runtime::MultiSignature;
use subxt::dynamic;

/// `who`'s standing (role, status, registered encryption key), if a member.
pub async fn standing(
	chain: &Chain,
	who: &AccountId,
) -> Result<Option<Standing<AccountId>>, Error> {
	chain.runtime_call("RegistryApi_standing", who, At::Best).await
}

/// Registers `who`'s x25519 encryption key on chain (the key derived from its seed), so
/// records can be wrapped to it. Does nothing if it is registered already; returns
/// whether it submitted.
pub async fn register_encryption_key(
	chain: &Chain,
	who: &Identity,
	progress: &mut dyn FnMut(Progress),
) -> Result<bool, Error> {
	let current =
		standing(chain, &who.account_id()).await?.ok_or_else(|| Error::NotAMember(who.ss58()))?;
	if current.encryption_key == who.encryption_public() {
		return Ok(false);
	}
	let call = dynamic::tx(
		"Registry",
		"update_profile",
		(Option::<[u8; 32]>::None, Some(who.encryption_public())),
	);
	chain.submit(who, call, progress).await?;
	Ok(true)
}

/// `who`'s registration proof: its signature agreeing to be registered as `role` at
/// `hospital` with these keys, for its next tenure on this chain (see
/// [`ehr_primitives::registry::RegistrationConsent`]). Staff submit it with the
/// registration; it is good for that one registration only.
pub async fn registration_proof(
	chain: &Chain,
	who: &Identity,
	role: Role,
	hospital: &AccountId,
	profile_commitment: ProfileCommitment,
	encryption_key: EncryptionKey,
) -> Result<MultiSignature, Error> {
	let tenure: u32 =
		chain.runtime_call("RegistryApi_registration_tenure", who.account_id(), At::Best).await?;
	let consent = RegistrationConsent {
		genesis: chain.genesis(),
		account: who.account_id(),
		role,
		hospital: hospital.clone(),
		profile_commitment,
		encryption_key,
		tenure,
	};
	Ok(MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw(
		who.sign(&consent.signing_payload()),
	)))
}

/// The registration proof of a node service account (its keys are placeholders).
pub async fn node_registration_proof(
	chain: &Chain,
	node: &Identity,
	hospital: &AccountId,
) -> Result<MultiSignature, Error> {
	let account = node.account_id();
	registration_proof(
		chain,
		node,
		Role::Node,
		hospital,
		placeholder_profile_commitment(&account),
		placeholder_encryption_key(&account),
	)
	.await
}

/// Registers `patient` at the first visit, as hospital staff, with the patient's proof.
pub async fn register_patient(
	chain: &Chain,
	staff: &Identity,
	patient: &AccountId,
	profile_commitment: ProfileCommitment,
	encryption_key: EncryptionKey,
	proof: MultiSignature,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx(
		"Registry",
		"register_patient",
		(account_arg(patient), profile_commitment.0, encryption_key, Static(proof)),
	);
	chain.submit(staff, call, progress).await.map(drop)
}

/// Appoints `node` as the service account of one of the calling hospital's nodes.
pub async fn appoint_node(
	chain: &Chain,
	hospital: &Identity,
	node: &AccountId,
	proof: MultiSignature,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Registry", "appoint_node", (account_arg(node), Static(proof)));
	chain.submit(hospital, call, progress).await.map(drop)
}

/// Replaces the calling member's encryption key: for a hospital, its custody key.
pub async fn set_encryption_key(
	chain: &Chain,
	who: &Identity,
	encryption_key: EncryptionKey,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call =
		dynamic::tx("Registry", "update_profile", (Option::<[u8; 32]>::None, Some(encryption_key)));
	chain.submit(who, call, progress).await.map(drop)
}

/// Hashes tried between two reports of a proof-of-work search.
pub const POW_REPORT_EVERY: u64 = 1 << 20;

/// Applies to `hospital` for `role` from an account with no standing (`ehr apply`): works
/// the proof-of-work ticket against the last finalized block at the chain's current
/// difficulty, reporting `work(tried, expected)` every [`POW_REPORT_EVERY`] hashes, then
/// submits the application. The ticket is good for `PowTicketLifetime` blocks after that
/// block: the council keeps the difficulty well within it.
pub async fn apply(
	chain: &Chain,
	who: &Identity,
	role: ApplicantRole,
	hospital: &AccountId,
	profile_commitment: ProfileCommitment,
	work: &mut dyn FnMut(u64, u64),
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let difficulty: u8 = chain.runtime_call("RegistryApi_pow_difficulty", (), At::Best).await?;
	let (block, block_hash) = chain.finalized_block().await?;
	let applicant = who.account_id();
	let encryption_key = who.encryption_public();
	let expected = 1u64.checked_shl(u32::from(difficulty)).unwrap_or(u64::MAX);
	let mut tried = 0u64;
	let nonce = loop {
		let hash = pow::ticket_hash(
			&applicant,
			role,
			hospital,
			&profile_commitment,
			&encryption_key,
			&block_hash,
			tried,
		);
		if pow::leading_zero_bits(&hash) >= u32::from(difficulty) {
			break tried;
		}
		tried = tried.checked_add(1).ok_or_else(|| {
			Error::Chain(format!("no proof-of-work ticket of {difficulty} bits found"))
		})?;
		if tried.is_multiple_of(POW_REPORT_EVERY) {
			work(tried, expected);
		}
	};
	work(nonce.saturating_add(1), expected);
	let call = dynamic::tx(
		"Registry",
		"apply",
		(Static(role), account_arg(hospital), profile_commitment.0, encryption_key, block, nonce),
	);
	chain.submit(who, call, progress).await?;
	Ok(())
}
