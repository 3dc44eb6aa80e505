// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! [`CheckMembership`]: the gate that keeps a fee-less chain closed to non-members.

use crate::{pallet::*, Inability, Role, TransactionPolicy};
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::{
	dispatch::DispatchInfo,
	pallet_prelude::{TransactionSource, TypeInfo, Weight},
	traits::{Get, IsSubType},
	DefaultNoBound,
};
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, Dispatchable, Implication, TransactionExtension,
		ValidateResult,
	},
	transaction_validity::{
		InvalidTransaction, TransactionLongevity, TransactionValidityError, ValidTransaction,
	},
	DispatchError, SaturatedConversion,
};

/// Admits a signed transaction only if its signer is a member who may act now, submitting
/// a call of its role ([`TransactionPolicy::allows`]: a node service account only the
/// calls its node needs, nobody `system.remark`) no longer than its role may
/// ([`TransactionPolicy::max_length`]), or an account with no standing whose call is a
/// valid application (proof of work included) or the withdrawal of its own pending
/// application. A suspended patient may still deregister and narrow access to its records
/// ([`TransactionPolicy::allows_suspended_patient`]); a recovered account may do nothing
/// (its inheritor acts for it). The budget per window is [`crate::CheckNonceWithinQuota`]'s. Everything else is refused in the pool with
/// `InvalidTransaction::Custom(code)`, `code` being the index of the matching registry
/// [`Error`] variant (`NotMember`, `Suspended`, `CredentialExpired`, ...).
///
/// Applications and withdrawals are dispatched with the [`RawOrigin::Applicant`] origin:
/// the applicant has no provider reference, hence no nonce, so `CheckNonce` (which must
/// come after this extension) lets them through; replay is harmless because an account
/// has at most one pending application, and the pool deduplicates by applicant.
///
/// The extension carries no data (zero-sized explicit and implicit parts): Polkadot.js
/// signs transactions for this chain without custom types.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo, DefaultNoBound)]
#[scale_info(skip_type_params(T))]
pub struct CheckMembership<T>(core::marker::PhantomData<T>);

impl<T> CheckMembership<T> {
	pub fn new() -> Self {
		Self(core::marker::PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckMembership<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckMembership")
	}
}

/// The pool refusal for a registry error: its index in the pallet's `Error` enum. Public
/// for the node, which refuses with [`Error::Busy`] when the network is at capacity.
pub fn refusal<T: Config>(error: Error<T>) -> TransactionValidityError {
	let code = match DispatchError::from(error) {
		DispatchError::Module(module) => module.error[0],
		_ => 0,
	};
	InvalidTransaction::Custom(code).into()
}

fn inability_error<T: Config>(inability: Inability) -> Error<T> {
	match inability {
		Inability::NotRegistered => Error::<T>::NotMember,
		Inability::Suspended => Error::<T>::Suspended,
		Inability::CredentialExpired => Error::<T>::CredentialExpired,
		Inability::HospitalInactive => Error::<T>::HospitalInactive,
		Inability::Recovered => Error::<T>::AccountRecovered,
	}
}

/// Tag under which the pool knows an applicant's transaction: one at a time.
const APPLICANT_TAG: &[u8] = b"ehr-chain/registry/applicant";

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckMembership<T>
where
	T::RuntimeCall: Dispatchable<Info = DispatchInfo> + IsSubType<Call<T>>,
	<T::RuntimeCall as Dispatchable>::RuntimeOrigin:
		AsSystemOriginSigner<T::AccountId> + From<Origin<T>> + Clone,
{
	const IDENTIFIER: &'static str = "CheckMembership";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, _call: &T::RuntimeCall) -> Weight {
		// The member, its hospital and the timestamp, or an application's checks (member,
		// application, hospital, difficulty, expiry queue) with one hash.
		T::DbWeight::get().reads(5)
	}

	fn validate(
		&self,
		origin: <T::RuntimeCall as Dispatchable>::RuntimeOrigin,
		call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Implication,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		// Unsigned and inherent transactions are not this extension's business.
		let Some(who) = origin.as_system_origin_signer().cloned() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let registry_call = call.is_sub_type();

		let too_long = |role| len > T::Policy::max_length(role) as usize;
		match Pallet::<T>::acting_role(&who) {
			Ok(_) if matches!(registry_call, Some(Call::apply { .. })) => {
				Err(refusal::<T>(Error::AlreadyMember))
			}
			// A node's service account records what its node served, and nothing else.
			Ok(Role::Node) if !T::Policy::allows(Role::Node, call) => {
				Err(refusal::<T>(Error::NotNodeCall))
			}
			Ok(role) if !T::Policy::allows(role, call) => Err(refusal::<T>(Error::CallNotForRole)),
			Ok(role) if too_long(role) => Err(refusal::<T>(Error::TransactionTooLong)),
			Ok(_) => Ok((ValidTransaction::default(), (), origin)),
			// A suspended patient keeps the right to leave, and to narrow who sees its records.
			Err(Inability::Suspended)
				if (matches!(registry_call, Some(Call::deregister {}))
					|| T::Policy::allows_suspended_patient(call))
					&& Members::<T>::get(&who).is_some_and(|m| m.role == Role::Patient) =>
			{
				if too_long(Role::Patient) {
					return Err(refusal::<T>(Error::TransactionTooLong));
				}
				Ok((ValidTransaction::default(), (), origin))
			}
			Err(Inability::NotRegistered) => {
				match registry_call {
					Some(Call::apply {
						role,
						hospital,
						profile_commitment,
						encryption_key,
						pow_block,
						pow_nonce,
					}) => Pallet::<T>::validate_application(
						&who,
						*role,
						hospital,
						profile_commitment,
						encryption_key,
						*pow_block,
						*pow_nonce,
					)
					.map_err(refusal::<T>)?,
					Some(Call::withdraw_application {}) => {
						if !Applications::<T>::contains_key(&who) {
							return Err(refusal::<T>(Error::NoApplication));
						}
					}
					_ => {
						let error = if Applications::<T>::contains_key(&who) {
							Error::<T>::ApplicationPending
						} else {
							Error::<T>::NotMember
						};
						return Err(refusal::<T>(error));
					}
				}
				let validity = ValidTransaction {
					priority: 0,
					requires: alloc::vec![],
					provides: alloc::vec![(APPLICANT_TAG, &who).encode()],
					longevity: T::ApplicationLifetime::get()
						.saturated_into::<TransactionLongevity>(),
					propagate: true,
				};
				Ok((validity, (), Origin::<T>::Applicant(who).into()))
			}
			Err(inability) => Err(refusal::<T>(inability_error::<T>(inability))),
		}
	}

	fn prepare(
		self,
		_val: Self::Val,
		_origin: &<T::RuntimeCall as Dispatchable>::RuntimeOrigin,
		_call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		// `validate` runs again right before dispatch in a block; nothing to add here.
		Ok(())
	}
}
