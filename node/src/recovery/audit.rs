// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The peer audit: does the local finalized chain agree with the majority of the peers?
//!
//! Every `--audit-interval` seconds (10 minutes by default), or when asked over RPC
//! (`ehr_runAudit`), the node asks each connected peer, over the request-response
//! protocol `/<genesis>/ehr/audit/1`, for the hashes of the blocks it finalized at a few
//! recent heights, and compares them with its own. Peers that disagree with the local
//! node are reported by peer id. The majority is counted **per hospital**, not per peer:
//! each answering peer speaks for the hospital the chain says runs it (the consortium
//! pallet's authorized nodes), a hospital whose nodes disagree among themselves abstains,
//! and peers of no hospital are not counted — so one hospital, however many node ids it
//! authorizes, has one vote. If the local node disagrees with a strict majority (of at
//! least two hospitals) at a finalized height — which finality makes impossible unless the
//! local database is corrupt — it raises an alert, marks its database for quarantine and
//! restarts itself; the start-up check then quarantines the database and the node
//! resyncs, unless it quarantined one recently (it backs off, see `quarantine`). The last
//! result is kept for `ehr_lastAudit`. The same loop watches for a stalled sync
//! ([`stall`](super::stall)).

use super::{
	recovery_marker,
	stall::{self, StallWatch},
	RecoveryMetrics, LOG_TARGET,
};
use crate::client::FullClient;
use codec::{Decode, Encode};
use ehr_primitives::{opaque::Block, AccountId, Hash};
use futures::{
	channel::{mpsc, oneshot},
	future::{join_all, select, Either},
	StreamExt,
};
use sc_network::{
	request_responses::{IncomingRequest, OutgoingResponse},
	service::traits::NetworkService,
	IfDisconnected, NetworkBackend, ProtocolName,
};
use sc_network_sync::SyncingService;
use sc_network_types::PeerId;
use sp_blockchain::HeaderBackend;
use std::{
	collections::HashMap,
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// How long a peer has to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Most heights one request asks about.
const MAX_HEIGHTS: usize = 16;

/// The question: hashes of finalized blocks at these heights.
#[derive(Encode, Decode)]
struct AuditRequest {
	heights: Vec<u32>,
}

/// The answer: the responder's finalized height, and its finalized block at each asked
/// height (`None` where it has not finalized that far).
#[derive(Encode, Decode, Clone, Debug, PartialEq)]
pub struct AuditResponse {
	pub finalized: u32,
	pub hashes: Vec<Option<Hash>>,
}

/// The outcome of an audit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Verdict {
	/// The local chain agrees with the majority at every height compared.
	Agreed,
	/// The local chain disagrees with a strict majority of peers at this finalized height.
	LocalDivergence { height: u32 },
	/// Too few answers to form a majority.
	NoMajority,
	/// No peer to ask.
	NoPeers,
	/// Nothing finalized yet beyond genesis.
	NothingFinalized,
}

/// What `ehr_lastAudit` reports.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
	/// When the audit ran, ms since the Unix epoch.
	pub at: u64,
	pub local_finalized: u32,
	pub heights: Vec<u32>,
	pub peers_asked: u32,
	/// Peers whose finalized hashes all match the local ones.
	pub agreeing: Vec<String>,
	/// Peers that gave another hash at some height (the minority, unless the verdict is a
	/// local divergence).
	pub disagreeing: Vec<String>,
	/// Peers that did not answer.
	pub unreachable: Vec<String>,
	pub verdict: Verdict,
	/// The finalized height a majority of the answering peers reached.
	pub peers_finalized: Option<u32>,
	/// What the node did about it.
	pub action: String,
}

/// The part of a judgement that depends only on the answers.
#[derive(Debug, PartialEq)]
pub struct Judgement {
	pub agreeing: Vec<PeerId>,
	pub disagreeing: Vec<PeerId>,
	pub unreachable: Vec<PeerId>,
	pub verdict: Verdict,
}

