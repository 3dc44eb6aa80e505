// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The proof-of-work ticket an application from an account with no standing carries.
//!
//! A fee-less chain cannot price spam, so an outsider's first transaction costs work
//! instead: the applicant searches a `nonce` such that
//! `blake2_256(DOMAIN ++ SCALE(account, role, hospital, profile commitment, encryption key,
//! block hash, nonce))` starts with at least `PowDifficulty` zero bits, where the block is
//! one of the last `PowTicketLifetime`. The hash binds the ticket to this account, this
//! application and this moment: it cannot be reused by another account, for another
//! application, or stockpiled for later; one pending application per account (and a cap
//! per hospital) bounds what a ticket buys.

use codec::Encode;
use ehr_primitives::registry::{ApplicantRole, EncryptionKey, ProfileCommitment};

/// Separates these hashes from any other blake2 use.
pub const DOMAIN: &[u8] = b"ehr-chain/registry/apply";

/// The hash of an application ticket.
pub fn ticket_hash<AccountId: Encode>(
	applicant: &AccountId,
	role: ApplicantRole,
	hospital: &AccountId,
	profile_commitment: &ProfileCommitment,
	encryption_key: &EncryptionKey,
	block_hash: &impl Encode,
	nonce: u64,
) -> [u8; 32] {
	let mut input = DOMAIN.to_vec();
	(applicant, role, hospital, profile_commitment, encryption_key, block_hash, nonce)
		.encode_to(&mut input);
	sp_io::hashing::blake2_256(&input)
}

/// The number of leading zero bits of `hash`.
pub fn leading_zero_bits(hash: &[u8; 32]) -> u32 {
	let mut bits = 0;
	for byte in hash {
		if *byte == 0 {
			bits += 8;
		} else {
			return bits + byte.leading_zeros();
		}
	}
	bits
}

/// Searches the first nonce whose ticket meets `difficulty` (what a client does). Each
/// extra bit of difficulty doubles the expected work: 2^difficulty hashes on average.
pub fn solve<AccountId: Encode>(
	applicant: &AccountId,
	role: ApplicantRole,
	hospital: &AccountId,
	profile_commitment: &ProfileCommitment,
	encryption_key: &EncryptionKey,
	block_hash: &impl Encode,
	difficulty: u8,
) -> u64 {
	(0u64..)
		.find(|nonce| {
			let hash = ticket_hash(
				applicant,
				role,
				hospital,
				profile_commitment,
				encryption_key,
				block_hash,
				*nonce,
			);
			leading_zero_bits(&hash) >= u32::from(difficulty)
		})
		.unwrap_or_default()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn counts_leading_zero_bits() {
		let mut hash = [0xffu8; 32];
		assert_eq!(leading_zero_bits(&hash), 0);
		hash[0] = 0;
		hash[1] = 0b0001_0000;
		assert_eq!(leading_zero_bits(&hash), 11);
		assert_eq!(leading_zero_bits(&[0u8; 32]), 256);
	}

	#[test]
	fn solved_ticket_meets_difficulty_and_is_bound_to_the_account() {
		let (key, commitment) = ([7u8; 32], ProfileCommitment::repeat_byte(1));
		let block = [3u8; 32];
		let nonce = solve(&1u64, ApplicantRole::Patient, &9u64, &commitment, &key, &block, 10);
		let hash =
			ticket_hash(&1u64, ApplicantRole::Patient, &9u64, &commitment, &key, &block, nonce);
		assert!(leading_zero_bits(&hash) >= 10);
		// The same nonce for another applicant, or another block, is (overwhelmingly
		// likely) worthless.
		let other =
			ticket_hash(&2u64, ApplicantRole::Patient, &9u64, &commitment, &key, &block, nonce);
		assert_ne!(hash, other);
		let later =
			ticket_hash(&1u64, ApplicantRole::Patient, &9u64, &commitment, &key, &[4u8; 32], nonce);
		assert_ne!(hash, later);
	}
}
