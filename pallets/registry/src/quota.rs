// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Brakes on a fee-less chain: what each role may submit ([`TransactionPolicy`]), and
//! [`CheckNonceWithinQuota`], the per-account budget of transactions and bytes per window
//! enforced both in the transaction pool and in blocks.
//!
//! Nobody pays for a transaction here, so without a budget one member (a patient is
//! enough) could fill every block. Each account gets, per window of
//! [`Config::QuotaWindow`] blocks, a number of transactions and of bytes that depends on
//! its role. The pool holds at most the account's remaining budget of its transactions (a
//! transaction whose nonce is that far ahead of the account's is refused), and a block
//! includes no transaction beyond it. Priorities come from the call (audit entries first,
//! then consent and governance, then record writes) plus the share of its budget the
//! account has left, so within a class a heavy user sinks below the others.

use crate::{extension::refusal, pallet::*};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ehr_primitives::registry::Role;
use frame_support::{
	dispatch::DispatchInfo,
	pallet_prelude::{TransactionSource, TypeInfo, Weight},
	traits::{Get, IsSubType},
	CloneNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::{pallet_prelude::BlockNumberFor, CheckNonce};
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, Dispatchable, Implication, PostDispatchInfoOf,
		TransactionExtension, ValidateResult, Zero,
	},
	transaction_validity::{TransactionPriority, TransactionValidityError},
	DispatchResult, Saturating,
};

/// What a member of one role may submit in one quota window.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Quota {
	/// Transactions.
	pub transactions: u32,
	/// Bytes of encoded transactions.
	pub bytes: u32,
}

/// The runtime's rules for members' transactions, which [`CheckMembership`] and
/// [`CheckNonceWithinQuota`] enforce.
///
/// [`CheckMembership`]: crate::CheckMembership
pub trait TransactionPolicy<Call> {
	/// Whether an acting member of `role` may submit `call` at all.
	fn allows(role: Role, call: &Call) -> bool;
	/// Whether a suspended patient may still submit `call`: calls that only narrow what
	/// others may do with their records (revoking a grant). Leaving is always allowed.
	fn allows_suspended_patient(call: &Call) -> bool;
	/// The longest transaction a member of `role` may submit, in bytes.
	fn max_length(role: Role) -> u32;
	/// What a member of `role` may submit per quota window.
	fn quota(role: Role) -> Quota;
	/// The pool priority of `call`'s class. Classes should be at least
	/// [`BUDGET_PRIORITY_SPAN`] apart: the budget an account has left is added to it.
	fn priority(call: &Call) -> TransactionPriority;
}

/// No rules: every call, any length, no budget, one priority. For mock runtimes.
impl<Call> TransactionPolicy<Call> for () {
	fn allows(_: Role, _: &Call) -> bool {
		true
	}
	fn allows_suspended_patient(_: &Call) -> bool {
		false
	}
	fn max_length(_: Role) -> u32 {
		u32::MAX
	}
	fn quota(_: Role) -> Quota {
		Quota { transactions: u32::MAX, bytes: u32::MAX }
	}
	fn priority(_: &Call) -> TransactionPriority {
		0
	}
}

/// The priority an account with its whole budget left adds to its call's class; an
/// account with none left adds nothing.
pub const BUDGET_PRIORITY_SPAN: TransactionPriority = 1_000;

/// What an account submitted in the current quota window.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Usage<BlockNumber> {
	/// The first block of the window counted.
	pub window: BlockNumber,
	/// Transactions included in the window.
	pub transactions: u32,
	/// Their encoded length, in bytes.
	pub bytes: u32,
}

impl<T: Config> Pallet<T> {
	/// The first block of the quota window `now` is in.
	pub fn quota_window(now: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let window = T::QuotaWindow::get();
		if window.is_zero() {
			return now;
		}
		now.saturating_sub(now % window)
	}

	/// What `who` submitted in the current window.
	pub fn usage_now(who: &T::AccountId) -> Usage<BlockNumberFor<T>> {
		let window = Self::quota_window(frame_system::Pallet::<T>::block_number());
		QuotaUsage::<T>::get(who).filter(|usage| usage.window == window).unwrap_or(Usage {
			window,
			transactions: 0,
			bytes: 0,
		})
	}

	/// The quota of `who`'s role, if it is a member.
	fn quota_of(who: &T::AccountId) -> Option<Quota> {
		Members::<T>::get(who).map(|member| T::Policy::quota(member.role))
	}
}

