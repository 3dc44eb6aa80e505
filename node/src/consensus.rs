// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Aura block authoring and GRANDPA finality for the node service.
//!
//! Every hospital validator authors in its Aura slots and votes in GRANDPA rounds; a
//! full node that is not a validator imports and verifies both.

use crate::client::{FullClient, FullGrandpaBlockImport, FullPool, FullSelectChain};
use ehr_primitives::{opaque::Block, Hash};
use prometheus_endpoint::Registry;
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::{LinkHalf, SharedVoterState};
use sc_network_sync::SyncingService;
use sc_service::{error::Error as ServiceError, TaskManager};
use sc_telemetry::TelemetryHandle;
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::{
	inherents::InherentDataProvider as SlotInherent,
	sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair},
	SlotDuration,
};
use sp_keystore::KeystorePtr;
use sp_runtime::Justifications;
use sp_timestamp::InherentDataProvider as TimestampInherent;
use std::{sync::Arc, time::Duration};

/// Blocks between two GRANDPA justifications a node stores even without a set change;
/// they let a syncing node verify finality without replaying every vote.
pub const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// Command-line settings of GRANDPA finality.
#[derive(Debug, Clone, clap::Args)]
pub struct FinalityParams {
	/// How many blocks behind the best block a validator votes. Substrate's default is 2,
	/// a guard against the short forks of open block production; a consortium's few
	/// known authors rarely fork, so by default a validator votes on its best block,
	/// which finalizes a block about one gossip round after it is imported (measured:
	/// p50 submit→finalized 10.4 s with 2, 4.1 s with 0, at 3 s slots).
	#[arg(long, value_name = "BLOCKS", default_value_t = 0)]
	pub grandpa_vote_delay: u32,

	/// Milliseconds between GRANDPA vote gossips (Substrate's default 333): on a
	/// consortium's few, well-connected nodes, a round completes in about one period.
	#[arg(long, value_name = "MS", default_value_t = 333)]
	pub grandpa_gossip_ms: u64,
}

/// Whether a block carries a GRANDPA justification (used to keep such blocks on disk).
pub fn has_grandpa_justification(justifications: &Justifications) -> bool {
	justifications.get(sp_consensus_grandpa::GRANDPA_ENGINE_ID).is_some()
}

/// The inherents of a block built or checked now: the wall-clock timestamp and the Aura
/// slot it falls in.
fn slot_and_timestamp(slot_duration: SlotDuration) -> (SlotInherent, TimestampInherent) {
	let timestamp = TimestampInherent::from_system_time();
	let slot = SlotInherent::from_timestamp_and_slot_duration(*timestamp, slot_duration);
	(slot, timestamp)
}

/// The queue that verifies incoming blocks (Aura seal, slot, inherents) and imports them
/// through GRANDPA's block import, which tracks authority-set changes.
pub fn import_queue(
	client: Arc<FullClient>,
	block_import: FullGrandpaBlockImport,
	task_manager: &TaskManager,
	registry: Option<&Registry>,
	telemetry: Option<TelemetryHandle>,
) -> Result<sc_consensus::DefaultImportQueue<Block>, ServiceError> {
	let inherents_client = client.clone();
	sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
		block_import: block_import.clone(),
		justification_import: Some(Box::new(block_import)),
		client,
		create_inherent_data_providers: move |parent_hash: Hash, _| {
			let client = inherents_client.clone();
			async move {
				let slot_duration = sc_consensus_aura::standalone::slot_duration_at::<AuraId, _, _>(
					&*client,
					parent_hash,
				)?;
				Ok(slot_and_timestamp(slot_duration))
			}
		},
		spawner: &task_manager.spawn_essential_handle(),
		registry,
		check_for_equivocation: Default::default(),
		telemetry,
		compatibility_mode: Default::default(),
	})
	.map_err(Into::into)
}

/// What a validator needs to author blocks.
pub struct AuraParams<'a> {
	pub client: Arc<FullClient>,
	pub select_chain: FullSelectChain,
	pub block_import: FullGrandpaBlockImport,
	pub transaction_pool: Arc<FullPool>,
	pub keystore: KeystorePtr,
	pub sync_service: Arc<SyncingService<Block>>,
	pub force_authoring: bool,
	pub task_manager: &'a TaskManager,
	pub prometheus_registry: Option<&'a Registry>,
	pub telemetry: Option<TelemetryHandle>,
}

