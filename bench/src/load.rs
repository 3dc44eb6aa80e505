// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The load: transactions signed before the run starts, then submitted over WebSocket at
//! a controlled rate, each doctor's to its own hospital's node (a sender's nonces must
//! reach one node in order: round-robin across nodes leaves them waiting in the future
//! queue for gossip).

use crate::chain::Participants;
use codec::Encode;
use ehr_primitives::records::{Category, ContentId, RecordKeys};
use ehr_runtime::{
	signing::{signed_transaction_for, Lifetime},
	Nonce, RuntimeCall,
};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClient};
use sp_core::{Pair, H256};
use std::{
	collections::{BTreeMap, HashMap},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// What each transaction of a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadKind {
	/// `records.create`: a doctor anchors a new record of its patient.
	Records,
	/// `system.remark` of the same encoded size: the chain's floor before remarks left
	/// members' calls. Refused now (`CallNotForRole`); kept to show it.
	Remark,
	/// `records.create_batch` of [`BATCH_RECORDS`] records: a doctor anchors several
	/// records in one transaction.
	Batch,
}

/// Records in each transaction of a `batch` load: about 24 KiB, within a member's
/// transaction length (64 KiB) and, at a doctor's byte budget (1 MiB a minute), about 42
/// transactions a minute.
pub const BATCH_RECORDS: u64 = 32;

impl LoadKind {
	/// How many records each transaction of this load anchors.
	pub fn records_per_transaction(self) -> u64 {
		match self {
			LoadKind::Records | LoadKind::Remark => 1,
			LoadKind::Batch => BATCH_RECORDS,
		}
	}

	/// Whether its writes anchor records (and so need the patients' treatment grants).
	pub fn anchors_records(self) -> bool {
		matches!(self, LoadKind::Records | LoadKind::Batch)
	}
}

/// Escrow shares of every record key on the benchmark chain: one per hospital of the
/// local consortium's four but the writer's own, at its threshold of 2.
const ESCROW_SHARES: usize = 3;

/// One pre-signed transaction.
pub struct Signed {
	pub hash: [u8; 32],
	pub hex: String,
	/// Its place in its sender's queue (0 for the first, whatever the nonce).
	pub index: u32,
	pub nonce: Nonce,
	/// With `--blobs`: the blob number of each record it anchors (see [`crate::blobs`]).
	pub blobs: Vec<u64>,
}

/// What a careful client keeps to sign a transaction again: the pool refuses a
/// transaction by its hash after a validation against a block it had just pruned (a fork
/// losing to finality under load: "unknown Block", then "temporarily banned"). The same
/// call at the same nonce with another lifetime is a new hash; a client that gave up
/// instead would strand all its later nonces.
pub struct Resigner {
	kind: LoadKind,
	doctors: Vec<sp_core::sr25519::Pair>,
	patients: Vec<ehr_runtime::AccountId>,
	genesis: H256,
	lifetime: Lifetime,
	blobs: bool,
}

/// Times a submission is signed again before it counts as refused.
const RESIGNS: u32 = 3;

impl Resigner {
	pub fn new(
		kind: LoadKind,
		participants: &Participants,
		genesis: H256,
		lifetime: Lifetime,
		blobs: bool,
	) -> Self {
		Self {
			kind,
			doctors: participants.doctors.clone(),
			patients: participants.patients.iter().map(|p| p.public().into()).collect(),
			genesis,
			lifetime,
			blobs,
		}
	}

	/// `tx` of `doctor`, signed for the `attempt`-th time: the same birth block, a period
	/// halved per attempt (from 4,096 blocks, so still valid for the whole run).
	fn resign(&self, doctor: usize, tx: &Signed, attempt: u32) -> Signed {
		let lifetime = match self.lifetime {
			Lifetime::Mortal { period, number, hash } => {
				Lifetime::Mortal { period: (period >> attempt).max(64), number, hash }
			}
			Lifetime::Immortal => Lifetime::Immortal,
		};
		let call = call_of(
			self.kind,
			self.patients[doctor].clone(),
			doctor,
			u64::from(tx.index),
			self.blobs,
		);
		let xt =
			signed_transaction_for(&self.doctors[doctor], call, tx.nonce, self.genesis, lifetime)
				.encode();
		Signed {
			hash: sp_io::hashing::blake2_256(&xt),
			hex: format!("0x{}", ehr_testnet::hex_encode(&xt)),
			index: tx.index,
			nonce: tx.nonce,
			blobs: tx.blobs.clone(),
		}
	}
}

