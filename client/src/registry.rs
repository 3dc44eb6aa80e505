//! The account's standing, and registering its encryption key.

use crate::{
	chain::{At, Chain, Progress},
	keys::Identity,
	Error,
};
use ehr_primitives::{registry::Standing, AccountId};
use subxt::dynamic;

/// `who`'s standing (role, status, registered encryption key), if a member.
pub async fn standing(
	chain: &Chain,
	who: &AccountId,
) -> Result<Option<Standing<AccountId>>, Error> {
	chain.runtime_call("RegistryApi_standing", who, At::Best).await
}

/// Registers `who`'s x25519 encryption key on chain (the key derived from its seed), so
/// records can be wrapped to it. Does nothing if it is registered already; returns
/// whether it submitted.
pub async fn register_encryption_key(
	chain: &Chain,
	who: &Identity,
	progress: &mut dyn FnMut(Progress),
) -> Result<bool, Error> {
	let current =
		standing(chain, &who.account_id()).await?.ok_or_else(|| Error::NotAMember(who.ss58()))?;
	if current.encryption_key == who.encryption_public() {
		return Ok(false);
	}
	let call = dynamic::tx(
		"Registry",
		"update_profile",
		(Option::<[u8; 32]>::None, Some(who.encryption_public())),
	);
	chain.submit(who, call, progress).await?;
	Ok(true)
}
