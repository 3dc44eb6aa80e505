//! Building signed transactions natively (std only): for the node's benchmarks, tests and
//! tools that submit transactions without a JavaScript client.

use crate::{
	tx_extension, Nonce, RuntimeCall, Signature, SignedPayload, UncheckedExtrinsic, VERSION,
};
use codec::Encode;
use sp_core::{sr25519, Pair, H256};

/// A transaction calling `call`, signed by `signer` at `nonce`, immortal, valid on the
/// chain whose genesis block hash is `genesis_hash`.
pub fn signed_transaction(
	signer: &sr25519::Pair,
	call: RuntimeCall,
	nonce: Nonce,
	genesis_hash: H256,
) -> UncheckedExtrinsic {
	let signed = signed_transaction_with(signer.public(), call, nonce, genesis_hash, |payload| {
		Ok::<_, core::convert::Infallible>(signer.sign(payload))
	});
	match signed {
		Ok(transaction) => transaction,
		Err(never) => match never {},
	}
}

/// As `signed_transaction`, for a signer whose secret is elsewhere (a node's keystore):
/// `sign` signs the payload as `signer`, or says why it cannot.
pub fn signed_transaction_with<E>(
	signer: sr25519::Public,
	call: RuntimeCall,
	nonce: Nonce,
	genesis_hash: H256,
	sign: impl FnOnce(&[u8]) -> Result<sr25519::Signature, E>,
) -> Result<UncheckedExtrinsic, E> {
	let extension = tx_extension(nonce);
	// The data each extension adds to the signed payload without sending it, in the
	// order of `TxExtension`: spec and transaction version, genesis hash (twice: once
	// for `CheckGenesis`, once as the immortal era's birth block).
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis_hash,
		genesis_hash,
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
}