/// The blob numbers of the records a `kind` load's `n`-th transaction anchors.
fn records_of(kind: LoadKind, n: u64) -> std::ops::Range<u64> {
	let per = kind.records_per_transaction();
	n * per..(n + 1) * per
}

/// The call of a `kind` load's `n`-th transaction by `doctor` for `patient`; `blobs`: each
/// record names a real blob's digest (see [`crate::blobs`]).
fn call_of(
	kind: LoadKind,
	patient: ehr_runtime::AccountId,
	doctor: usize,
	n: u64,
	blobs: bool,
) -> RuntimeCall {
	let record = |k| new_record(patient.clone(), doctor as u64, k, blobs);
	match kind {
		LoadKind::Records => record_call(record(n)),
		LoadKind::Remark => remark_like(&record_call(record(n))),
		LoadKind::Batch => {
			let records = records_of(kind, n).map(record).collect::<Vec<_>>();
			pallet_ehr_records::Call::create_batch {
				records: records.try_into().expect("BATCH_RECORDS is within MaxBatchRecords"),
			}
			.into()
		}
	}
}

/// Writer `writer`'s `n`-th record for `patient`, with a content of its own and keys of
/// the sizes real writers send.
fn new_record(
	patient: ehr_runtime::AccountId,
	writer: u64,
	n: u64,
	blobs: bool,
) -> pallet_ehr_records::NewRecord<ehr_runtime::AccountId> {
	let digest = if blobs {
		crate::blobs::digest(writer, n)
	} else {
		sp_io::hashing::sha2_256(
			&[b"ehr-bench ciphertext".as_slice(), &writer.to_le_bytes(), &n.to_le_bytes()].concat(),
		)
	};
	pallet_ehr_records::NewRecord {
		patient,
		category: Category::Observation,
		cid: ContentId::from_sha256(digest),
		ciphertext_sha256: digest,
		// A 32-byte ephemeral key, 24-byte nonce and 16-byte tag around a 32-byte key (or
		// a 33-byte escrow share), as real writers send them.
		keys: RecordKeys {
			patient: vec![0xa5; 104],
			author: vec![0x5a; 104],
			custodian: vec![0x3c; 104],
			escrow: vec![vec![0xc3; 105]; ESCROW_SHARES],
		},
	}
}

/// `records.create` of writer `writer`'s `n`-th record for `patient` (see [`new_record`]).
pub fn record_call_for(patient: ehr_runtime::AccountId, writer: u64, n: u64) -> RuntimeCall {
	record_call(new_record(patient, writer, n, false))
}

/// `records.create` of `record`.
fn record_call(record: pallet_ehr_records::NewRecord<ehr_runtime::AccountId>) -> RuntimeCall {
	let pallet_ehr_records::NewRecord { patient, category, cid, ciphertext_sha256, keys } = record;
	pallet_ehr_records::Call::create { patient, category, cid, ciphertext_sha256, keys }.into()
}

/// A `system.remark` of the same encoded size as `record`.
fn remark_like(record: &RuntimeCall) -> RuntimeCall {
	let target = record.encoded_size();
	let mut remark = vec![0u8; target.saturating_sub(4)];
	loop {
		let call: RuntimeCall = frame_system::Call::remark { remark: remark.clone() }.into();
		match call.encoded_size().cmp(&target) {
			std::cmp::Ordering::Less => remark.push(0),
			std::cmp::Ordering::Greater if !remark.is_empty() => {
				remark.pop();
			}
			_ => return call,
		}
	}
}

