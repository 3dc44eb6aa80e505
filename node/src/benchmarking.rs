//! What `ehr-node benchmark overhead|extrinsic` need from this chain: a way to build
//! signed `system.remark` transactions natively, and the inherent data of a block.

use crate::service::FullClient;
use ehr_runtime as runtime;
use frame_benchmarking_cli::ExtrinsicBuilder;
use sc_cli::Result;
use sp_keyring::Sr25519Keyring;
use sp_runtime::OpaqueExtrinsic;
use std::{sync::Arc, time::Duration};

/// Builds `system.remark` transactions signed by Alice, who is a member of every dev and
/// local chain.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		use sc_client_api::UsageProvider;
		let genesis_hash = self.client.usage_info().chain.genesis_hash;
		let call: runtime::RuntimeCall = runtime::SystemCall::remark { remark: vec![] }.into();
		let alice = Sr25519Keyring::Alice.pair();
		Ok(runtime::signing::signed_transaction(&alice, call, nonce, genesis_hash).into())
	}
}

/// The inherent data of a benchmark block: just a timestamp.
pub fn inherent_benchmark_data() -> Result<sp_inherents::InherentData> {
	let mut inherent_data = sp_inherents::InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(Duration::ZERO.into());
	futures::executor::block_on(sp_inherents::InherentDataProvider::provide_inherent_data(
		&timestamp,
		&mut inherent_data,
	))
	.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}
