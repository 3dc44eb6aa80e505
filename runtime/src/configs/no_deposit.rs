// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A fungible "currency" for a chain that has none.
//!
//! ehr-chain has no balances and no fees (the seed: on a permissioned chain "gas" has no
//! meaning). Some FRAME pallets still ask for a `fungible` currency to take deposits —
//! `pallet-session` holds a key deposit when a validator sets its keys, `pallet-recovery`
//! holds deposits for friend groups and recovery attempts. [`NoDeposit`]
//! satisfies them honestly: every balance is zero, zero-amount operations succeed, and
//! any attempt to move a non-zero amount fails with `TokenError::Unsupported`, so a
//! misconfigured deposit surfaces as an error instead of silently minting value.

use core::marker::PhantomData;
use frame_support::traits::tokens::{
	fungible, DepositConsequence, Fortitude, Preservation, Provenance, WithdrawConsequence,
};
use sp_runtime::{DispatchError, TokenError};

/// The balance type of [`NoDeposit`]; always zero.
pub type NoBalance = u32;

/// A fungible asset that does not exist. `Reason` is the runtime's hold reason.
pub struct NoDeposit<Reason>(PhantomData<Reason>);

fn only_zero(amount: NoBalance) -> Result<(), DispatchError> {
	if amount == 0 {
		Ok(())
	} else {
		Err(DispatchError::Token(TokenError::Unsupported))
	}
}

impl<AccountId, Reason> fungible::Inspect<AccountId> for NoDeposit<Reason> {
	type Balance = NoBalance;

	fn total_issuance() -> NoBalance {
		0
	}
	fn minimum_balance() -> NoBalance {
		0
	}
	fn total_balance(_: &AccountId) -> NoBalance {
		0
	}
	fn balance(_: &AccountId) -> NoBalance {
		0
	}
	fn reducible_balance(_: &AccountId, _: Preservation, _: Fortitude) -> NoBalance {
		0
	}
	fn can_deposit(_: &AccountId, amount: NoBalance, _: Provenance) -> DepositConsequence {
		if amount == 0 {
			DepositConsequence::Success
		} else {
			DepositConsequence::UnknownAsset
		}
	}
	fn can_withdraw(_: &AccountId, amount: NoBalance) -> WithdrawConsequence<NoBalance> {
		if amount == 0 {
			WithdrawConsequence::Success
		} else {
			WithdrawConsequence::UnknownAsset
		}
	}
}

impl<AccountId, Reason> fungible::Unbalanced<AccountId> for NoDeposit<Reason> {
	fn handle_dust(_: fungible::Dust<AccountId, Self>) {}
	fn write_balance(_: &AccountId, amount: NoBalance) -> Result<Option<NoBalance>, DispatchError> {
		only_zero(amount).map(|()| None)
	}
	fn set_total_issuance(_: NoBalance) {}
}

impl<AccountId: Eq, Reason> fungible::Mutate<AccountId> for NoDeposit<Reason> {}

impl<AccountId, Reason: codec::Encode + scale_info::TypeInfo + 'static>
	fungible::InspectHold<AccountId> for NoDeposit<Reason>
{
	type Reason = Reason;

	fn total_balance_on_hold(_: &AccountId) -> NoBalance {
		0
	}
	fn balance_on_hold(_: &Reason, _: &AccountId) -> NoBalance {
		0
	}
}

impl<AccountId, Reason: codec::Encode + scale_info::TypeInfo + 'static>
	fungible::UnbalancedHold<AccountId> for NoDeposit<Reason>
{
	fn set_balance_on_hold(
		_: &Reason,
		_: &AccountId,
		amount: NoBalance,
	) -> Result<(), DispatchError> {
		only_zero(amount)
	}
}

impl<AccountId: Eq, Reason: codec::Encode + scale_info::TypeInfo + 'static>
	fungible::MutateHold<AccountId> for NoDeposit<Reason>
{
}

impl<AccountId, Reason> fungible::Balanced<AccountId> for NoDeposit<Reason> {
	type OnDropDebt = fungible::IncreaseIssuance<AccountId, Self>;
	type OnDropCredit = fungible::DecreaseIssuance<AccountId, Self>;
}

impl<AccountId: Eq, Reason: codec::Encode + scale_info::TypeInfo + 'static>
	fungible::hold::Balanced<AccountId> for NoDeposit<Reason>
{
}

impl<AccountId, Reason> fungible::hold::DoneSlash<Reason, AccountId, NoBalance>
	for NoDeposit<Reason>
{
}

#[cfg(test)]
mod tests {
	use super::*;
	use fungible::{Inspect, Mutate, MutateHold};

	type Nothing = NoDeposit<u8>;

	#[test]
	fn zero_amounts_succeed_and_others_are_refused() {
		assert_eq!(<Nothing as Inspect<u64>>::balance(&1), 0);
		assert!(<Nothing as MutateHold<u64>>::hold(&0, &1, 0).is_ok());
		assert!(<Nothing as MutateHold<u64>>::hold(&0, &1, 5).is_err());
		assert!(<Nothing as Mutate<u64>>::mint_into(&1, 5).is_err());
	}
}