/// Signs `per_doctor` transactions of `kind` for every doctor, from its nonce
/// `first_nonces[doctor]` on, on all cores. Returns each doctor's queue in nonce order.
pub fn presign(
	kind: LoadKind,
	participants: &Participants,
	genesis: H256,
	lifetime: Lifetime,
	first_nonces: &[Nonce],
	per_doctor: usize,
	blobs: bool,
) -> Vec<Vec<Signed>> {
	let doctors = participants.doctors.len();
	let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(doctors).max(1);
	let mut queues: Vec<Vec<Signed>> = (0..doctors).map(|_| Vec::new()).collect();
	std::thread::scope(|scope| {
		let handles: Vec<_> = (0..threads)
			.map(|t| {
				scope.spawn(move || {
					(t..doctors)
						.step_by(threads)
						.map(|d| {
							let queue = (0..per_doctor)
								.map(|n| {
									let nonce = first_nonces[d] + n as Nonce;
									let n = n as u64;
									let patient = participants.patients[d].public().into();
									let xt = signed_transaction_for(
										&participants.doctors[d],
										call_of(kind, patient, d, n, blobs),
										nonce,
										genesis,
										lifetime,
									)
									.encode();
									Signed {
										hash: sp_io::hashing::blake2_256(&xt),
										hex: format!("0x{}", ehr_testnet::hex_encode(&xt)),
										index: n as u32,
										nonce,
										blobs: if blobs {
											records_of(kind, n).collect()
										} else {
											Vec::new()
										},
									}
								})
								.collect::<Vec<_>>();
							(d, queue)
						})
						.collect::<Vec<_>>()
				})
			})
			.collect();
		for handle in handles {
			for (d, queue) in handle.join().expect("a signing thread panicked") {
				queues[d] = queue;
			}
		}
	});
	queues
}

/// What happened to the submissions of a run.
#[derive(Default)]
pub struct SubmitLog {
	/// When each accepted-or-pending transaction was sent.
	pub sent_at: HashMap<[u8; 32], Instant>,
	/// The sender and queue place of each sent transaction.
	pub origin: HashMap<[u8; 32], (usize, u32)>,
	/// Transactions the node refused at submission, by reason.
	pub refused: BTreeMap<String, u64>,
	pub refused_hashes: Vec<[u8; 32]>,
	/// Submissions signed again after a refusal by hash (see [`Resigner`]).
	pub resigned: u64,
	/// Refusals as busy (`Registry::Busy`) that were waited out and submitted again.
	pub busy_retries: u64,
	/// Transactions accepted after at least one busy refusal, and their total wait.
	pub deferred: u64,
	pub deferred_wait: Duration,
	/// For each sender that stopped at a refusal: the nonce of its first transaction the
	/// chain did not take (the next run goes on from there).
	pub stopped_at: HashMap<usize, Nonce>,
	/// With `--blobs`: blobs put, their bytes, the time spent putting them, and the puts the
	/// node refused, by reason.
	pub blob_puts: u64,
	pub blob_bytes: u64,
	pub blob_put_time: Duration,
	pub blob_put_failures: BTreeMap<String, u64>,
	pub first_sent: Option<Instant>,
	pub last_sent: Option<Instant>,
}

/// How a sender's transactions go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Submission {
	/// Each sender sends its next transaction once the node has answered the previous one,
	/// so a node always sees a sender's nonces in order (what a careful client does).
	InOrder,
	/// Transactions go out on schedule whoever sent them, up to `--in-flight` awaiting
	/// their answer: a sender's next nonce may reach the pool before the previous one.
	Pipelined,
}

/// How a run's transactions go out.
pub struct Schedule {
	/// Transactions per second offered.
	pub rate: u32,
	pub mode: Submission,
	/// Most submissions awaiting the node's answer at once.
	pub in_flight: usize,
	/// Until when a busy refusal is waited out and the transaction submitted again; after,
	/// it counts as refused (the end of the load window: a real client would give up or
	/// queue it for later too).
	pub busy_until: Instant,
	/// With `--blobs`: each record's blob is put on the doctor's node before its
	/// transaction goes out, and some are followed to every node.
	pub blobs: Option<crate::blobs::Sampler>,
}

