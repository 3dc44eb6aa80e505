// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Key escrow: which hospitals hold shares of a record key, and how many rebuild it.
//!
//! The escrow holders of a record are the consortium's hospitals other than its custodian
//! (the author's hospital) that may act and have registered a custody key (not the
//! placeholder key nobody holds), in the consortium's (sorted) order. With a threshold
//! `t ≥ 2` and at least `t` holders, a writer must give one share per holder; otherwise
//! none.

use crate::{
	functions::{Content, EscrowSharesOf},
	pallet::*,
	types::EscrowShares,
};
use alloc::vec::Vec;
use ehr_primitives::{
	records::{CustodyView, EscrowPolicy, RecordId},
	registry::{placeholder_encryption_key, MemberRegistry, Role},
};
use frame_support::{ensure, traits::Get, BoundedVec};

/// A record's content with its escrow shares taken out, and the escrow to store.
pub(crate) type ContentAndEscrow<T> = (Content<T>, Option<EscrowSharesOf<T>>);

impl<T: Config> Pallet<T> {
	/// The threshold and holders of a key written now by a doctor of `custodian`;
	/// `(0, [])` when escrow is off or there are too few other hospitals.
	fn escrow_holders(custodian: &T::AccountId) -> (u8, Vec<T::AccountId>) {
		let threshold = EscrowThreshold::<T>::get();
		if threshold < 2 {
			return (0, Vec::new());
		}
		let holders: Vec<T::AccountId> = T::Hospitals::get()
			.into_iter()
			.filter(|hospital| hospital != custodian)
			.filter(|hospital| {
				T::Registry::acting_role(hospital) == Ok(Role::Hospital)
					&& T::Registry::encryption_key(hospital)
						.is_some_and(|key| key != placeholder_encryption_key(hospital))
			})
			.take(T::MaxEscrowHolders::get() as usize)
			.collect();
		if holders.len() < usize::from(threshold) {
			return (0, Vec::new());
		}
		(threshold, holders)
	}

	/// How a doctor of `custodian` must escrow a record key now, with each holder's
	/// custody key to wrap its share to.
	pub fn escrow_policy(custodian: &T::AccountId) -> EscrowPolicy<T::AccountId> {
		let (threshold, holders) = Self::escrow_holders(custodian);
		let holders = holders
			.into_iter()
			.map(|h| {
				let key = T::Registry::encryption_key(&h).unwrap_or_default();
				(h, key)
			})
			.collect();
		EscrowPolicy { threshold, holders }
	}

	/// Checks `content`'s escrow shares against the policy of `custodian`; returns the
	/// content without them, and the escrow to store.
	pub(crate) fn escrow_for(
		custodian: &T::AccountId,
		mut content: Content<T>,
	) -> Result<ContentAndEscrow<T>, Error<T>> {
		let shares = core::mem::take(&mut content.escrow);
		let (threshold, holders) = Self::escrow_holders(custodian);
		ensure!(shares.len() == holders.len(), Error::<T>::EscrowMismatch);
		if holders.is_empty() {
			return Ok((content, None));
		}
		let shares: BoundedVec<_, T::MaxEscrowHolders> = holders
			.into_iter()
			.zip(shares)
			.collect::<Vec<_>>()
			.try_into()
			.map_err(|_| Error::<T>::EscrowMismatch)?;
		Ok((content, Some(EscrowShares { threshold, shares })))
	}

	/// Who holds `record`'s key besides its readers.
	pub fn custody(record: RecordId) -> Option<CustodyView<T::AccountId>> {
		let anchor = Anchors::<T>::get(record)?;
		let (threshold, holders) = Escrow::<T>::get(record)
			.map(|e| (e.threshold, e.shares.into_iter().map(|(holder, _)| holder).collect()))
			.unwrap_or_default();
		Some(CustodyView { custodian: anchor.hospital, threshold, holders })
	}

	/// The escrow share of `record` wrapped to `holder`'s custody key.
	pub fn escrow_share(record: RecordId, holder: &T::AccountId) -> Option<Vec<u8>> {
		Escrow::<T>::get(record)?
			.shares
			.into_iter()
			.find(|(h, _)| h == holder)
			.map(|(_, share)| share.into_inner())
	}
}
