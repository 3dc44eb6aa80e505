// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The chain, as the client talks to it: subxt over one WebSocket connection to a node.
//!
//! Transactions are encoded from the node's metadata (subxt's dynamic API), so the client
//! follows the runtime without generated code or custom types; arguments and answers that
//! are ehr-chain's own types travel as their SCALE encoding ([`Static`]), checked against
//! the shared `ehr-primitives` definitions. Runtime API calls and the node's own RPC
//! methods go over the same connection; the latter through the trait the node implements
//! (`ehr_rpc_api::EhrApiClient`, see [`Chain::ehr`]).

use crate::{keys::Identity, Error};
use codec::{Decode, Encode};
use ehr_primitives::{AccountId, Hash};
use ehr_rpc_api::EhrApiClient;
use std::sync::Arc;
use subxt::{
	config::{DefaultExtrinsicParamsBuilder, RpcConfigFor},
	error::{DispatchError, TransactionEventsError},
	ext::{
		jsonrpsee::{
			core::client::{ClientT, Error as ClientError},
			rpc_params,
			ws_client::{WsClient, WsClientBuilder},
		},
		scale_encode::EncodeAsFields,
	},
	rpcs::{LegacyRpcMethods, RpcClient},
	transactions::{DynamicPayload, Signer, TransactionStatus},
	utils::{AccountId32 as SubxtAccountId, MultiSignature},
	OnlineClient, SubstrateConfig,
};

pub use subxt::utils::Static;

/// Largest JSON-RPC message either way: blobs travel hex encoded.
const MAX_RPC_MESSAGE_BYTES: u32 = 64 * 1024 * 1024;

/// A connection to an ehr-chain node.
pub struct Chain {
	api: OnlineClient<SubstrateConfig>,
	/// The connection, shared by subxt and the node's own methods.
	ws: Arc<WsClient>,
	legacy: LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>,
	/// The encryption keys this client pinned on first use.
	pins: crate::pins::Pins,
}

/// Which state to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
	/// The node's best block: includes what is not final yet.
	Best,
	/// The last finalized block.
	Finalized,
}

/// How far a submitted transaction has come.
#[derive(Clone, Debug)]
pub enum Progress {
	/// The node accepted it into its pool.
	Submitted { transaction: Hash },
	/// It is in a block of the best chain (not final yet).
	InBlock { block: Hash },
	/// It is in a finalized block.
	Finalized { block: Hash },
	/// The network was at capacity (`Registry::Busy`): submitted again after `retry_in`.
	Busy { retry_in: std::time::Duration },
}

/// An event of an included transaction: pallet, event name, and its SCALE-encoded fields.
#[derive(Clone, Debug)]
pub struct TxEvent {
	pub pallet: String,
	pub name: String,
	pub fields: Vec<u8>,
}

/// A finalized, successful transaction.
#[derive(Clone, Debug)]
pub struct Included {
	pub block: Hash,
	pub events: Vec<TxEvent>,
}

impl Included {
	/// The fields of the first `pallet.name` event, decoded as `T`.
	pub fn event<T: Decode>(&self, pallet: &str, name: &str) -> Option<T> {
		self.events
			.iter()
			.find(|e| e.pallet == pallet && e.name == name)
			.and_then(|e| T::decode(&mut &e.fields[..]).ok())
	}
}

/// Signs transactions for subxt with an [`Identity`]'s sr25519 key.
struct IdentitySigner<'a>(&'a Identity);

impl Signer<SubstrateConfig> for IdentitySigner<'_> {
	fn account_id(&self) -> SubxtAccountId {
		SubxtAccountId(self.0.account_public())
	}

	fn sign(&self, payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.0.sign(payload))
	}
}

/// An account as a call argument.
pub fn account_arg(who: &AccountId) -> SubxtAccountId {
	let raw: &[u8; 32] = who.as_ref();
	SubxtAccountId(*raw)
}

