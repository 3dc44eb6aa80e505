// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The node service: client, database, transaction pool, networking, RPC, and the Aura
//! and GRANDPA tasks (set up in `consensus`). The types of its parts are in `client`; the
//! blob store is started by `blobs::start`.

use crate::{
	admission::{Admission, AdmissionParams, AdmissionPool, PoolLimits},
	blobs::{self, BlobParams},
	client::Service,
	consensus,
	custody::{self, CustodyParams},
	node_account::{NodeAccount, NODE_KEY_TYPE},
	recovery::{audit, RecoveryMetrics, RecoveryParams},
};
use ehr_primitives::{opaque::Block, Hash};
use ehr_runtime::apis::RuntimeApi;
use sc_client_api::{Backend, BlockBackend};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::TelemetryWorker;
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_keystore::Keystore;
use std::sync::Arc;

/// Builds the client, database, pool and import queue, without starting the network.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			// Blocks that carry a GRANDPA justification prove authority-set changes; keep
			// them even when older bodies are pruned, so peers can still warp sync.
			vec![Arc::new(consensus::has_grandpa_justification)],
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		consensus::GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|t| t.handle()),
	)?;

	let import_queue = consensus::import_queue(
		client.clone(),
		grandpa_block_import.clone(),
		&task_manager,
		config.prometheus_registry(),
		telemetry.as_ref().map(|t| t.handle()),
	)?;

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa_block_import, grandpa_link, telemetry),
	})
}

/// The node's own command-line settings, beyond Substrate's.
pub struct NodeParams {
	pub recovery: RecoveryParams,
	pub finality: consensus::FinalityParams,
	pub blobs: BlobParams,
	pub custody: CustodyParams,
	pub admission: AdmissionParams,
	/// The pool's limits as configured (`--pool-limit`, `--pool-kbytes`).
	pub pool_limits: PoolLimits,
}

