// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Building signed transactions natively (std only): for the node's benchmarks, tests and
//! tools that submit transactions without a JavaScript client.

use crate::{
	tx_extension, BlockNumber, Nonce, RuntimeCall, Signature, SignedPayload, UncheckedExtrinsic,
	VERSION,
};
use codec::Encode;
use sp_core::{sr25519, Pair, H256};
use sp_runtime::generic::Era;

/// The blocks in which a transaction is valid.
#[derive(Clone, Copy, Debug)]
pub enum Lifetime {
	/// Any block (its nonce still makes it single-use): for benchmarks and tests that
	/// build transactions before the chain runs.
	Immortal,
	/// `period` blocks from block `number`, whose hash is `hash` (a recent block): what
	/// every client sends, so that a transaction not included soon can never be.
	Mortal { period: u64, number: BlockNumber, hash: H256 },
}

/// Blocks a transaction of the node or a tool stays valid: about 8.5 minutes at 2 s.
pub const MORTAL_PERIOD: u64 = 256;

impl Lifetime {
	fn era(&self) -> Era {
		match *self {
			Lifetime::Immortal => Era::Immortal,
			Lifetime::Mortal { period, number, .. } => Era::mortal(period, number.into()),
		}
	}

	/// The block hash the era names: the genesis for an immortal transaction.
	fn birth_hash(&self, genesis_hash: H256) -> H256 {
		match *self {
			Lifetime::Immortal => genesis_hash,
			Lifetime::Mortal { hash, .. } => hash,
		}
	}
}

/// A transaction calling `call`, signed by `signer` at `nonce`, immortal, valid on the
/// chain whose genesis block hash is `genesis_hash`.
pub fn signed_transaction(
	signer: &sr25519::Pair,
	call: RuntimeCall,
	nonce: Nonce,
	genesis_hash: H256,
) -> UncheckedExtrinsic {
	signed_transaction_for(signer, call, nonce, genesis_hash, Lifetime::Immortal)
}

/// As `signed_transaction`, valid for `lifetime`.
pub fn signed_transaction_for(
	signer: &sr25519::Pair,
	call: RuntimeCall,
	nonce: Nonce,
	genesis_hash: H256,
	lifetime: Lifetime,
) -> UncheckedExtrinsic {
	let signed =
		signed_transaction_with(signer.public(), call, nonce, genesis_hash, lifetime, |payload| {
			Ok::<_, core::convert::Infallible>(signer.sign(payload))
		});
	match signed {
		Ok(transaction) => transaction,
		Err(never) => match never {},
	}
}

/// As `signed_transaction_for`, for a signer whose secret is elsewhere (a node's
/// keystore): `sign` signs the payload as `signer`, or says why it cannot.
pub fn signed_transaction_with<E>(
	signer: sr25519::Public,
	call: RuntimeCall,
	nonce: Nonce,
	genesis_hash: H256,
	lifetime: Lifetime,
	sign: impl FnOnce(&[u8]) -> Result<sr25519::Signature, E>,
) -> Result<UncheckedExtrinsic, E> {
	let extension = tx_extension(nonce, lifetime.era());
	// The data each extension adds to the signed payload without sending it, in the
	// order of `TxExtension`: spec and transaction version, genesis hash (`CheckGenesis`)
	// and the era's birth block hash (`CheckEra`).
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis_hash,
		lifetime.birth_hash(genesis_hash),
		(),
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(sign)?;
	Ok(UncheckedExtrinsic::new_signed(
		call,
		sp_runtime::AccountId32::from(signer).into(),
		Signature::Sr25519(signature),
		extension,
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::traits::Checkable;

	#[test]
	fn signature_verifies_against_the_runtime_payload() {
		let alice = sp_keyring::Sr25519Keyring::Alice.pair();
		let call: RuntimeCall = frame_system::Call::remark { remark: vec![1, 2, 3] }.into();
		let genesis = H256::repeat_byte(7);
		let xt = signed_transaction(&alice, call, 0, genesis);

		// Check the signature the way the runtime does, with the block hash lookups the
		// implicit data needs answered by `genesis`.
		sp_io::TestExternalities::default().execute_with(|| {
			frame_system::BlockHash::<crate::Runtime>::insert(0, genesis);
			let checked = xt.check(&frame_system::ChainContext::<crate::Runtime>::default());
			assert!(checked.is_ok(), "{checked:?}");
		});
	}

	#[test]
	fn mortal_signature_verifies_within_its_period_only() {
		let alice = sp_keyring::Sr25519Keyring::Alice.pair();
		let call: RuntimeCall = frame_system::Call::remark { remark: vec![1] }.into();
		let (genesis, birth) = (H256::repeat_byte(7), H256::repeat_byte(9));
		let lifetime = Lifetime::Mortal { period: 64, number: 10, hash: birth };
		let xt = signed_transaction_for(&alice, call, 0, genesis, lifetime);
		let context = frame_system::ChainContext::<crate::Runtime>::default();
		sp_io::TestExternalities::default().execute_with(|| {
			frame_system::BlockHash::<crate::Runtime>::insert(0, genesis);
			frame_system::BlockHash::<crate::Runtime>::insert(10, birth);
			frame_system::Pallet::<crate::Runtime>::set_block_number(20);
			assert!(xt.clone().check(&context).is_ok());
			// Past its period the birth block it names is another block: the signature
			// no longer matches.
			frame_system::Pallet::<crate::Runtime>::set_block_number(80);
			assert!(xt.check(&context).is_err());
		});
	}
}
