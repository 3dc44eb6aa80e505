// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-fuzz
//!
//! ## Overview
//!
//! A fuzzer of the whole ehr-chain runtime, run natively with every pallet's `try_state`
//! invariants compiled in. One input is a chain's life: blocks built as the node builds
//! them (Aura slot digest, timestamp inherent, `on_initialize`, `on_finalize`, session
//! rotations), holding transactions signed by the consortium's members and by strangers,
//! each checked by the transaction pool's validation first and then applied in the block,
//! with any call of any pallet (nested in `sudo`, council motions and recovery too). After
//! every block the invariants of the chain's pallets must hold (with the `try-runtime`
//! feature, as `scripts/fuzz.sh` builds it, every pallet's `try_state`: FRAME's too), and
//! the block's weight must be within its limit; nothing may panic.
//!
//! - [`run`] executes one input; it panics on a broken invariant, as on any panic.
//! - `src/bin/fuzz-runtime.rs` is the libFuzzer target (`scripts/fuzz.sh`, coverage-guided).
//! - `ehr-fuzz` replays a corpus or runs seeded random inputs and prints which calls ran and
//!   how they ended: the coverage a corpus reaches, in the runtime's own terms.
//!
//! ## Terminology
//!
//! - **Actor**: a signer the fuzzer owns the keys of (see [`actors`]).
//! - **Repair**: a signature, proof or bound a generated call needs to get past its
//!   checks, computed the way an honest client would (see [`fixups`]).

pub mod actors;
pub mod calls;
pub mod fixups;
mod stats;

pub use stats::Stats;

use actors::{Actors, Genesis};
use arbitrary::Unstructured;
use calls::{CallGenerator, Pools};
use codec::Encode;
use ehr_primitives::{AccountId, BlockNumber};
use ehr_runtime::configs::policy::EhrPolicy;
use ehr_runtime::{
	signing::{signed_transaction_for, Lifetime},
	Executive, Header, Runtime, RuntimeCall, UncheckedExtrinsic, SLOT_DURATION,
};
use frame_support::dispatch::DispatchClass;
use pallet_ehr_registry::TransactionPolicy;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::H256;
use sp_io::hashing::blake2_256;
use sp_runtime::{
	traits::Header as _, transaction_validity::TransactionSource, Digest, DigestItem,
};
use std::sync::OnceLock;

/// Blocks one input may build: enough for sessions to turn (30 blocks), requests and
/// break-glass reviews to expire, budgets to refill.
const MAX_BLOCKS: u32 = 200;
/// Transactions one block may hold.
const MAX_TRANSACTIONS_PER_BLOCK: u8 = 8;
/// Calls drawn for one transaction when seeking one that would succeed.
const CANDIDATE_CALLS: usize = 4;
/// The first slot: the end of November 2026, so that dates in calls (credential expiries, request
/// times) are near the chain's clock.
const FIRST_SLOT: u64 = 1_796_000_000_000 / SLOT_DURATION;

/// Executes the chain's life `data` describes, counting what happened in `stats`.
///
/// # Panics
/// When the runtime panics, or when an invariant is broken after a block: each is a bug.
pub fn run(data: &[u8], stats: &mut Stats) {
	let mut u = Unstructured::new(data);
	let genesis = if u.arbitrary::<bool>().unwrap_or(false) {
		Genesis::CouncilOnly
	} else {
		Genesis::WithAdmin
	};
	let mut ext = sp_io::TestExternalities::new(genesis.storage().clone());
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(RejectAllCode));
	ext.execute_with(|| {
		let mut chain = Chain { number: 0, slot: FIRST_SLOT };
		stats.inputs += 1;
		while !u.is_empty() && chain.number < MAX_BLOCKS {
			let empty = u.ratio(1, 8).unwrap_or(false);
			if empty {
				let blocks = u.int_in_range(1..=40).unwrap_or(1).min(MAX_BLOCKS - chain.number);
				for _ in 0..blocks {
					chain.start(1);
					chain.finish(stats);
				}
				continue;
			}
			// Mostly the next slot; sometimes hours or days later (expiries, budgets).
			let skip = match u.int_in_range(0u8..=15).unwrap_or(0) {
				0..=12 => 1,
				13 | 14 => u.int_in_range(2u64..=1_800).unwrap_or(2),
				_ => u.int_in_range(1_800u64..=400_000).unwrap_or(1_800),
			};
			chain.start(skip);
			let transactions = u.int_in_range(1..=MAX_TRANSACTIONS_PER_BLOCK).unwrap_or(1);
			for _ in 0..transactions {
				if u.is_empty() {
					break;
				}
				chain.transaction(&mut u, stats);
			}
			chain.finish(stats);
		}
	});
}

/// What a node answers a call that reads a runtime's version from code (`set_code` in a
/// council motion, say) when the code is no runtime, as the fuzzer's never is.
struct RejectAllCode;