/// Submits the queues at `rate` transactions per second, interleaving doctors, each to its
/// hospital's node, in `mode`, with at most `in_flight` requests outstanding. Returns when
/// all are sent and answered. A sender stops at its first transaction refused for good:
/// its later nonces could never be included, so they are counted refused, not sent.
pub async fn submit(
	clients: &[Arc<WsClient>],
	participants: &Participants,
	queues: Vec<Vec<Signed>>,
	resigner: Arc<Resigner>,
	schedule: Schedule,
	log: Arc<Mutex<SubmitLog>>,
) {
	let Schedule { rate, mode, in_flight, busy_until, blobs } = schedule;
	let doctors = queues.len();
	let permits = Arc::new(Semaphore::new(in_flight));
	let start = Instant::now();
	// The k-th transaction of doctor d is due when the run has sent k·doctors + d.
	let due = move |doctor: usize, k: usize| {
		start + Duration::from_secs_f64((k * doctors + doctor) as f64 / f64::from(rate))
	};
	let mut senders = tokio::task::JoinSet::new();
	for (doctor, queue) in queues.into_iter().enumerate() {
		let client = clients[participants.node_of(doctor)].clone();
		let (permits, log, resigner) = (permits.clone(), log.clone(), resigner.clone());
		let blobs = blobs.clone();
		senders.spawn(async move {
			let mut answers = tokio::task::JoinSet::new();
			for (k, tx) in queue.into_iter().enumerate() {
				tokio::time::sleep_until(due(doctor, k).into()).await;
				let permit = permits.clone().acquire_owned().await.expect("never closed");
				{
					let mut log = log.lock().expect("not poisoned");
					if log.stopped_at.contains_key(&doctor) {
						*log.refused.entry(NOT_SENT.into()).or_default() += 1;
						continue;
					}
					let now = Instant::now();
					log.sent_at.insert(tx.hash, now);
					log.origin.insert(tx.hash, (doctor, tx.index));
					log.first_sent = Some(log.first_sent.map_or(now, |first| first.min(now)));
					log.last_sent = Some(log.last_sent.map_or(now, |last| last.max(now)));
				}
				if let Some(sampler) = &blobs {
					put_blobs(&client, &resigner, doctor, &tx, sampler, &log).await;
				}
				let answer = submit_one(
					client.clone(),
					doctor,
					tx,
					resigner.clone(),
					busy_until,
					log.clone(),
				);
				match mode {
					Submission::InOrder => {
						answer.await;
						drop(permit);
					}
					Submission::Pipelined => {
						answers.spawn(async move {
							answer.await;
							drop(permit);
						});
					}
				}
				while answers.try_join_next().is_some() {}
			}
			while answers.join_next().await.is_some() {}
		});
	}
	while senders.join_next().await.is_some() {}
}

/// Puts the blobs of `tx`'s records on the doctor's node, one after the other as a
/// doctor's client would, and offers the first to the replication sampler.
async fn put_blobs(
	client: &WsClient,
	resigner: &Resigner,
	doctor: usize,
	tx: &Signed,
	sampler: &crate::blobs::Sampler,
	log: &Mutex<SubmitLog>,
) {
	let started = Instant::now();
	for (i, k) in tx.blobs.iter().enumerate() {
		let blob = crate::blobs::blob(doctor as u64, *k);
		let put_at = Instant::now();
		let result =
			crate::blobs::put(client, &resigner.doctors[doctor], resigner.genesis, &blob).await;
		if i == 0 && result.is_ok() {
			sampler.offer(sp_io::hashing::sha2_256(&blob), tx.hash, put_at);
		}
		let mut log = log.lock().expect("not poisoned");
		match result {
			Ok(()) => {
				log.blob_puts += 1;
				log.blob_bytes += blob.len() as u64;
			}
			Err(e) => *log.blob_put_failures.entry(reason(&e)).or_default() += 1,
		}
	}
	log.lock().expect("not poisoned").blob_put_time += started.elapsed();
}

