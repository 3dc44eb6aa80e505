// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The node's service account: the `Node`-role account a hospital appoints for each of its
//! nodes (`registry.appoint_node`), whose key is in the node's keystore (type `ehrn`).
//!
//! It signs the on-chain audit entries of what the node serves — blob reads
//! (`consent.record_access`) and key releases (`records.release_key`) — and nothing else:
//! the runtime refuses any other call from it. The hospital's own account, which votes in
//! the council and has authority over the hospital's staff, never has to be on the node.

use crate::client::{FullClient, FullPool};
use codec::Decode;
use ehr_primitives::{registry::Role, AccountId, Hash};
use ehr_runtime::signing::{Lifetime, MORTAL_PERIOD};
use futures::StreamExt;
use sc_client_api::StorageProvider;
use sc_transaction_pool_api::{
	TransactionPool, TransactionSource, TransactionStatus, TransactionStatusStreamFor,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::KeyTypeId, sr25519, storage::StorageKey};
use sp_keystore::{Keystore, KeystorePtr};
use std::{pin::Pin, sync::Arc, time::Duration};

/// The keystore key type of a node's service account.
pub const NODE_KEY_TYPE: KeyTypeId = KeyTypeId(*b"ehrn");

const LOG_TARGET: &str = "ehr::node-account";

/// How long a submitted audit entry may take to get into a block.
const INCLUSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an audit entry could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
	#[error("this node has no service account key (keystore type `ehrn`): see `scripts/hospital-node.sh node-account`")]
	NoAccount,
	#[error("this node's service account {0} is not an active node account of an active hospital")]
	Inactive(String),
	#[error("the transaction pool refused the audit entry: {0}")]
	Refused(String),
	#[error("the audit entry was not included in a block within {0:?}")]
	NotIncluded(Duration),
	#[error("the runtime refused the audit entry: {0}")]
	Dispatch(String),
	#[error("node error: {0}")]
	Internal(String),
}

/// Where an included transaction is, and the events it emitted.
pub struct Included {
	pub block: Hash,
	pub events: Vec<ehr_runtime::RuntimeEvent>,
}

/// The node's service account, signing with the keystore.
pub struct NodeAccount {
	client: Arc<FullClient>,
	pool: Arc<FullPool>,
	keystore: KeystorePtr,
	genesis: Hash,
	public: sr25519::Public,
	/// The next nonce to use, if known ahead of the chain (transactions in the pool). Held
	/// from choosing a nonce until the pool has the transaction, so concurrent audit entries
	/// never share a nonce.
	next_nonce: futures::lock::Mutex<Option<u32>>,
}

impl NodeAccount {
	/// The first `ehrn` key of the keystore, if any.
	pub fn from_keystore(
		client: Arc<FullClient>,
		pool: Arc<FullPool>,
		keystore: KeystorePtr,
		genesis: Hash,
	) -> Option<Self> {
		let public = *keystore.sr25519_public_keys(NODE_KEY_TYPE).first()?;
		Some(Self {
			client,
			pool,
			keystore,
			genesis,
			public,
			next_nonce: futures::lock::Mutex::new(None),
		})
	}

	pub fn account(&self) -> AccountId {
		self.public.into()
	}

	/// The hospital this account's node belongs to, if the account may act now.
	pub fn hospital(&self, at: Hash) -> Result<AccountId, SubmitError> {
		use ehr_primitives::registry::RegistryApi;
		let api = self.client.runtime_api();
		let internal = |e: sp_api::ApiError| SubmitError::Internal(e.to_string());
		let inactive = || SubmitError::Inactive(self.account().to_string());
		if api.may_act(at, self.account()).map_err(internal)? != Ok(Role::Node) {
			return Err(inactive());
		}
		api.standing(at, self.account())
			.map_err(internal)?
			.and_then(|s| s.hospital)
			.ok_or_else(inactive)
	}

	/// Signs `call` and submits it; returns once the pool accepted it.
	pub async fn submit(&self, call: ehr_runtime::RuntimeCall) -> Result<(), SubmitError> {
		self.sign_and_submit(call, false).await.map(drop)
	}