/// Builds and starts a full node: networking, RPC, and — on a validator — Aura authoring
/// and the GRANDPA voter. The database is checked first, and quarantined if it fails
/// (see `recovery`).
pub fn new_full<N: sc_network::NetworkBackend<Block, Hash>>(
	mut config: Configuration,
	params: NodeParams,
) -> Result<TaskManager, ServiceError> {
	// Only the consortium's nodes may connect. An operator may pin the node to some peers
	// (`--reserved-only --reserved-nodes`); either way the node is reserved-only from its
	// first moment, before the permissioning task has read the authorized peers: no peer
	// the chain does not authorize ever gets a connection.
	let pinned = (config.network.default_peers_set.non_reserved_mode
		== sc_network::config::NonReservedPeerMode::Deny)
		.then(|| {
			config.network.default_peers_set.reserved_nodes.iter().map(|r| r.peer_id).collect()
		});
	config.network.default_peers_set.non_reserved_mode =
		sc_network::config::NonReservedPeerMode::Deny;
	let NodeParams {
		recovery,
		finality,
		blobs: blob_params,
		custody: custody_params,
		admission,
		pool_limits,
	} = params;
	let recovery_metrics = config
		.prometheus_registry()
		.map(RecoveryMetrics::register)
		.transpose()
		.map_err(|e| ServiceError::Other(format!("registering recovery metrics: {e}")))?;
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, mut telemetry),
	} = crate::recovery::open_verified(&config, &recovery, recovery_metrics.as_ref(), new_partial)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<Block, Hash, N>::new(
		&config.network,
		config.prometheus_registry().cloned(),
	);
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client
		.block_hash(0)?
		.ok_or_else(|| ServiceError::Other("the database has no genesis block".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
	net_config.add_notification_protocol(grandpa_protocol_config);
	let (audit_config, audit_protocol, audit_requests) = audit::protocol::<N>(&genesis_hash);
	net_config.add_request_response_protocol(audit_config);
	let (blob_config, blob_protocol, blob_requests) = blobs::protocol::protocol::<N>(&genesis_hash);
	net_config.add_request_response_protocol(blob_config);
	let (key_config, key_protocol, key_requests) = custody::protocol::protocol::<N>(&genesis_hash);
	net_config.add_request_response_protocol(key_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	task_manager.spawn_handle().spawn(
		"audit-answers",
		None,
		audit::serve(client.clone(), audit_requests),
	);
	let (audit_handle, audit_task) = audit::Auditor {
		client: client.clone(),
		network: network.clone(),
		sync: sync_service.clone(),
		protocol: audit_protocol,
		interval: recovery.audit_interval(),
		stall_timeout: recovery.sync_stall_timeout(),
		database: config.database.path().map(Into::into),
		metrics: recovery_metrics,
	}
	.start();
	if !recovery.no_self_healing {
		task_manager.spawn_handle().spawn("audit", None, audit_task);
	}

	// A development node (`--alice`, ...) is the node of that development hospital: its
	// service account is `//Alice//node` and it holds `//Alice`'s development custody key.
	if let Some(seed) = &config.dev_key_seed {
		keystore_container
			.keystore()
			.sr25519_generate_new(NODE_KEY_TYPE, Some(&format!("{seed}//node")))
			.map_err(|e| ServiceError::Other(format!("inserting the node account key: {e}")))?;
	}
	let node_account = NodeAccount::from_keystore(
		client.clone(),
		transaction_pool.clone(),
		keystore_container.keystore(),
		genesis_hash,
	)
	.map(Arc::new);
	let read_limits = Arc::new(blob_params.read_limits());
	let blob_service = blobs::start(blobs::StartParams {
		config: &config,
		params: &blob_params,
		client: client.clone(),
		network: network.clone(),
		sync: sync_service.clone(),
		protocol: blob_protocol,
		requests: blob_requests,
		genesis: genesis_hash,
		account: node_account.clone(),
		reads: read_limits.clone(),
		task_manager: &task_manager,
	})?;
	crate::disk::start(
		config.prometheus_registry(),
		config.base_path.path().to_path_buf(),
		&task_manager,
	)
	.map_err(|e| ServiceError::Other(format!("registering disk metrics: {e}")))?;
	let custody_keys = custody_params
		.keys(config.dev_key_seed.as_deref())
		.map_err(|e| ServiceError::Other(format!("custody keys: {e}")))?;
	if custody_keys.is_empty() {
		log::warn!(
			"no custody key (--custody-key-file): this node releases no record keys of its \
			 own, and holds no escrow shares"
		);
	}
	let key_service = Arc::new(custody::release::KeyService {
		client: client.clone(),
		genesis: genesis_hash,
		keys: Arc::new(custody_keys),
		account: node_account,
		asker: custody::protocol::Asker { network: network.clone(), protocol: key_protocol },
		served: Default::default(),
		reads: read_limits,
	});
	task_manager.spawn_handle().spawn(
		"key-answers",
		None,
		custody::protocol::serve(key_service.clone(), network.local_peer_id(), key_requests),
	);

	task_manager.spawn_handle().spawn(
		"consortium-permissioning",
		None,
		crate::permissioning::run(client.clone(), network.clone(), pinned),
	);

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: false,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			futures::FutureExt::boxed(
				offchain_workers.run(client.clone(), task_manager.spawn_handle()),
			),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let node_name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	// What RPC clients submit passes the admission check; blocks, gossip and the node's
	// own transactions use the pool directly.
	let rpc_pool = Arc::new(AdmissionPool::new(
		transaction_pool.clone(),
		client.clone(),
		Arc::new(Admission::new(&admission, pool_limits, prometheus_registry.as_ref())),
	));
	let rpc_builder = {
		let client = client.clone();
		let pool = rpc_pool.clone();
		Box::new(move |_| {
			crate::rpc::create_full(crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				audit: audit_handle.clone(),
				blobs: blob_service.clone(),
				keys: key_service.clone(),
			})
			.map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: rpc_pool,
		rpc_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		consensus::start_aura(consensus::AuraParams {
			client: client.clone(),
			select_chain,
			block_import,
			transaction_pool: transaction_pool.clone(),
			keystore: keystore_container.keystore(),
			sync_service: sync_service.clone(),
			force_authoring,
			task_manager: &task_manager,
			prometheus_registry: prometheus_registry.as_ref(),
			telemetry: telemetry.as_ref().map(|t| t.handle()),
		})?;
	}

	if enable_grandpa {
		consensus::start_grandpa(consensus::GrandpaStartParams {
			link: grandpa_link,
			network,
			sync_service,
			notification_service: grandpa_notification_service,
			protocol_name: grandpa_protocol_name,
			keystore: role.is_authority().then(|| keystore_container.keystore()),
			role,
			node_name,
			transaction_pool,
			task_manager: &task_manager,
			prometheus_registry,
			telemetry: telemetry.as_ref().map(|t| t.handle()),
			finality,
		})?;
	}

	Ok(task_manager)
}
