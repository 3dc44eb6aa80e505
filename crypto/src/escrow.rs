// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Escrow shares of a record key: Shamir's secret sharing over GF(256), by the `blahaj`
//! crate (no field arithmetic of our own).
//!
//! A key is split into one share per escrow holder; any `threshold` of them rebuild it, and
//! fewer reveal nothing about it. A share is 33 bytes: its x coordinate, then one byte per
//! key byte. Shares are wrapped to their holders' custody keys like record keys
//! ([`crate::wrap_bytes`]).

use crate::{CryptoError, RecordKey, RECORD_KEY_LEN};
use blahaj::{Share, Sharks};
use zeroize::Zeroizing;

/// Length of one share of a record key.
pub const SHARE_LEN: usize = 1 + RECORD_KEY_LEN;

/// Splits `key` into `holders` shares, any `threshold` of which rebuild it.
pub fn split(
	key: &RecordKey,
	threshold: u8,
	holders: usize,
) -> Result<Vec<Zeroizing<Vec<u8>>>, CryptoError> {
	if threshold < 2 || holders < usize::from(threshold) || holders > usize::from(u8::MAX) {
		return Err(CryptoError::Escrow("a threshold of at least 2, and at least as many holders"));
	}
	Ok(Sharks(threshold)
		.dealer(key.as_bytes())
		.take(holders)
		.map(|share| Zeroizing::new(Vec::from(&share)))
		.collect())
}

/// Rebuilds a record key from at least `threshold` distinct shares.
pub fn combine(threshold: u8, shares: &[Zeroizing<Vec<u8>>]) -> Result<RecordKey, CryptoError> {
	if threshold < 2 {
		return Err(CryptoError::Escrow("the threshold is below 2"));
	}
	let shares = shares
		.iter()
		.map(|bytes| {
			if bytes.len() != SHARE_LEN {
				return Err(CryptoError::Escrow("a share is not 33 bytes"));
			}
			Share::try_from(bytes.as_slice()).map_err(CryptoError::Escrow)
		})
		.collect::<Result<Vec<_>, _>>()?;
	let secret = Zeroizing::new(
		Sharks(threshold)
			.recover(&shares)
			.map_err(|_| CryptoError::Escrow("fewer distinct shares than the threshold"))?,
	);
	let bytes: [u8; RECORD_KEY_LEN] =
		secret.as_slice().try_into().map_err(|_| CryptoError::Escrow("not a record key"))?;
	Ok(RecordKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn any_threshold_shares_rebuild_the_key() {
		let key = RecordKey::generate();
		let shares = split(&key, 2, 3).unwrap();
		assert_eq!(shares.len(), 3);
		assert!(shares.iter().all(|s| s.len() == SHARE_LEN));
		for pair in [[0, 1], [0, 2], [1, 2]] {
			let chosen: Vec<_> = pair.iter().map(|&i| shares[i].clone()).collect();
			assert_eq!(combine(2, &chosen).unwrap().as_bytes(), key.as_bytes());
		}
		assert_eq!(combine(2, &shares).unwrap().as_bytes(), key.as_bytes());
	}

	#[test]
	fn fewer_than_threshold_shares_are_refused() {
		let key = RecordKey::generate();
		let shares = split(&key, 3, 4).unwrap();
		assert!(combine(3, &shares[..2]).is_err());
		// The same share twice is one share.
		assert!(combine(2, &[shares[0].clone(), shares[0].clone()]).is_err());
	}

	#[test]
	fn a_wrong_share_gives_a_wrong_key_not_the_right_one() {
		let key = RecordKey::generate();
		let mut shares = split(&key, 2, 3).unwrap();
		shares[1][5] ^= 1;
		let rebuilt = combine(2, &shares[..2]).unwrap();
		assert_ne!(rebuilt.as_bytes(), key.as_bytes());
	}

	#[test]
	fn insecure_parameters_are_refused() {
		let key = RecordKey::generate();
		assert!(split(&key, 1, 3).is_err());
		assert!(split(&key, 3, 2).is_err());
		assert!(combine(2, &[Zeroizing::new(vec![1; 5])]).is_err());
	}

	#[test]
	fn shares_wrap_and_unwrap_like_keys() {
		use crate::{unwrap_bytes, wrap_bytes, PublicKey, StaticSecret};
		let holder = StaticSecret::random_from_rng(rand_core::OsRng);
		let key = RecordKey::generate();
		let share = split(&key, 2, 2).unwrap().remove(0);
		let wrapped = wrap_bytes(&share, &PublicKey::from(&holder)).unwrap();
		assert_eq!(wrapped.len(), 105);
		assert_eq!(unwrap_bytes(&wrapped, &holder).unwrap().as_slice(), share.as_slice());
	}
}
