// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The runtime APIs the node, Polkadot.js and integrators call.

use crate::{
	AccountId, Aura, Block, BlockNumber, Consent, Consortium, Executive, Grandpa, InherentDataExt,
	Nonce, Records, Registry, Runtime, RuntimeGenesisConfig, SessionKeys, System, VERSION,
};
use alloc::vec::Vec;
use ehr_primitives::{
	records::{
		AccessDecision, AccessTarget, AuditEntry, BreakGlassView, CustodyView, EscrowPolicy,
		GrantView, Purpose, RecordId, RecordView, RequestView, WrappedKeyView,
	},
	registry::{Inability, PendingApplication, Role, Standing},
};
use frame_support::genesis_builder_helper::{build_state, get_preset};
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::{AuthorityId as GrandpaId, AuthorityList, SetId};
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	// Metadata V15 and V16 carry the runtime API descriptions Polkadot.js needs to call
	// them without custom type bundles; `metadata_at_version` serves them.
	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> SetId {
			Grandpa::current_set_id()
		}

		// Equivocations are not reported on chain (see `configs`): nothing to submit.
		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl ehr_primitives::registry::RegistryApi<Block, AccountId, BlockNumber> for Runtime {
		fn standing(who: AccountId) -> Option<Standing<AccountId>> {
			Registry::standing(&who)
		}

		fn may_act(who: AccountId) -> Result<Role, Inability> {
			Registry::acting_role(&who)
		}

		fn pending_application(who: AccountId) -> Option<PendingApplication<AccountId, BlockNumber>> {
			Registry::pending_application(&who)
		}

		fn pow_difficulty() -> u8 {
			pallet_ehr_registry::PowDifficulty::<Runtime>::get()
		}

		fn registration_tenure(who: AccountId) -> u32 {
			pallet_ehr_registry::Tenures::<Runtime>::get(who)
		}

		fn predecessors(who: AccountId) -> Vec<AccountId> {
			Registry::predecessors_of(&who)
		}
	}

	impl ehr_primitives::records::RecordsApi<Block, AccountId> for Runtime {
		fn record(id: RecordId) -> Option<RecordView<AccountId>> {
			Records::record_view(id)
		}

		fn records_of(patient: AccountId, from: u32, limit: u32) -> Vec<RecordView<AccountId>> {
			Records::records_of(&patient, from, limit)
		}

		fn wrapped_key(record: RecordId, reader: AccountId) -> Option<WrappedKeyView<AccountId>> {
			Records::wrapped_key(record, &reader)
		}

		fn custody(record: RecordId) -> Option<CustodyView<AccountId>> {
			Records::custody(record)
		}

		fn escrow_share(record: RecordId, holder: AccountId) -> Option<Vec<u8>> {
			Records::escrow_share(record, &holder)
		}

		fn escrow_policy(custodian: AccountId) -> EscrowPolicy<AccountId> {
			Records::escrow_policy(&custodian)
		}
	}

	impl ehr_primitives::records::ConsentApi<Block, AccountId, BlockNumber> for Runtime {
		fn can_access(
			who: AccountId,
			patient: AccountId,
			target: AccessTarget,
			purpose: Option<Purpose>,
		) -> AccessDecision {
			Consent::decide(&who, &patient, target, purpose)
		}

		fn grants_of(patient: AccountId, from: u32, limit: u32) -> Vec<GrantView<AccountId>> {
			Consent::grants_of(&patient, from, limit)
		}

		fn requests_of(patient: AccountId, from: u32, limit: u32) -> Vec<RequestView<AccountId, BlockNumber>> {
			Consent::requests_of(&patient, from, limit)
		}

		fn audit_of(patient: AccountId, from: u32, limit: u32) -> Vec<AuditEntry<AccountId, BlockNumber>> {
			Consent::audit_of(&patient, from, limit)
		}

		fn pending_reviews(hospital: AccountId, from: u32, limit: u32) -> Vec<BreakGlassView<AccountId>> {
			Consent::pending_reviews(&hospital, from, limit)
		}
	}

	impl ehr_primitives::consortium::ConsortiumApi<Block, AccountId> for Runtime {
		fn hospitals() -> Vec<AccountId> {
			Consortium::hospitals()
		}

		fn authorized_peers() -> Vec<Vec<u8>> {
			Consortium::authorized_peers()
		}

		fn nodes_of(hospital: AccountId) -> Vec<Vec<u8>> {
			Consortium::nodes_of(&hospital)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			crate::benchmarks::metadata(extra)
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			crate::benchmarks::dispatch(config)
		}
	}
}
