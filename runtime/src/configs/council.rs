// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The hospital council's voting rule and its bound on proposals per hospital.

use super::CouncilCollective;
use crate::{AccountId, Runtime};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::traits::{Consideration, MaybeConsideration};
use pallet_collective::{CostOf, DefaultVote, MemberCount, Proposals};
use scale_info::TypeInfo;
use sp_runtime::DispatchError;

/// Most council motions one hospital may have open at once: with `MaxProposals` 100 and
/// up to 64 hospitals, no single hospital can take every slot and lock the council out.
pub const MAX_OPEN_PROPOSALS_PER_HOSPITAL: usize = 5;

/// A hospital that did not vote when a motion closes voted nay. "Two thirds of the
/// council" must mean two thirds of the hospitals saying aye; with FRAME's
/// `MoreThanMajorityThenPrimeDefaultVote`, a bare majority could pass a two-thirds motion
/// by waiting for the others' abstentions to count as ayes.
pub struct AbstentionIsNay;

impl DefaultVote for AbstentionIsNay {
	fn default_vote(_: Option<bool>, _: MemberCount, _: MemberCount, _: MemberCount) -> bool {
		false
	}
}

/// The "cost" of a council proposal: a count, not a deposit (there is no currency). A
/// hospital that already has `MAX_OPEN_PROPOSALS_PER_HOSPITAL` motions open is refused with
/// the council's `TooManyProposals`.
#[derive(Encode, Decode, TypeInfo, MaxEncodedLen, Clone, PartialEq, Eq, Debug)]
pub struct OpenProposalSlot;

impl Consideration<AccountId, u32> for OpenProposalSlot {
	fn new(who: &AccountId, _: u32) -> Result<Self, DispatchError> {
		// At most `MaxProposals` reads, on a hospital's rare governance call. The new
		// proposal is already listed but has no cost entry yet.
		let open = Proposals::<Runtime, CouncilCollective>::get()
			.iter()
			.filter(|hash| {
				CostOf::<Runtime, CouncilCollective>::get(hash)
					.is_some_and(|(proposer, _)| &proposer == who)
			})
			.count();
		// FRAME's council benchmarks make every proposal from one member; the limit is not
		// what they measure.
		if open >= MAX_OPEN_PROPOSALS_PER_HOSPITAL && !cfg!(feature = "runtime-benchmarks") {
			return Err(
				pallet_collective::Error::<Runtime, CouncilCollective>::TooManyProposals.into()
			);
		}
		Ok(Self)
	}

	fn update(self, _: &AccountId, _: u32) -> Result<Self, DispatchError> {
		Ok(self)
	}

	fn drop(self, _: &AccountId) -> Result<(), DispatchError> {
		Ok(())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_successful(_: &AccountId, _: u32) {}
}

impl MaybeConsideration<AccountId, u32> for OpenProposalSlot {
	fn is_none(&self) -> bool {
		// Recorded, so the proposer of each open motion is known.
		false
	}
}
