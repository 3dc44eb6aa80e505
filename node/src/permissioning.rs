// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Permissioned networking: a consortium node keeps connections only with the nodes the
//! chain authorizes (the consortium pallet's authorized peers).
//!
//! At start and at every finalized block, the node reads the authorized peer ids through
//! the `ConsortiumApi` runtime API and makes them its reserved peers, in reserved-only
//! mode: authorized nodes are dialed and kept, everyone else is refused. Every authorized
//! node but itself is reserved even when the node itself is not (yet) authorized, so a
//! newly admitted hospital's node reaches the consortium as soon as the consortium's
//! nodes see its admission finalized, however far behind its own chain is. An operator
//! who pins the node to some peers (`--reserved-only --reserved-nodes`) keeps just those
//! of them that are authorized.

use crate::client::FullClient;
use ehr_primitives::{consortium::ConsortiumApi, opaque::Block};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_network::service::traits::NetworkService;
use sc_network_types::PeerId;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::{collections::HashSet, sync::Arc};

const LOG_TARGET: &str = "ehr::permissioning";

/// The authorized peers at `hash`, without the local node.
pub fn authorized_peers(
	client: &FullClient,
	hash: <Block as sp_runtime::traits::Block>::Hash,
	local: &PeerId,
) -> Result<HashSet<PeerId>, String> {
	let peers = client
		.runtime_api()
		.authorized_peers(hash)
		.map_err(|e| format!("ConsortiumApi::authorized_peers failed: {e}"))?;
	Ok(peers
		.iter()
		.filter_map(|bytes| match PeerId::from_bytes(bytes) {
			Ok(peer) => Some(peer),
			Err(e) => {
				log::warn!(target: LOG_TARGET, "ignoring a malformed authorized peer id: {e}");
				None
			}
		})
		.filter(|peer| peer != local)
		.collect())
}

/// Keeps the network's reserved peers equal to the chain's authorized peers — or, if the
/// operator pinned the node to some peers (`--reserved-only --reserved-nodes ...`), to
/// those of them the chain authorizes. Runs until the node stops.
pub async fn run(
	client: Arc<FullClient>,
	network: Arc<dyn NetworkService>,
	pinned: Option<HashSet<PeerId>>,
) {
	let local = network.local_peer_id();
	let mut applied: Option<HashSet<PeerId>> = None;
	let mut apply =
		|hash| match authorized_peers(&client, hash, &local).map(|peers| match &pinned {
			Some(pinned) => peers.intersection(pinned).copied().collect(),
			None => peers,
		}) {
			Ok(peers) if applied.as_ref() != Some(&peers) => {
				log::info!(
					target: LOG_TARGET,
					"🔐 {} authorized consortium peers (local node {})",
					peers.len(),
					if applied.is_none() { "starting reserved-only" } else { "updated" },
				);
				network.set_authorized_peers(peers.clone());
				if applied.is_none() {
					network.set_authorized_only(true);
				}
				applied = Some(peers);
			}
			Ok(_) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "{e}; keeping the current peers"),
		};

	apply(client.info().finalized_hash);
	let mut finalized = client.finality_notification_stream();
	while let Some(notification) = finalized.next().await {
		apply(notification.hash);
	}
}
