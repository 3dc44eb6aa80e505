// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Account recovery with FRAME's `pallet-recovery`: a patient who lost their phrase gets
//! their records back on a new account.
//!
//! 1. Ahead of time the patient names a friend group ([`set_friend_group`]): accounts that
//!    can vouch (guardians, the hospital), how many must, a delay, and the inheritor who
//!    will act for the lost account.
//! 2. After the loss a friend initiates an attempt ([`initiate`]), others approve it
//!    ([`approve`]), and once the delay passed anyone finishes it ([`finish`]).
//! 3. The inheritor hands the lost account over to the patient's new account (registered
//!    as a patient with its own proof): [`hand_over`] dispatches `registry.hand_over` as
//!    the lost account. From then on the new account acts for it and reads its records.

use crate::{
	chain::{Chain, Progress},
	keys::Identity,
	Error,
};
use ehr_primitives::AccountId;
use subxt::dynamic::{self, Value};

/// An account as a `MultiAddress` call argument.
fn address(who: &AccountId) -> Value {
	let raw: &[u8; 32] = who.as_ref();
	Value::unnamed_variant("Id", [Value::from_bytes(raw)])
}

/// Sets the calling patient's one friend group: `friends` (any order), `needed` of whom
/// must vouch, `inheritor` who then acts for the account, `delay_blocks` before an
/// attempt can finish.
pub async fn set_friend_group(
	chain: &Chain,
	patient: &Identity,
	mut friends: Vec<AccountId>,
	needed: u32,
	inheritor: &AccountId,
	delay_blocks: u32,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	friends.sort();
	friends.dedup();
	let group = Value::named_composite([
		(
			"friends",
			Value::unnamed_composite(
				friends.iter().map(|f| Value::from_bytes(f.as_ref() as &[u8])),
			),
		),
		("friends_needed", Value::u128(needed.into())),
		("inheritor", Value::from_bytes(inheritor.as_ref() as &[u8])),
		("inheritance_delay", Value::u128(delay_blocks.into())),
		("inheritance_priority", Value::u128(0)),
		("cancel_delay", Value::u128(delay_blocks.max(1).into())),
	]);
	let call = dynamic::tx("Recovery", "set_friend_groups", (Value::unnamed_composite([group]),));
	chain.submit(patient, call, progress).await.map(drop)
}

/// Starts the recovery of `lost`, as a friend of its first friend group.
pub async fn initiate(
	chain: &Chain,
	friend: &Identity,
	lost: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Recovery", "initiate_attempt", (address(lost), 0u32));
	chain.submit(friend, call, progress).await.map(drop)
}

/// Vouches for the recovery of `lost`, as another friend.
pub async fn approve(
	chain: &Chain,
	friend: &Identity,
	lost: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Recovery", "approve_attempt", (address(lost), 0u32));
	chain.submit(friend, call, progress).await.map(drop)
}

/// Finishes the recovery of `lost` once enough friends vouched and the delay passed.
pub async fn finish(
	chain: &Chain,
	who: &Identity,
	lost: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Recovery", "finish_attempt", (address(lost), 0u32));
	chain.submit(who, call, progress).await.map(drop)
}

/// Hands the recovered `lost` account over to `successor`, as its inheritor.
pub async fn hand_over(
	chain: &Chain,
	inheritor: &Identity,
	lost: &AccountId,
	successor: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let inner = Value::unnamed_variant(
		"Registry",
		[Value::named_variant(
			"hand_over",
			[("successor", Value::from_bytes(successor.as_ref() as &[u8]))],
		)],
	);
	let call = dynamic::tx("Recovery", "control_inherited_account", (address(lost), inner));
	let included = chain.submit(inheritor, call, progress).await?;
	// `control_inherited_account` succeeds whatever the inner call did: look for its effect.
	if included.event::<(AccountId, AccountId)>("Registry", "AccountHandedOver").is_none() {
		return Err(Error::Rejected {
			error: "Registry::hand_over".into(),
			docs: "the handover did not happen: is the successor an active patient, and did the recovery finish?".into(),
		});
	}
	Ok(())
}