impl Chain {
	/// Connects to the node at `url` (`ws://127.0.0.1:9944`, `wss://…`).
	pub async fn connect(url: &str) -> Result<Self, Error> {
		let unreachable = |e: String| Error::Connection { url: url.to_string(), reason: e };
		let ws = WsClientBuilder::default()
			.max_request_size(MAX_RPC_MESSAGE_BYTES)
			.max_response_size(MAX_RPC_MESSAGE_BYTES)
			.build(url)
			.await
			.map_err(|e| unreachable(e.to_string()))?;
		let ws = Arc::new(ws);
		let rpc = RpcClient::new(ws.clone());
		let api = OnlineClient::<SubstrateConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| unreachable(e.to_string()))?;
		let legacy = LegacyRpcMethods::new(rpc);
		Ok(Self { api, ws, legacy, pins: crate::pins::Pins::load_default()? })
	}

	/// The node's own methods (`ehr_*`), as `ehr_rpc_api` declares them: call them with
	/// `ehr_rpc_api::EhrApiClient` in scope; their errors convert into [`Error`] (a refusal
	/// is [`Error::Node`], its code one of `ehr_rpc_api::error`).
	pub fn ehr(&self) -> &impl EhrApiClient {
		&*self.ws
	}

	/// The encryption keys pinned on first use (see [`crate::pins`]).
	pub fn pins(&self) -> &crate::pins::Pins {
		&self.pins
	}

	/// The chain's genesis hash.
	pub fn genesis(&self) -> Hash {
		Hash::from(self.api.genesis_hash().0)
	}

	/// The hash of the best or the last finalized block.
	pub async fn head(&self, at: At) -> Result<Hash, Error> {
		let hash = match at {
			At::Best => self
				.legacy
				.chain_get_block_hash(None)
				.await?
				.ok_or_else(|| Error::Chain("the node reports no best block".into()))?,
			At::Finalized => self.legacy.chain_get_finalized_head().await?,
		};
		Ok(Hash::from(hash.0))
	}

	/// The number and hash of the last finalized block.
	pub async fn finalized_block(&self) -> Result<(u32, Hash), Error> {
		let hash = self.legacy.chain_get_finalized_head().await?;
		let header =
			self.legacy.chain_get_header(Some(hash)).await?.ok_or_else(|| {
				Error::Chain("the node has no header for its finalized head".into())
			})?;
		let number = u32::try_from(header.number)
			.map_err(|_| Error::Chain("a block number beyond u32".into()))?;
		Ok((number, Hash::from(hash.0)))
	}

	/// Calls the runtime API function `method` (`RecordsApi_record`, ...) with SCALE-encoded
	/// `args`, at the best or finalized block.
	pub async fn runtime_call<R: Decode>(
		&self,
		method: &str,
		args: impl Encode,
		at: At,
	) -> Result<R, Error> {
		let block = self.head(at).await?;
		let bytes = self
			.legacy
			.state_call(method, Some(&args.encode()), Some(subxt::utils::H256(block.0)))
			.await?;
		R::decode(&mut &bytes[..])
			.map_err(|e| Error::Chain(format!("{method} answered something undecodable: {e}")))
	}

	/// Calls a node's RPC method by name with one parameter, as it is: for what
	/// [`Chain::ehr`] does not type (a hand-made or deliberately broken request).
	pub async fn rpc<R: serde::de::DeserializeOwned>(
		&self,
		method: &str,
		params: serde_json::Value,
	) -> Result<R, Error> {
		Ok(ClientT::request(&*self.ws, method, rpc_params![params]).await?)
	}

	/// Signs `call` as `who`, submits it, reports progress, and waits until it is
	/// finalized. A dispatch error comes back as [`Error::Rejected`], named by pallet and
	/// error with the runtime's documentation of it.
	pub async fn submit<D: EncodeAsFields>(
		&self,
		who: &Identity,
		call: DynamicPayload<D>,
		progress: &mut dyn FnMut(Progress),
	) -> Result<Included, Error> {
		let account = SubxtAccountId(who.account_public());
		// The pool-aware nonce: counts this account's transactions still in the pool.
		let nonce = self.legacy.system_account_next_index(&account).await?;
		// Mortal: a transaction the chain did not take within its period can never be
		// included later (e.g. replayed by whoever saw it).
		let mut busy = 0;
		let (metadata, mut watch) = loop {
			let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
				.nonce(nonce)
				.mortal(MORTAL_PERIOD)
				.build();
			let at = self.api.at_current_block().await.map_err(|e| Error::Chain(e.to_string()))?;
			let metadata = at.metadata();
			let mut transactions = at.transactions();
			match transactions.sign_and_submit_then_watch(&call, &IdentitySigner(who), params).await
			{
				Ok(watch) => break (metadata, watch),
				Err(e) => {
					let refusal = name_refusal(&metadata, e.to_string());
					if !refusal.contains(BUSY) || busy == BUSY_RETRIES {
						return Err(Error::Refused(refusal));
					}
					let retry_in = busy_backoff(busy);
					busy += 1;
					progress(Progress::Busy { retry_in });
					tokio::time::sleep(retry_in).await;
				}
			}
		};
		progress(Progress::Submitted { transaction: Hash::from(watch.extrinsic_hash().0) });
		while let Some(status) = watch.next().await {
			match status.map_err(|e| Error::Chain(e.to_string()))? {
				TransactionStatus::InBestBlock(block) => {
					progress(Progress::InBlock { block: Hash::from(block.block_hash().0) })
				}
				TransactionStatus::InFinalizedBlock(block) => {
					let hash = Hash::from(block.block_hash().0);
					progress(Progress::Finalized { block: hash });
					let events = block.wait_for_success().await.map_err(dispatch_error)?;
					let events = events
						.iter()
						.filter_map(Result::ok)
						.map(|e| TxEvent {
							pallet: e.pallet_name().to_string(),
							name: e.event_name().to_string(),
							fields: e.field_bytes().to_vec(),
						})
						.collect();
					return Ok(Included { block: hash, events });
				}
				TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message }
				| TransactionStatus::Error { message } => {
					return Err(Error::Refused(name_refusal(&metadata, message)))
				}
				_ => {}
			}
		}
		Err(Error::Chain("the node stopped reporting on the transaction".into()))
	}
}

