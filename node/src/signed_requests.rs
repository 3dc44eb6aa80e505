// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What every signed request to a node (`ehr_getBlob`, `ehr_putBlob`, `ehr_releaseKey`)
//! goes through before anything else: it must be for this chain, fresh, signed by the
//! account it names, and — for reads — used once.
//!
//! Signatures are checked as the runtime checks them ([`ehr_primitives::registry::verifies`]):
//! sr25519 as Polkadot.js signs, or ed25519, over the bytes themselves or wrapped in
//! `<Bytes>…</Bytes>` as browser extensions' `signRaw` does.

use ehr_primitives::{blobs::MAX_REQUEST_SKEW_MS, registry::verifies, AccountId, Hash, Moment};
use sp_core::{ed25519, sr25519};
use sp_runtime::MultiSignature;
use std::{collections::HashMap, sync::Mutex};

/// Why a request was refused before its content was looked at.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
	#[error("the request was made for another chain (genesis {0})")]
	WrongChain(Hash),
	#[error(
		"the request was issued {0} s away from this node's clock; at most 300 s are accepted"
	)]
	Stale(i64),
	#[error("the signature does not verify for {0}")]
	BadSignature(String),
	#[error("this request was already served; sign a new one (requests are single-use)")]
	Replayed,
}

/// Checks that a request names this chain (`genesis` is ours) and is fresh.
pub fn check_envelope(ours: Hash, genesis: Hash, issued_at: Moment) -> Result<(), RequestError> {
	if genesis != ours {
		return Err(RequestError::WrongChain(genesis));
	}
	let skew = now_ms() as i128 - issued_at as i128;
	if skew.unsigned_abs() > MAX_REQUEST_SKEW_MS as u128 {
		return Err(RequestError::Stale((skew / 1000) as i64));
	}
	Ok(())
}

/// Checks a 64-byte `signature` of `payload` by `who`; returns it as the runtime takes it.
pub fn verify(
	payload: &[u8],
	signature: &[u8],
	who: &AccountId,
) -> Result<MultiSignature, RequestError> {
	let bad = || RequestError::BadSignature(who.to_string());
	let raw: [u8; 64] = signature.try_into().map_err(|_| bad())?;
	[
		MultiSignature::Sr25519(sr25519::Signature::from_raw(raw)),
		MultiSignature::Ed25519(ed25519::Signature::from_raw(raw)),
	]
	.into_iter()
	.find(|signature| verifies(payload, signature, who))
	.ok_or_else(bad)
}

/// The signatures of requests served recently: a request is good for one read.
///
/// A signature is remembered until its request would be refused as stale anyway, so the
/// set stays as small as the reads of the last few minutes.
#[derive(Default)]
pub struct ServedRequests {
	/// Signature → the request's `issued_at`, from the moment it is being served.
	seen: Mutex<HashMap<Vec<u8>, Moment>>,
}

/// A request being served; forgotten again unless [`Claim::keep`] is called, so a refused
/// request can be retried.
pub struct Claim<'a> {
	served: &'a ServedRequests,
	signature: Vec<u8>,
	kept: bool,
}

impl Claim<'_> {
	/// The request was served: it may not be served again.
	pub fn keep(mut self) {
		self.kept = true;
	}
}

impl Drop for Claim<'_> {
	fn drop(&mut self) {
		if !self.kept {
			if let Ok(mut seen) = self.served.seen.lock() {
				seen.remove(&self.signature);
			}
		}
	}
}

impl ServedRequests {
	/// Claims the request signed by `signature`, refused if it is served or in progress.
	pub fn claim(&self, signature: &[u8], issued_at: Moment) -> Result<Claim<'_>, RequestError> {
		let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let oldest = now_ms().saturating_sub(2 * MAX_REQUEST_SKEW_MS);
		seen.retain(|_, issued| *issued >= oldest);
		if seen.insert(signature.to_vec(), issued_at).is_some() {
			return Err(RequestError::Replayed);
		}
		Ok(Claim { served: self, signature: signature.to_vec(), kept: false })
	}
}

/// Now, in ms since the Unix epoch, by this node's clock.
pub fn now_ms() -> u64 {
	ehr_primitives::unix_millis_now()
}

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_primitives::{
		blobs::{self, GetRequest, PutRequest},
		records::Purpose,
	};
	use sp_core::Pair;
	use sp_keyring::Sr25519Keyring;

	#[test]
	fn signatures_verify_plain_or_wrapped_and_only_for_the_signer() {
		let alice = Sr25519Keyring::Alice;
		let request = GetRequest {
			genesis: Hash::repeat_byte(1),
			reader: alice.to_account_id(),
			record: 7,
			purpose: Purpose::Treatment,
			issued_at: 1,
		};
		let payload = blobs::get_signing_payload(&request);
		let plain = alice.pair().sign(&payload);
		assert!(verify(&payload, &plain.0, &alice.to_account_id()).is_ok());
		let wrapped = alice.pair().sign(&[&b"<Bytes>"[..], &payload, &b"</Bytes>"[..]].concat());
		assert!(verify(&payload, &wrapped.0, &alice.to_account_id()).is_ok());
		assert!(verify(&payload, &plain.0, &Sr25519Keyring::Bob.to_account_id()).is_err());
		assert!(verify(&payload, &plain.0[..63], &alice.to_account_id()).is_err());
		let other = blobs::put_signing_payload(&PutRequest {
			genesis: request.genesis,
			author: alice.to_account_id(),
			sha256: [0; 32],
			issued_at: 1,
		});
		assert!(verify(&other, &plain.0, &alice.to_account_id()).is_err(), "contexts are separate");
	}

	#[test]
	fn a_request_is_served_once_unless_refused() {
		let served = ServedRequests::default();
		let now = now_ms();
		drop(served.claim(b"sig-1", now).expect("first claim"));
		// Not kept: the refused request may be retried.
		served.claim(b"sig-1", now).expect("retry").keep();
		assert_eq!(served.claim(b"sig-1", now).err(), Some(RequestError::Replayed));
	}

	#[test]
	fn requests_for_other_chains_or_times_are_refused() {
		let ours = Hash::repeat_byte(1);
		assert!(check_envelope(ours, ours, now_ms()).is_ok());
		assert!(matches!(
			check_envelope(ours, Hash::repeat_byte(2), now_ms()),
			Err(RequestError::WrongChain(_))
		));
		assert!(matches!(
			check_envelope(ours, ours, now_ms() - 10 * 60 * 1000),
			Err(RequestError::Stale(600))
		));
	}
}