/// Compares the local finalized hashes at `heights` with the peers' answers, counting one
/// vote per hospital (`hospital_of` each peer; peers of no hospital do not vote).
pub fn judge<H: Eq + std::hash::Hash>(
	heights: &[u32],
	local: &[Hash],
	answers: &[(PeerId, Option<AuditResponse>)],
	hospital_of: &HashMap<PeerId, H>,
) -> Judgement {
	let mut judgement = Judgement {
		agreeing: vec![],
		disagreeing: vec![],
		unreachable: vec![],
		verdict: Verdict::NoMajority,
	};
	for (peer, answer) in answers {
		match answer {
			None => judgement.unreachable.push(*peer),
			Some(answer) => {
				let agrees = answer
					.hashes
					.iter()
					.zip(local)
					.all(|(theirs, ours)| theirs.as_ref().is_none_or(|h| h == ours));
				if agrees {
					judgement.agreeing.push(*peer);
				} else {
					judgement.disagreeing.push(*peer);
				}
			}
		}
	}
	let mut compared = false;
	for (i, (height, ours)) in heights.iter().zip(local).enumerate() {
		// Each hospital's vote: the hash all its answering nodes gave, or none if they
		// disagree among themselves.
		let mut votes: HashMap<&H, Option<Hash>> = HashMap::new();
		for (peer, answer) in answers {
			let Some(hospital) = hospital_of.get(peer) else { continue };
			if let Some(Some(hash)) = answer.as_ref().and_then(|a| a.hashes.get(i)) {
				votes
					.entry(hospital)
					.and_modify(|vote| {
						if *vote != Some(*hash) {
							*vote = None
						}
					})
					.or_insert(Some(*hash));
			}
		}
		let mut counts: HashMap<Hash, usize> = HashMap::new();
		let mut answered = 0usize;
		for hash in votes.into_values().flatten() {
			*counts.entry(hash).or_default() += 1;
			answered += 1;
		}
		// A strict majority of at least two hospitals: one hospital alone never decides.
		let Some((majority, votes)) = counts.into_iter().max_by_key(|(_, n)| *n) else { continue };
		if votes < 2 || votes * 2 <= answered {
			continue;
		}
		compared = true;
		if majority != *ours {
			judgement.verdict = Verdict::LocalDivergence { height: *height };
			return judgement;
		}
	}
	if compared {
		judgement.verdict = Verdict::Agreed;
	}
	judgement
}

/// The heights an audit compares: the finalized head and a spread of heights behind it.
fn heights_to_compare(finalized: u32) -> Vec<u32> {
	let mut heights: Vec<u32> = [0u32, 1, 3, 10, 30, 100, 300, 1000]
		.iter()
		.filter_map(|back| finalized.checked_sub(*back))
		.filter(|h| *h > 0)
		.collect();
	heights.dedup();
	heights
}

/// The protocol's name on this chain.
fn protocol_name(genesis: &Hash) -> ProtocolName {
	format!("/{}/ehr/audit/1", hex::encode(genesis.as_bytes())).into()
}

/// The protocol's network configuration, and the queue of incoming questions.
pub fn protocol<N: NetworkBackend<Block, Hash>>(
	genesis: &Hash,
) -> (N::RequestResponseProtocolConfig, ProtocolName, async_channel::Receiver<IncomingRequest>) {
	let (sender, receiver) = async_channel::bounded(64);
	let name = protocol_name(genesis);
	let config =
		N::request_response_config(name.clone(), vec![], 1024, 4096, REQUEST_TIMEOUT, Some(sender));
	(config, name, receiver)
}

/// The local finalized hashes at `heights` (`None` beyond the finalized head).
fn finalized_hashes(client: &FullClient, heights: &[u32]) -> AuditResponse {
	let finalized = client.info().finalized_number;
	let hashes = heights
		.iter()
		.map(|h| (*h <= finalized).then(|| client.hash(*h).ok().flatten()).flatten())
		.collect();
	AuditResponse { finalized, hashes }
}