	/// Signs `call`, submits it and waits until it is in a block of the best chain; fails
	/// if it is not included in time or its dispatch failed.
	pub async fn submit_and_wait(
		&self,
		call: ehr_runtime::RuntimeCall,
	) -> Result<Included, SubmitError> {
		let Some(mut watch) = self.sign_and_submit(call, true).await? else {
			return Err(SubmitError::Internal("no watcher".into()));
		};
		let included = async {
			while let Some(status) = watch.next().await {
				match status {
					TransactionStatus::InBlock((block, index)) => return Ok((block, index)),
					TransactionStatus::Invalid
					| TransactionStatus::Dropped
					| TransactionStatus::Usurped(_) => return Err(SubmitError::Refused(format!("{status:?}"))),
					_ => {}
				}
			}
			Err(SubmitError::Refused("the pool stopped reporting".into()))
		};
		let timeout = futures_timer::Delay::new(INCLUSION_TIMEOUT);
		let (block, index) = match futures::future::select(Box::pin(included), timeout).await {
			futures::future::Either::Left((outcome, _)) => outcome?,
			futures::future::Either::Right(_) => {
				return Err(SubmitError::NotIncluded(INCLUSION_TIMEOUT))
			}
		};
		let events = extrinsic_events(&self.client, block, index)?;
		Ok(Included { block, events })
	}

	/// Chooses a nonce, signs `call` and submits it (watched or not); one retry with the
	/// chain's nonce if the remembered one went stale (after a restart, or a dropped
	/// transaction).
	async fn sign_and_submit(
		&self,
		call: ehr_runtime::RuntimeCall,
		watch: bool,
	) -> Result<Option<Pin<Box<TransactionStatusStreamFor<FullPool>>>>, SubmitError> {
		let mut next_nonce = self.next_nonce.lock().await;
		for attempt in 0..2 {
			let info = self.client.info();
			let best = info.best_hash;
			let remembered = if attempt == 0 { *next_nonce } else { None };
			let nonce = self.nonce(best, remembered)?;
			let lifetime =
				Lifetime::Mortal { period: MORTAL_PERIOD, number: info.best_number, hash: best };
			let transaction = ehr_runtime::signing::signed_transaction_with(
				self.public,
				call.clone(),
				nonce,
				self.genesis,
				lifetime,
				|payload| {
					self.keystore
						.sr25519_sign(NODE_KEY_TYPE, &self.public, payload)
						.map_err(|e| SubmitError::Internal(e.to_string()))?
						.ok_or(SubmitError::NoAccount)
				},
			)?;
			let submitted = if watch {
				self.pool
					.submit_and_watch(best, TransactionSource::Local, transaction.into())
					.await
					.map(Some)
			} else {
				self.pool
					.submit_one(best, TransactionSource::Local, transaction.into())
					.await
					.map(|_| None)
			};
			match submitted {
				Ok(watcher) => {
					*next_nonce = Some(nonce + 1);
					return Ok(watcher);
				}
				Err(e) if attempt == 0 => {
					log::debug!(target: LOG_TARGET, "transaction at nonce {nonce} refused ({e}); retrying");
				}
				Err(e) => return Err(SubmitError::Refused(e.to_string())),
			}
		}
		Err(SubmitError::Refused("the pool refused the transaction".into()))
	}

	/// The nonce of the next transaction: the remembered one, unless the chain is ahead.
	fn nonce(&self, best: Hash, remembered: Option<u32>) -> Result<u32, SubmitError> {
		use substrate_frame_rpc_system::AccountNonceApi;
		let on_chain = self
			.client
			.runtime_api()
			.account_nonce(best, self.account())
			.map_err(|e| SubmitError::Internal(e.to_string()))?;
		Ok(remembered.map_or(on_chain, |next| next.max(on_chain)))
	}
}

/// Every event of `block`, with the phase it was emitted in.
pub fn block_events(
	client: &FullClient,
	block: Hash,
) -> Result<Vec<frame_system::EventRecord<ehr_runtime::RuntimeEvent, Hash>>, SubmitError> {
	// `System::Events`: twox128("System") ++ twox128("Events").
	let key = StorageKey(
		[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat(),
	);
	let Some(data) =
		client.storage(block, &key).map_err(|e| SubmitError::Internal(e.to_string()))?
	else {
		return Ok(Vec::new());
	};
	Decode::decode(&mut &data.0[..])
		.map_err(|e| SubmitError::Internal(format!("undecodable events in {block}: {e}")))
}

/// The events of the `index`-th extrinsic of `block`; an error naming the pallet error if
/// its dispatch failed.
pub fn extrinsic_events(
	client: &FullClient,
	block: Hash,
	index: usize,
) -> Result<Vec<ehr_runtime::RuntimeEvent>, SubmitError> {
	let mut events = Vec::new();
	for record in block_events(client, block)? {
		if record.phase != frame_system::Phase::ApplyExtrinsic(index as u32) {
			continue;
		}
		if let ehr_runtime::RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
			dispatch_error,
			..
		}) = &record.event
		{
			let named = ehr_runtime::RuntimeError::from_dispatch_error(*dispatch_error)
				.map(|error| format!("{error:?}"))
				.unwrap_or_else(|| format!("{dispatch_error:?}"));
			return Err(SubmitError::Dispatch(named));
		}
		events.push(record.event);
	}
	Ok(events)
}