/// The pool's refusal `message`, with the registry error its `Custom error: N` stands for
/// (the membership gate and the quota refuse with the index of a registry `Error`), as the
/// runtime's metadata names and documents it.
fn name_refusal(metadata: &subxt::metadata::Metadata, message: String) -> String {
	// Nodes say "Custom error: 37", subxt "custom error: 37".
	let lower = message.to_ascii_lowercase();
	let code = lower
		.split("custom error: ")
		.nth(1)
		.and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
		.and_then(|digits| digits.parse::<u8>().ok());
	let variant = code.and_then(|code| {
		metadata
			.pallet_by_name("Registry")?
			.error_variant_by_index(code)
			.map(|variant| format!("Registry::{}: {}", variant.name, variant.docs.join(" ")))
	});
	match variant {
		Some(named) => format!("{message} ({named})"),
		None => message,
	}
}

fn dispatch_error(error: TransactionEventsError) -> Error {
	match error {
		TransactionEventsError::ExtrinsicFailed(DispatchError::Module(module)) => {
			match module.details() {
				Ok(details) => Error::Rejected {
					error: format!("{}::{}", details.pallet.name(), details.variant.name),
					docs: details.variant.docs.join(" "),
				},
				Err(_) => Error::Rejected { error: module.to_string(), docs: String::new() },
			}
		}
		TransactionEventsError::ExtrinsicFailed(other) => {
			Error::Rejected { error: other.to_string(), docs: String::new() }
		}
		other => Error::Chain(other.to_string()),
	}
}

/// How a node names its refusal when the network is at capacity (see `Registry::Busy`).
const BUSY: &str = "Registry::Busy";
/// Times a submission refused as busy is made again before the refusal is the answer
/// (about a minute of waiting in all).
const BUSY_RETRIES: u32 = 8;

/// The wait before the `attempt`-th resubmission of a busy refusal: one 2-second slot,
/// growing by half each time up to 12 s, plus up to a slot of jitter so that the clients a
/// node refused together do not all come back together.
fn busy_backoff(attempt: u32) -> std::time::Duration {
	use rand_core::RngCore;
	let base_ms = (2000.0 * 1.5f64.powi(attempt as i32)).min(12_000.0);
	let jitter_ms = rand_core::OsRng.next_u32() % 2000;
	std::time::Duration::from_millis(base_ms as u64 + u64::from(jitter_ms))
}

/// Blocks a transaction stays valid from the block it was signed at: about two minutes.
pub const MORTAL_PERIOD: u64 = 64;

impl From<subxt::rpcs::Error> for Error {
	fn from(e: subxt::rpcs::Error) -> Self {
		Error::Rpc(e.to_string())
	}
}

/// A node's error answer is [`Error::Node`]; anything else went wrong in transport.
impl From<ClientError> for Error {
	fn from(e: ClientError) -> Self {
		match e {
			ClientError::Call(answer) => {
				Error::Node { code: answer.code(), message: answer.message().to_string() }
			}
			other => Error::Rpc(other.to_string()),
		}
	}
}
