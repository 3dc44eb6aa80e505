// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What other pallets ask of records: [`RecordCatalog`] (whose record this is, who wrote
//! it, its category, whether it was erased), for the consent pallet's decisions.

use crate::pallet::*;
use ehr_primitives::records::{RecordCatalog, RecordFacts, RecordId, RecordStatus};

impl<T: Config> RecordCatalog<T::AccountId> for Pallet<T> {
	fn record_facts(record: RecordId) -> Option<RecordFacts<T::AccountId>> {
		Anchors::<T>::get(record).map(|anchor| RecordFacts {
			erased: anchor.status == RecordStatus::Erased,
			patient: anchor.patient,
			author: anchor.author,
			category: anchor.category,
			root: anchor.root,
		})
	}
}