/// Answers the peers' questions.
pub async fn serve(client: Arc<FullClient>, requests: async_channel::Receiver<IncomingRequest>) {
	while let Ok(request) = requests.recv().await {
		let result = AuditRequest::decode(&mut &request.payload[..])
			.ok()
			.filter(|r| r.heights.len() <= MAX_HEIGHTS)
			.map(|r| finalized_hashes(&client, &r.heights).encode())
			.ok_or(());
		let _ = request.pending_response.send(OutgoingResponse {
			result,
			reputation_changes: vec![],
			sent_feedback: None,
		});
	}
}

/// Lets RPC read the last audit and ask for one now.
#[derive(Clone)]
pub struct AuditHandle {
	last: Arc<Mutex<Option<AuditReport>>>,
	trigger: mpsc::UnboundedSender<oneshot::Sender<AuditReport>>,
}

impl AuditHandle {
	pub fn last(&self) -> Option<AuditReport> {
		self.last.lock().ok().and_then(|last| last.clone())
	}

	/// Runs an audit now and returns its report.
	pub async fn run_now(&self) -> Result<AuditReport, String> {
		let (sender, receiver) = oneshot::channel();
		self.trigger
			.unbounded_send(sender)
			.map_err(|_| "the audit task has stopped".to_string())?;
		receiver.await.map_err(|_| "the audit was interrupted".to_string())
	}
}

/// Everything the audit loop works with.
pub struct Auditor {
	pub client: Arc<FullClient>,
	pub network: Arc<dyn NetworkService>,
	pub sync: Arc<SyncingService<Block>>,
	pub protocol: ProtocolName,
	pub interval: Duration,
	/// Restart after this long without importing a block while peers are ahead.
	pub stall_timeout: Option<Duration>,
	pub database: Option<PathBuf>,
	pub metrics: Option<RecoveryMetrics>,
}

impl Auditor {
	/// The audit loop and the handle RPC uses.
	pub fn start(self) -> (AuditHandle, impl std::future::Future<Output = ()>) {
		let (trigger, mut requests) = mpsc::unbounded();
		let last = Arc::new(Mutex::new(None));
		let handle = AuditHandle { last: last.clone(), trigger };
		let task = async move {
			let mut next_audit = Instant::now() + self.interval;
			let info = self.client.info();
			let mut stall = StallWatch::new(self.stall_timeout, info.best_number, Instant::now());
			let mut finality =
				StallWatch::new(self.stall_timeout, info.finalized_number, Instant::now());
			loop {
				let wait =
					next_audit.saturating_duration_since(Instant::now()).min(stall::CHECK_EVERY);
				let reply = match select(futures_timer::Delay::new(wait), requests.next()).await {
					Either::Left(((), _)) => None,
					Either::Right((Some(reply), _)) => Some(reply),
					Either::Right((None, _)) => return,
				};
				let info = self.client.info();
				let (best, finalized) = (info.best_number, info.finalized_number);
				let seen = self.sync.status().await.ok().and_then(|s| s.best_seen_block);
				let stalled = stall.stalled(best, seen, Instant::now());
				let finality_stalled = finality.stalled(finalized, Some(best), Instant::now());
				if reply.is_none() && !stalled && !finality_stalled && Instant::now() < next_audit {
					continue;
				}
				// A stalled node is audited first: if its finalized chain diverged, the
				// audit quarantines it; a restart alone would come back to the same chain.
				let report = self.audit().await;
				next_audit = Instant::now() + self.interval;
				if let Ok(mut slot) = last.lock() {
					*slot = Some(report.clone());
				}
				let behind = report.peers_finalized.filter(|peers| *peers > finalized + stall::GAP);
				if let Some(reply) = reply {
					let _ = reply.send(report);
				}
				if finality_stalled && !stalled {
					if let Some(peers) = behind {
						let why = format!("a majority of peers finalized #{peers}");
						self.restart_after_stall("finality", finalized, &why);
					}
				}
				if stalled {
					let why = format!("peers are at #{}", seen.unwrap_or_default());
					self.restart_after_stall("sync", best, &why);
				}
			}
		};
		(handle, task)
	}

