// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The origin checks this pallet provides to runtimes.

use crate::pallet::*;

/// Ensures the origin is an applicant admitted by [`CheckMembership`](crate::CheckMembership); yields its account.
pub struct EnsureApplicant<T>(core::marker::PhantomData<T>);

impl<T: Config, O> frame_support::traits::EnsureOrigin<O> for EnsureApplicant<T>
where
	O: Into<Result<Origin<T>, O>> + From<Origin<T>>,
{
	type Success = T::AccountId;

	fn try_origin(o: O) -> Result<Self::Success, O> {
		o.into().map(|RawOrigin::Applicant(who)| who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<O, ()> {
		let who: T::AccountId = frame_benchmarking::whitelisted_caller();
		Ok(O::from(RawOrigin::Applicant(who)))
	}
}
