// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The start-up integrity check of the local chain database.
//!
//! From the finalized head back `depth` blocks (or to genesis), every header must be
//! present, hash to the id it is stored under, carry the expected number, be the
//! canonical block at its height, and link to its parent; every GRANDPA justification
//! met on the way must verify against the authority set of its block's parent state
//! (where that state is still kept). Then the finalized block's state must be readable:
//! the runtime code executes, and `System::Number` there is the finalized number.

use crate::client::FullClient;
use ehr_primitives::opaque::{Block, Header};
use sc_client_api::{BlockBackend, StorageProvider};
use sp_api::{Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_consensus_grandpa::{GrandpaApi, GRANDPA_ENGINE_ID};
use sp_core::{storage::StorageKey, Decode};
use sp_runtime::traits::Header as _;
use std::fmt;

/// What a successful check covered.
#[derive(Debug, Default)]
pub struct IntegrityReport {
	pub finalized: u32,
	pub headers_checked: u32,
	pub justifications_verified: u32,
	pub justifications_skipped: u32,
}

impl fmt::Display for IntegrityReport {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		write!(
			f,
			"finalized #{}, {} headers linked, {} justifications verified ({} without state to verify against)",
			self.finalized, self.headers_checked, self.justifications_verified, self.justifications_skipped
		)
	}
}

/// Checks the database behind `client`; `Err` describes the first problem found.
pub fn verify(client: &FullClient, depth: u32) -> Result<IntegrityReport, String> {
	let info = client.info();
	let mut report = IntegrityReport { finalized: info.finalized_number, ..Default::default() };
	let mut hash = info.finalized_hash;
	let mut number = info.finalized_number;
	loop {
		let header = client
			.header(hash)
			.map_err(|e| format!("header #{number} unreadable: {e}"))?
			.ok_or_else(|| format!("header #{number} ({hash:?}) is missing"))?;
		if header.hash() != hash {
			return Err(format!("header #{number} does not hash to its id {hash:?}"));
		}
		if *header.number() != number {
			return Err(format!(
				"block {hash:?} claims number {} instead of {number}",
				header.number()
			));
		}
		let canonical = client.hash(number).map_err(|e| format!("index at #{number}: {e}"))?;
		if canonical != Some(hash) {
			return Err(format!(
				"the canonical index at #{number} says {canonical:?}, not {hash:?}"
			));
		}
		if let Some(justification) = client
			.justifications(hash)
			.map_err(|e| format!("justifications of #{number} unreadable: {e}"))?
			.and_then(|j| j.into_justification(GRANDPA_ENGINE_ID))
		{
			match verify_justification(client, &header, &justification)? {
				true => report.justifications_verified += 1,
				false => report.justifications_skipped += 1,
			}
		}
		report.headers_checked += 1;
		if number == 0 {
			if hash != info.genesis_hash {
				return Err(format!("the chain leads to {hash:?}, not the genesis block"));
			}
			break;
		}
		if report.headers_checked > depth {
			break;
		}
		hash = *header.parent_hash();
		number -= 1;
	}
	verify_state(client, info.finalized_hash, info.finalized_number)?;
	Ok(report)
}

/// Verifies a GRANDPA justification of `header`; `Ok(false)` if the state needed to know
/// the authority set was pruned.
fn verify_justification(
	client: &FullClient,
	header: &Header,
	encoded: &[u8],
) -> Result<bool, String> {
	let number = *header.number();
	let justification = sc_consensus_grandpa::GrandpaJustification::<Block>::decode(encoded)
		.map_err(|e| format!("justification of #{number} does not decode: {e}"))?;
	let commit = &justification.justification.commit;
	if commit.target_hash != header.hash() || commit.target_number != number {
		return Err(format!("justification of #{number} is for another block"));
	}
	let api = client.runtime_api();
	// The set that finalized a block is the one in force at its parent; a block enacting a
	// new set may be justified by either, so both are tried.
	let mut verified_against_some_set = false;
	for at in [*header.parent_hash(), header.hash()] {
		let (Ok(authorities), Ok(set_id)) = (api.grandpa_authorities(at), api.current_set_id(at))
		else {
			continue;
		};
		verified_against_some_set = true;
		if justification.verify(set_id, &authorities).is_ok() {
			return Ok(true);
		}
	}
	if verified_against_some_set {
		Err(format!("the GRANDPA justification of #{number} does not verify"))
	} else {
		Ok(false)
	}
}

/// The finalized block's state must be readable: its runtime executes, and its block
/// number is where the database says.
fn verify_state(
	client: &FullClient,
	finalized: <Block as sp_runtime::traits::Block>::Hash,
	number: u32,
) -> Result<(), String> {
	client
		.runtime_api()
		.version(finalized)
		.map_err(|e| format!("the finalized state's runtime does not execute: {e}"))?;
	let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Number")].concat();
	let stored = client
		.storage(finalized, &StorageKey(key))
		.map_err(|e| format!("the finalized state is unreadable: {e}"))?
		.and_then(|data| u32::decode(&mut &data.0[..]).ok());
	// Genesis state has no `System::Number` entry.
	if number > 0 && stored != Some(number) {
		return Err(format!("the finalized state says block {stored:?}, not #{number}"));
	}
	Ok(())
}