	async fn audit(&self) -> AuditReport {
		let finalized = self.client.info().finalized_number;
		let heights = heights_to_compare(finalized);
		let local: Vec<Hash> =
			finalized_hashes(&self.client, &heights).hashes.into_iter().flatten().collect();
		let peers: Vec<PeerId> = self
			.sync
			.peers_info()
			.await
			.map(|peers| peers.into_iter().map(|(peer, _)| peer).collect())
			.unwrap_or_default();
		let question = AuditRequest { heights: heights.clone() }.encode();
		let answers = join_all(peers.iter().map(|peer| {
			let question = question.clone();
			async move {
				let answer = self
					.network
					.request(
						*peer,
						self.protocol.clone(),
						question,
						None,
						IfDisconnected::ImmediateError,
					)
					.await
					.ok()
					.and_then(|(bytes, _)| AuditResponse::decode(&mut &bytes[..]).ok());
				(*peer, answer)
			}
		}))
		.await;
		let hospital_of = self.hospitals_of_peers();
		let judgement = if heights.is_empty() {
			Judgement {
				agreeing: vec![],
				disagreeing: vec![],
				unreachable: vec![],
				verdict: Verdict::NothingFinalized,
			}
		} else if peers.is_empty() {
			Judgement {
				agreeing: vec![],
				disagreeing: vec![],
				unreachable: vec![],
				verdict: Verdict::NoPeers,
			}
		} else {
			judge(&heights, &local, &answers, &hospital_of)
		};
		let action = self.act(&judgement.verdict);
		if let Some(metrics) = &self.metrics {
			metrics.audit_runs.inc();
			metrics.audit_agreeing_peers.set(judgement.agreeing.len() as u64);
			metrics.audit_disagreeing_peers.set(judgement.disagreeing.len() as u64);
		}
		let report = AuditReport {
			at: ehr_primitives::unix_millis_now(),
			local_finalized: finalized,
			heights,
			peers_asked: peers.len() as u32,
			agreeing: judgement.agreeing.iter().map(ToString::to_string).collect(),
			disagreeing: judgement.disagreeing.iter().map(ToString::to_string).collect(),
			unreachable: judgement.unreachable.iter().map(ToString::to_string).collect(),
			verdict: judgement.verdict,
			peers_finalized: stall::majority_finalized(
				answers
					.iter()
					.filter_map(|(_, answer)| answer.as_ref().map(|a| a.finalized))
					.collect(),
			),
			action,
		};
		match &report.verdict {
			Verdict::Agreed if report.disagreeing.is_empty() => log::info!(
				target: LOG_TARGET,
				"🔎 audit: finalized #{} agrees with all {} answering peers",
				finalized,
				report.agreeing.len()
			),
			Verdict::Agreed => log::warn!(
				target: LOG_TARGET,
				"🔎 audit: finalized #{} agrees with the majority; peers in the minority: {:?}",
				finalized,
				report.disagreeing
			),
			other => {
				log::info!(target: LOG_TARGET, "🔎 audit: {other:?} ({} peers asked)", report.peers_asked)
			}
		}
		report
	}