/// `frame_system`'s [`CheckNonce`], which also keeps each member within its quota (see the
/// module docs). It encodes exactly as `CheckNonce` and carries its identifier, so
/// Polkadot.js and subxt sign for it as they sign any Substrate chain's nonce.
///
/// Refusals: `InvalidTransaction::Custom(QuotaExhausted)` (the index of
/// [`Error::QuotaExhausted`]) when the account's budget for this window is spent, or when
/// the transaction's nonce lies further ahead than the budget it has left.
#[derive(
	Encode, Decode, DecodeWithMemTracking, CloneNoBound, EqNoBound, PartialEqNoBound, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct CheckNonceWithinQuota<T: Config>(pub CheckNonce<T>);

impl<T: Config> CheckNonceWithinQuota<T> {
	/// The check for a transaction at `nonce`.
	pub fn from(nonce: T::Nonce) -> Self {
		Self(CheckNonce::from(nonce))
	}
}

impl<T: Config> core::fmt::Debug for CheckNonceWithinQuota<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckNonceWithinQuota({:?})", self.0)
	}
}

/// The budget a transaction of `len` bytes leaves, or `None` if it does not fit.
fn remaining(quota: Quota, used: &Usage<impl Sized>, len: usize) -> Option<(u32, u32)> {
	let len = u32::try_from(len).ok()?;
	let transactions = quota.transactions.checked_sub(used.transactions)?;
	let bytes = quota.bytes.checked_sub(used.bytes)?.checked_sub(len)?;
	(transactions > 0).then_some((transactions, bytes))
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckNonceWithinQuota<T>
where
	T::RuntimeCall: Dispatchable<Info = DispatchInfo> + IsSubType<Call<T>>,
	<T::RuntimeCall as Dispatchable>::RuntimeOrigin: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckNonce";
	type Implicit = ();
	type Val = <CheckNonce<T> as TransactionExtension<T::RuntimeCall>>::Val;
	type Pre = <CheckNonce<T> as TransactionExtension<T::RuntimeCall>>::Pre;

	fn weight(&self, call: &T::RuntimeCall) -> Weight {
		// The nonce, and the member and its usage.
		self.0.weight(call).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}

	fn validate(
		&self,
		origin: <T::RuntimeCall as Dispatchable>::RuntimeOrigin,
		call: &T::RuntimeCall,
		info: &DispatchInfoOf<T::RuntimeCall>,
		len: usize,
		_self_implicit: Self::Implicit,
		inherited_implication: &impl Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		let signer = origin.as_system_origin_signer().cloned();
		let (mut validity, val, origin) =
			self.0.validate(origin, call, info, len, (), inherited_implication, source)?;
		let Some((who, quota)) =
			signer.and_then(|who| Pallet::<T>::quota_of(&who).map(|q| (who, q)))
		else {
			return Ok((validity, val, origin));
		};
		let used = Pallet::<T>::usage_now(&who);
		let (transactions_left, _) =
			remaining(quota, &used, len).ok_or_else(|| refusal::<T>(Error::QuotaExhausted))?;
		// The pool holds no more of this account's transactions than its budget allows.
		let account_nonce = frame_system::Pallet::<T>::account_nonce(&who);
		let ahead = self.0 .0.saturating_sub(account_nonce);
		if ahead >= T::Nonce::from(transactions_left) {
			return Err(refusal::<T>(Error::QuotaExhausted));
		}
		let left = u64::from(transactions_left.saturating_sub(1));
		let share = left.saturating_mul(BUDGET_PRIORITY_SPAN) / u64::from(quota.transactions);
		validity.priority = T::Policy::priority(call).saturating_add(share);
		Ok((validity, val, origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		origin: &<T::RuntimeCall as Dispatchable>::RuntimeOrigin,
		call: &T::RuntimeCall,
		info: &DispatchInfoOf<T::RuntimeCall>,
		len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		// In a block: the budget is charged whether the call then succeeds or fails.
		if let Some(who) = origin.as_system_origin_signer() {
			if let Some(quota) = Pallet::<T>::quota_of(who) {
				let mut used = Pallet::<T>::usage_now(who);
				remaining(quota, &used, len).ok_or_else(|| refusal::<T>(Error::QuotaExhausted))?;
				used.transactions = used.transactions.saturating_add(1);
				used.bytes = used.bytes.saturating_add(u32::try_from(len).unwrap_or(u32::MAX));
				QuotaUsage::<T>::insert(who, used);
			}
		}
		self.0.prepare(val, origin, call, info, len)
	}

	fn post_dispatch_details(
		pre: Self::Pre,
		info: &DispatchInfoOf<T::RuntimeCall>,
		post_info: &PostDispatchInfoOf<T::RuntimeCall>,
		len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		<CheckNonce<T> as TransactionExtension<T::RuntimeCall>>::post_dispatch_details(
			pre, info, post_info, len, result,
		)
	}
}