/// Starts Aura authoring as an essential task: if it fails, the node stops.
pub fn start_aura(params: AuraParams) -> Result<(), ServiceError> {
	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		params.task_manager.spawn_handle(),
		params.client.clone(),
		params.transaction_pool,
		params.prometheus_registry,
		params.telemetry.clone(),
	);
	let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*params.client)?;

	let aura =
		sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(StartAuraParams {
			slot_duration,
			client: params.client,
			select_chain: params.select_chain,
			block_import: params.block_import,
			proposer_factory,
			create_inherent_data_providers: move |_, ()| async move {
				Ok(slot_and_timestamp(slot_duration))
			},
			force_authoring: params.force_authoring,
			backoff_authoring_blocks: Option::<()>::None,
			keystore: params.keystore,
			sync_oracle: params.sync_service.clone(),
			justification_sync_link: params.sync_service,
			// Two thirds of the slot to build; the rest to propagate and import.
			block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
			max_block_proposal_slot_portion: None,
			telemetry: params.telemetry,
			compatibility_mode: Default::default(),
		})?;

	params.task_manager.spawn_essential_handle().spawn_blocking(
		"aura",
		Some("block-authoring"),
		aura,
	);
	Ok(())
}

/// What the GRANDPA voter needs.
pub struct GrandpaStartParams<'a, N> {
	pub link: LinkHalf<Block, FullClient, FullSelectChain>,
	pub network: N,
	pub sync_service: Arc<SyncingService<Block>>,
	pub notification_service: Box<dyn sc_network::NotificationService>,
	pub protocol_name: sc_network::ProtocolName,
	/// `None` on a non-validator: it follows finality without voting.
	pub keystore: Option<KeystorePtr>,
	pub role: sc_service::Role,
	pub node_name: String,
	pub transaction_pool: Arc<FullPool>,
	pub task_manager: &'a TaskManager,
	pub prometheus_registry: Option<Registry>,
	pub telemetry: Option<TelemetryHandle>,
	pub finality: FinalityParams,
}

/// Starts the GRANDPA voter as an essential task.
pub fn start_grandpa<N>(params: GrandpaStartParams<N>) -> Result<(), ServiceError>
where
	N: sc_network_gossip::Network<Block> + Clone + Send + Sync + 'static,
{
	let config = sc_consensus_grandpa::Config {
		gossip_duration: Duration::from_millis(params.finality.grandpa_gossip_ms.max(50)),
		justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
		name: Some(params.node_name),
		observer_enabled: false,
		keystore: params.keystore,
		local_role: params.role,
		telemetry: params.telemetry.clone(),
		protocol_name: params.protocol_name,
	};

	let voter = sc_consensus_grandpa::run_grandpa_voter(sc_consensus_grandpa::GrandpaParams {
		config,
		link: params.link,
		network: params.network,
		sync: params.sync_service,
		notification_service: params.notification_service,
		voting_rule: voting_rule(params.finality.grandpa_vote_delay),
		prometheus_registry: params.prometheus_registry,
		shared_voter_state: SharedVoterState::empty(),
		telemetry: params.telemetry,
		offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(params.transaction_pool),
	})?;

	params.task_manager.spawn_essential_handle().spawn_blocking("grandpa-voter", None, voter);
	Ok(())
}

/// Substrate's voting rules — vote `delay` blocks behind the best block, and on no more
/// than three quarters of the unfinalized chain — or, for a delay of 0, none: vote on the
/// best block.
fn voting_rule(delay: u32) -> impl sc_consensus_grandpa::VotingRule<Block, FullClient> + Clone {
	use sc_consensus_grandpa::{BeforeBestBlockBy, ThreeQuartersOfTheUnfinalizedChain};
	let mut rules = sc_consensus_grandpa::VotingRulesBuilder::new();
	if delay > 0 {
		rules = rules.add(BeforeBestBlockBy(delay)).add(ThreeQuartersOfTheUnfinalizedChain);
	}
	rules.build()
}