impl sp_core::traits::ReadRuntimeVersion for RejectAllCode {
	fn read_runtime_version(
		&self,
		_code: &[u8],
		_ext: &mut dyn sp_core::traits::Externalities,
	) -> Result<Vec<u8>, String> {
		Err("no runtime version in this code".into())
	}
}

/// The chain being built, inside its externalities.
struct Chain {
	number: BlockNumber,
	slot: u64,
}

impl Chain {
	/// Starts the next block `skip` slots after the last one, as a node would author it.
	fn start(&mut self, skip: u64) {
		// Block 1's parent is the genesis block, whose hash genesis storage holds.
		let parent = if self.number == 0 {
			frame_system::Pallet::<Runtime>::block_hash(0)
		} else {
			block_hash(self.number)
		};
		self.number += 1;
		self.slot += skip.max(1);
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(self.slot).encode())],
		};
		let header = Header::new(self.number, H256::zero(), H256::zero(), parent, digest);
		Executive::initialize_block(&header);
		let now = self.slot * SLOT_DURATION;
		let timestamp =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now,
			}));
		let applied = Executive::apply_extrinsic(timestamp);
		assert!(matches!(applied, Ok(Ok(()))), "the timestamp inherent failed: {applied:?}");
	}

	/// Finishes the block and checks every invariant.
	fn finish(&mut self, stats: &mut Stats) {
		let weight = frame_system::Pallet::<Runtime>::block_weight();
		let limits = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = limits.get(DispatchClass::Normal);
		if let Some(max) = normal.max_total {
			assert!(
				weight.get(DispatchClass::Normal).all_lte(max),
				"block {} exceeds its normal weight: {:?} > {max:?}",
				self.number,
				weight.get(DispatchClass::Normal),
			);
		}
		Executive::finalize_block();
		if let Err(e) = check_invariants(self.number) {
			panic!("an invariant is broken after block {}: {e:?}", self.number);
		}
		stats.blocks += 1;
	}

	/// Draws one transaction from `u`, lets the pool validate it, and applies it.
	fn transaction(&mut self, u: &mut Unstructured, stats: &mut Stats) {
		let actors = Actors::get();
		let genesis = frame_system::Pallet::<Runtime>::block_hash(0);
		let context = fixups::Context {
			genesis,
			now: pallet_timestamp::Now::<Runtime>::get(),
			block: self.number,
		};
		// Mostly the first of a few drawn calls that would succeed now for some signer (tried
		// in a storage transaction rolled back), with such a signer: a record needs a
		// patient's grant first, and random arguments rarely name the right accounts.
		let seek_success = u.int_in_range(0u8..=7).unwrap_or(0) <= 4;
		let tries = if seek_success { CANDIDATE_CALLS } else { 1 };
		let mut drawn = None;
		for _ in 0..tries {
			let call = match generator().call(u, &pools()) {
				Ok(Some(call)) => call,
				_ => {
					stats.undecodable += 1;
					continue;
				}
			};
			let (repair, choice) =
				(u.ratio(7u8, 8).unwrap_or(true), u.arbitrary::<u8>().unwrap_or(0));
			let prepared = move |who: &AccountId| {
				let mut call = call.clone();
				if repair {
					fixups::repair(&mut call, who, &context, choice);
				}
				call
			};
			let succeeding: Vec<&actors::Actor> = if seek_success {
				actors
					.signers
					.iter()
					.filter(|a| would_succeed(prepared(&a.account), &a.account))
					.collect()
			} else {
				Vec::new()
			};
			let found = !succeeding.is_empty();
			drawn = Some((prepared, succeeding));
			if found {
				break;
			}
		}
		let Some((prepared, succeeding)) = drawn else { return };
		// The role filter looks at the call's kind only: any signer's version will do.
		let call = prepared(&actors.signers[0].account);
		let fitting: Vec<&actors::Actor> = actors
			.signers
			.iter()
			.filter(|a| {
				pallet_ehr_registry::Members::<Runtime>::get(&a.account).is_some_and(|m| {
					<EhrPolicy as TransactionPolicy<RuntimeCall>>::allows(m.role, &call)
				})
			})
			.collect();
		let signer = if !succeeding.is_empty() {
			u.choose(&succeeding).ok().copied()
		} else if u.ratio(3u8, 4).unwrap_or(true) && !fitting.is_empty() {
			u.choose(&fitting).ok().copied()
		} else {
			u.choose(&actors.signers).ok()
		};
		let Some(signer) = signer else { return };
		let call = prepared(&signer.account);
		let nonce = frame_system::Pallet::<Runtime>::account_nonce(&signer.account);
		let nonce = match u.int_in_range(0u8..=15).unwrap_or(0) {
			0 => nonce.wrapping_sub(1),
			1 => nonce.wrapping_add(1),
			_ => nonce,
		};
		let lifetime = if u.ratio(1u8, 4).unwrap_or(false) && self.number > 1 {
			// Born up to 63 blocks back is valid for a period of 64; further back it names
			// another block, and the signature fails (`BadProof`).
			let born = self.number - u.int_in_range(1..=self.number.min(100)).unwrap_or(1);
			Lifetime::Mortal {
				period: 64,
				number: born,
				hash: frame_system::Pallet::<Runtime>::block_hash(born),
			}
		} else {
			Lifetime::Immortal
		};
		let name = stats::call_name(&call);
		let xt = signed_transaction_for(&signer.pair, call, nonce, genesis, lifetime);
		if u.ratio(1u8, 2).unwrap_or(false) {
			// As a pool validates for the block being built: at its parent, whose number
			// `validate_transaction` counts from (it sees this block's earlier transactions,
			// as an author's pool revalidating would).
			let pool = frame_support::storage::with_transaction_unchecked(|| {
				let parent = self.number - 1;
				frame_system::Pallet::<Runtime>::set_block_number(parent);
				let parent_hash = frame_system::Pallet::<Runtime>::block_hash(parent);
				let validity = Executive::validate_transaction(
					TransactionSource::External,
					xt.clone(),
					parent_hash,
				);
				frame_support::storage::TransactionOutcome::Rollback(validity)
			});
			stats.pool(&name, pool.map(|_| ()));
		}
		stats.applied(&name, &Executive::apply_extrinsic(xt));
	}
}