/// Refusals of the transactions a sender no longer sends after one was refused for good.
const NOT_SENT: &str = "not sent: an earlier nonce of the sender was refused";

/// The pool's refusal when the network is at capacity: `Custom error: i`, `i` the index of
/// the registry's `Error::Busy` (see the node's `admission` module).
fn busy_refusal() -> &'static str {
	static BUSY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
	BUSY.get_or_init(|| {
		use frame_support::pallet_prelude::{InvalidTransaction, TransactionValidityError};
		let code = match pallet_ehr_registry::refusal::<ehr_runtime::Runtime>(
			pallet_ehr_registry::Error::Busy,
		) {
			TransactionValidityError::Invalid(InvalidTransaction::Custom(code)) => code,
			other => panic!("the busy refusal is no custom code: {other:?}"),
		};
		format!("Custom error: {code}")
	})
}

/// The wait before submitting a busy refusal again: a slot, plus up to a second of jitter
/// so the senders refused together come back spread out.
fn busy_backoff(doctor: usize, attempt: u32) -> Duration {
	let spread = (doctor as u64 * 7919 + u64::from(attempt) * 104_729) % 1000;
	Duration::from_millis(2000 + spread)
}

/// Sends one transaction; a refusal is logged by reason. A transaction the node validated
/// against a block it had just pruned is signed again and sent again (see [`Resigner`]),
/// keeping its original send time. A busy refusal is waited out (see [`busy_backoff`])
/// until `busy_until`; the transaction's latency then counts from the submission the node
/// accepted, the wait is reported apart.
async fn submit_one(
	client: Arc<WsClient>,
	doctor: usize,
	mut tx: Signed,
	resigner: Arc<Resigner>,
	busy_until: Instant,
	log: Arc<Mutex<SubmitLog>>,
) {
	let mut attempt = 0;
	let mut busy = 0;
	let first_try = Instant::now();
	loop {
		let result: Result<String, _> =
			client.request("author_submitExtrinsic", rpc_params![tx.hex.clone()]).await;
		let error = match result {
			Ok(_) if busy > 0 => {
				let mut log = log.lock().expect("not poisoned");
				log.deferred += 1;
				log.deferred_wait += first_try.elapsed();
				return;
			}
			Ok(_) => return,
			Err(e) => e.to_string(),
		};
		if error.contains(busy_refusal()) {
			let wait = busy_backoff(doctor, busy);
			if Instant::now() + wait < busy_until {
				busy += 1;
				log.lock().expect("not poisoned").busy_retries += 1;
				tokio::time::sleep(wait).await;
				log.lock().expect("not poisoned").sent_at.insert(tx.hash, Instant::now());
				continue;
			}
		}
		let pruned = error.contains("unknown Block") || error.contains("temporarily banned");
		let mut log = log.lock().expect("not poisoned");
		if pruned && attempt < RESIGNS {
			attempt += 1;
			let again = resigner.resign(doctor, &tx, attempt);
			if let Some(sent) = log.sent_at.remove(&tx.hash) {
				log.sent_at.insert(again.hash, sent);
			}
			if let Some(origin) = log.origin.remove(&tx.hash) {
				log.origin.insert(again.hash, origin);
			}
			log.resigned += 1;
			tx = again;
			continue;
		}
		log.sent_at.remove(&tx.hash);
		log.refused_hashes.push(tx.hash);
		let reason = if error.contains(busy_refusal()) {
			"Registry::Busy at the end of the load window".to_string()
		} else {
			reason(&error)
		};
		*log.refused.entry(reason).or_default() += 1;
		let stopped = log.stopped_at.entry(doctor).or_insert(tx.nonce);
		*stopped = (*stopped).min(tx.nonce);
		return;
	}
}

/// A refusal's reason without the parts that differ per transaction.
fn reason(error: &str) -> String {
	error.split(": 0x").next().unwrap_or(error).chars().take(160).collect()
}