	/// The hospital of every authorized node, as the local finalized chain says.
	fn hospitals_of_peers(&self) -> HashMap<PeerId, AccountId> {
		use ehr_primitives::consortium::ConsortiumApi;
		use sp_api::ProvideRuntimeApi;
		let at = self.client.info().finalized_hash;
		let api = self.client.runtime_api();
		let hospitals = api.hospitals(at).unwrap_or_default();
		hospitals
			.into_iter()
			.flat_map(|hospital| {
				let nodes = api.nodes_of(at, hospital.clone()).unwrap_or_default();
				nodes.into_iter().filter_map(move |node| {
					PeerId::from_bytes(&node).ok().map(|peer| (peer, hospital.clone()))
				})
			})
			.collect()
	}

	/// Restarts after a stall of `what` at `height`; the second time in a row at the same
	/// height, with the database marked for quarantine.
	fn restart_after_stall(&self, what: &str, height: u32, why: &str) {
		log::error!(
			target: LOG_TARGET,
			"🚨 {what} stalled at #{height} for {} s while {why}; restarting",
			self.stall_timeout.unwrap_or_default().as_secs(),
		);
		if let Some(metrics) = &self.metrics {
			metrics.sync_stall_restarts.inc();
		}
		if let Some(database) = &self.database {
			stall::mark_if_stalled_again(database, what, height);
		}
		restart_process();
	}

	/// On a local divergence: alert, mark the database for quarantine, restart.
	fn act(&self, verdict: &Verdict) -> String {
		let Verdict::LocalDivergence { height } = verdict else { return "none".into() };
		if let Some(metrics) = &self.metrics {
			metrics.audit_local_divergences.inc();
		}
		log::error!(
			target: LOG_TARGET,
			"🚨 the local finalized chain disagrees with the peers' majority at #{height}: the \
			 local database is corrupt. Restarting to quarantine it and resync."
		);
		let Some(database) = &self.database else {
			return "alert only: the database location is unknown".into();
		};
		let now = u128::from(ehr_primitives::unix_millis_now());
		let wait = super::quarantine::backoff(database, now);
		if !wait.is_zero() {
			log::error!(
				target: LOG_TARGET,
				"🚨 not quarantining again so soon after the last quarantine: backing off for \
				 {} s (a majority that keeps disagreeing may be lying; check the peers)",
				wait.as_secs()
			);
			return format!(
				"alert only: backing off for {} s after recent quarantines",
				wait.as_secs()
			);
		}
		let reason = format!("the peers' majority finalized another block at #{height}");
		if let Err(e) = std::fs::write(recovery_marker(database), &reason) {
			log::error!(target: LOG_TARGET, "cannot mark the database for recovery: {e}");
			return format!("alert only: marking the database failed: {e}");
		}
		restart_process();
		"restarting to quarantine the database".into()
	}
}

/// Replaces this process with a fresh start of the same command line. The database is
/// quarantined at that start, so it need not be closed cleanly here.
fn restart_process() {
	use std::os::unix::process::CommandExt;
	let Ok(program) = std::env::current_exe() else { return };
	let error = std::process::Command::new(program).args(std::env::args_os().skip(1)).exec();
	log::error!(target: LOG_TARGET, "restarting failed: {error}; restart the node to recover");
}

#[cfg(test)]
mod tests {
	use super::*;

	fn answer(hashes: &[u8]) -> Option<AuditResponse> {
		Some(AuditResponse {
			finalized: 100,
			hashes: hashes.iter().map(|b| Some(Hash::repeat_byte(*b))).collect(),
		})
	}

	/// Each peer a hospital of its own.
	fn one_each(peers: &[PeerId]) -> HashMap<PeerId, usize> {
		peers.iter().enumerate().map(|(i, p)| (*p, i)).collect()
	}