/// Whether `call` would succeed now, dispatched by `who`; changes nothing.
fn would_succeed(call: RuntimeCall, who: &AccountId) -> bool {
	use sp_runtime::traits::Dispatchable;
	frame_support::storage::with_transaction_unchecked(|| {
		let origin = ehr_runtime::RuntimeOrigin::signed(who.clone());
		frame_support::storage::TransactionOutcome::Rollback(call.dispatch(origin).is_ok())
	})
}

/// The storage invariants: with the `try-runtime` feature every pallet's `try_state`, else
/// those of the chain's own four pallets.
fn check_invariants(number: BlockNumber) -> Result<(), sp_runtime::TryRuntimeError> {
	#[cfg(feature = "try-runtime")]
	{
		use frame_support::traits::{TryState, TryStateSelect};
		ehr_runtime::AllPalletsWithSystem::try_state(number, TryStateSelect::All)
	}
	#[cfg(not(feature = "try-runtime"))]
	{
		let _ = number;
		pallet_ehr_registry::Pallet::<Runtime>::do_try_state()?;
		pallet_ehr_consent::Pallet::<Runtime>::do_try_state()?;
		pallet_ehr_records::Pallet::<Runtime>::do_try_state()?;
		pallet_ehr_consortium::Pallet::<Runtime>::do_try_state()
	}
}

/// The fuzzer's own hash of block `number`: a real header's hash covers the extrinsics
/// root, so sr25519's randomized signatures would make every block hash, and the state
/// that records them, differ from run to run.
fn block_hash(number: BlockNumber) -> H256 {
	H256(blake2_256(&(b"ehr-fuzz block", number).encode()))
}

fn generator() -> &'static CallGenerator {
	static GENERATOR: OnceLock<CallGenerator> = OnceLock::new();
	GENERATOR.get_or_init(CallGenerator::default)
}

/// The pools calls draw from, with the state's live council proposals.
fn pools() -> Pools {
	let actors = Actors::get();
	let accounts: Vec<[u8; 32]> = actors.signers.iter().map(|a| a.account.clone().into()).collect();
	let mut bytes32 = vec![[0u8; 32], [1u8; 32], blake2_256(b"ehr-fuzz content")];
	bytes32.extend(actors.node_keys.iter().map(|k| sp_core::Pair::public(k).0));
	bytes32.extend(ehr_runtime::genesis_config_presets::DEV_CUSTODY_KEYS);
	bytes32.extend(accounts.iter().take(2));
	bytes32.extend(
		pallet_collective::Proposals::<Runtime, pallet_collective::Instance1>::get()
			.into_iter()
			.map(|hash| hash.0),
	);
	let mut members = Vec::new();
	let mut strangers = Vec::new();
	for actor in &actors.signers {
		match pallet_ehr_registry::Members::<Runtime>::get(&actor.account) {
			Some(member) => members.push((member.role, actor.account.clone().into())),
			None => strangers.push(actor.account.clone().into()),
		}
	}
	Pools { accounts, members, strangers, bytes32 }
}

/// The input files in `paths`: each file itself, each folder's files (sorted, not
/// recursive), so that a replay runs in a fixed order.
pub fn input_files(paths: &[std::path::PathBuf]) -> std::io::Result<Vec<std::path::PathBuf>> {
	let mut files = Vec::new();
	for path in paths {
		if path.is_dir() {
			let mut entries: Vec<_> = std::fs::read_dir(path)?
				.map(|entry| entry.map(|e| e.path()))
				.collect::<Result<_, _>>()?;
			entries.retain(|p| p.is_file());
			entries.sort();
			files.extend(entries);
		} else {
			files.push(path.clone());
		}
	}
	Ok(files)
}
