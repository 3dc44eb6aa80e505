// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The runtime-upgrade rehearsal's storage migration (feature `upgrade-rehearsal`; test
//! chains only). It exercises what a real migration needs, on a real, populated item:
//! every registry member is read and written back through its type, the registry's
//! storage version goes from 1 to 2 (FRAME's `VersionedMigration`: run once, skipped
//! if the version is not 1), the weight is accounted per member, and under `try-runtime`
//! the pre/post checks prove that no member was lost or changed.

use crate::Runtime;
use frame_support::{
	migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
};

type DbWeight = <Runtime as frame_system::Config>::DbWeight;
use pallet_ehr_registry::Members;

/// Re-encodes every registry member (each must decode; none may be lost).
pub struct ReencodeMembers;

impl UncheckedOnRuntimeUpgrade for ReencodeMembers {
	fn on_runtime_upgrade() -> Weight {
		let mut count = 0u64;
		Members::<Runtime>::translate_values(|member| {
			count = count.saturating_add(1);
			Some(member)
		});
		DbWeight::get().reads_writes(count, count)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		let members: alloc::vec::Vec<_> = Members::<Runtime>::iter().collect();
		Ok(members.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(before: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::{Decode, Encode};
		type Entries = alloc::vec::Vec<(
			crate::AccountId,
			pallet_ehr_registry::MemberInfo<
				crate::AccountId,
				crate::BlockNumber,
				<Runtime as pallet_ehr_registry::Config>::MaxCredentialLen,
			>,
		)>;
		let mut before = Entries::decode(&mut &before[..])
			.map_err(|_| "the pre-upgrade state does not decode")?;
		let mut after: Entries = Members::<Runtime>::iter().collect();
		before.sort_by(|a, b| a.0.cmp(&b.0));
		after.sort_by(|a, b| a.0.cmp(&b.0));
		frame_support::ensure!(
			after.encode() == before.encode(),
			"registry members changed across the migration"
		);
		Ok(())
	}
}

/// Registry storage version 1 -> 2 through [`ReencodeMembers`].
pub type RehearsalMembersV2 =
	VersionedMigration<1, 2, ReencodeMembers, pallet_ehr_registry::Pallet<Runtime>, DbWeight>;