	#[test]
	fn agreement_and_minority_peers() {
		let peers: Vec<PeerId> = (0..4).map(|_| PeerId::random()).collect();
		let local = [Hash::repeat_byte(1), Hash::repeat_byte(2)];
		let answers = vec![
			(peers[0], answer(&[1, 2])),
			(peers[1], answer(&[1, 2])),
			(peers[2], answer(&[1, 9])),
			(peers[3], None),
		];
		let judgement = judge(&[10, 9], &local, &answers, &one_each(&peers));
		assert_eq!(judgement.verdict, Verdict::Agreed);
		assert_eq!(judgement.agreeing, vec![peers[0], peers[1]]);
		assert_eq!(judgement.disagreeing, vec![peers[2]]);
		assert_eq!(judgement.unreachable, vec![peers[3]]);
	}

	#[test]
	fn disagreeing_with_the_majority_is_a_local_divergence() {
		let peers: Vec<PeerId> = (0..3).map(|_| PeerId::random()).collect();
		let local = [Hash::repeat_byte(7), Hash::repeat_byte(2)];
		let answers: Vec<_> = peers.iter().map(|p| (*p, answer(&[1, 2]))).collect();
		assert_eq!(
			judge(&[10, 9], &local, &answers, &one_each(&peers)).verdict,
			Verdict::LocalDivergence { height: 10 }
		);
	}

	#[test]
	fn one_peer_or_a_split_decides_nothing() {
		let peers: Vec<PeerId> = (0..2).map(|_| PeerId::random()).collect();
		let local = [Hash::repeat_byte(7)];
		let lone = vec![(peers[0], answer(&[1]))];
		assert_eq!(judge(&[10], &local, &lone, &one_each(&peers)).verdict, Verdict::NoMajority);
		let split = vec![(peers[0], answer(&[1])), (peers[1], answer(&[2]))];
		assert_eq!(judge(&[10], &local, &split, &one_each(&peers)).verdict, Verdict::NoMajority);
	}

	#[test]
	fn one_hospital_has_one_vote_however_many_nodes_it_runs() {
		// A rogue hospital (0) with five node ids against two honest hospitals (1, 2).
		let peers: Vec<PeerId> = (0..7).map(|_| PeerId::random()).collect();
		let hospital_of: HashMap<PeerId, u8> = peers
			.iter()
			.enumerate()
			.map(|(i, p)| (*p, if i < 5 { 0 } else { i as u8 - 4 }))
			.collect();
		let local = [Hash::repeat_byte(1)];
		let answers: Vec<_> = peers
			.iter()
			.enumerate()
			.map(|(i, p)| (*p, answer(if i < 5 { &[9] } else { &[1] })))
			.collect();
		assert_eq!(judge(&[10], &local, &answers, &hospital_of).verdict, Verdict::Agreed);
		// Peers of no hospital do not vote at all.
		let strangers: Vec<_> = (0..5).map(|_| (PeerId::random(), answer(&[9]))).collect();
		assert_eq!(judge(&[10], &local, &strangers, &hospital_of).verdict, Verdict::NoMajority);
	}

	#[test]
	fn a_hospital_whose_nodes_disagree_abstains() {
		let peers: Vec<PeerId> = (0..4).map(|_| PeerId::random()).collect();
		let hospital_of: HashMap<PeerId, u8> =
			[(peers[0], 0), (peers[1], 0), (peers[2], 1), (peers[3], 2)].into_iter().collect();
		let local = [Hash::repeat_byte(1)];
		let answers = vec![
			(peers[0], answer(&[9])),
			(peers[1], answer(&[1])),
			(peers[2], answer(&[9])),
			(peers[3], answer(&[1])),
		];
		// Hospital 0 abstains; 1 and 2 split: no majority, nothing quarantined.
		assert_eq!(judge(&[10], &local, &answers, &hospital_of).verdict, Verdict::NoMajority);
	}

	#[test]
	fn heights_spread_back_from_the_finalized_head() {
		assert_eq!(heights_to_compare(0), Vec::<u32>::new());
		assert_eq!(heights_to_compare(5), vec![5, 4, 2]);
		assert_eq!(heights_to_compare(2000), vec![2000, 1999, 1997, 1990, 1970, 1900, 1700, 1000]);
	}
}
