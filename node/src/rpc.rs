//! The node's JSON-RPC methods beyond the standard ones `sc-service` installs
//! (`chain_*`, `state_*`, `author_*`, `system_*`, the new JSON-RPC spec).

use crate::{
	blobs::access::{AccessError, BlobService},
	custody::release::KeyService,
	recovery::audit::AuditHandle,
};
use ehr_primitives::{opaque::Block, AccountId, Nonce};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use sc_rpc_api::{DenyUnsafe, UnsafeRpcError};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use std::sync::Arc;

/// What the RPC methods read from.
pub struct FullDeps<C, P> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	/// The peer audit of the local finalized chain.
	pub audit: AuditHandle,
	/// The off-chain record store.
	pub blobs: Arc<BlobService>,
	/// Key release.
	pub keys: Arc<KeyService>,
}

/// All RPC methods of a full node.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, audit, blobs, keys } = deps;

	// `system_accountNextIndex` (the nonce including pool transactions) and `system_dryRun`:
	// Polkadot.js uses the former for every transaction it signs.
	module.merge(System::new(client, pool).into_rpc())?;
	module.merge(audit_rpc(audit)?)?;
	module.merge(blob_rpc(blobs)?)?;
	module.merge(key_rpc(keys)?)?;

	Ok(module)
}

/// `ehr_lastAudit`: the last audit of the local finalized chain against the peers (`null`
/// before the first); `ehr_runAudit` (an unsafe method): runs one now and returns it.
fn audit_rpc(
	audit: AuditHandle,
) -> Result<RpcModule<AuditHandle>, Box<dyn std::error::Error + Send + Sync>> {
	let mut module = RpcModule::new(audit);
	module.register_method("ehr_lastAudit", |_, audit, _| audit.last())?;
	// Running an audit makes the node send requests to all its peers: only for operators
	// (an RPC port open to the outside denies it unless `--rpc-methods unsafe`).
	module.register_async_method("ehr_runAudit", |_, audit, extensions| {
		let denied = matches!(extensions.get::<DenyUnsafe>(), Some(DenyUnsafe::Yes));
		async move {
			if denied {
				return Err(ErrorObjectOwned::from(UnsafeRpcError));
			}
			audit.run_now().await.map_err(|e| ErrorObjectOwned::owned(-32000, e, None::<()>))
		}
	})?;
	Ok(module)
}

/// `ehr_putBlob`, `ehr_getBlob`, `ehr_blobStatus`: the off-chain record store (see
/// `crate::blobs`). Requests are signed by the caller's account, so these are safe methods.
fn blob_rpc(
	blobs: Arc<BlobService>,
) -> Result<RpcModule<Arc<BlobService>>, Box<dyn std::error::Error + Send + Sync>> {
	let mut module = RpcModule::new(blobs);
	module.register_blocking_method("ehr_putBlob", |params, blobs, _| {
		let params: blob_params::Put = params.one()?;
		let (request, signature, blob_hex) = params.parse()?;
		blobs.put(request, &signature, &blob_hex).map_err(access_error)
	})?;
	module.register_async_method("ehr_getBlob", |params, blobs, _| async move {
		let params: blob_params::Get = params.one()?;
		let (request, signature) = params.parse()?;
		blobs.get(request, &signature).await.map_err(access_error)
	})?;
	module.register_method("ehr_blobStatus", |params, blobs, _| {
		let cid: String = params.one()?;
		let cid = ehr_primitives::records::ContentId::from_multibase(&cid)
			.map_err(|e| invalid_params(e.to_string()))?;
		Ok::<_, ErrorObjectOwned>(blobs.placement(&cid))
	})?;
	Ok(module)
}

/// `ehr_releaseKey`: a record key for a reader the chain allows, wrapped to the reader's
/// recipient key, after the release is audited on chain (see `crate::custody`). Requests
/// are signed by the reader's account, so this is a safe method.
fn key_rpc(
	keys: Arc<KeyService>,
) -> Result<RpcModule<Arc<KeyService>>, Box<dyn std::error::Error + Send + Sync>> {
	let mut module = RpcModule::new(keys);
	module.register_async_method("ehr_releaseKey", |params, keys, _| async move {
		let params: blob_params::Release = params.one()?;
		let (request, signature) = params.parse()?;
		keys.release(request, &signature).await.map_err(access_error)
	})?;
	Ok(module)
}

fn access_error(error: AccessError) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(error.code(), error.to_string(), None::<()>)
}

fn invalid_params(message: String) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(jsonrpsee::types::error::INVALID_PARAMS_CODE, message, None::<()>)
}

/// The JSON forms of the signed requests (blobs and keys).
mod blob_params {
	use super::invalid_params;
	use ehr_primitives::{
		blobs::{GetRequest, KeyRequest, PutRequest},
		records::Purpose,
		AccountId, Hash,
	};
	use jsonrpsee::types::ErrorObjectOwned;
	use sp_core::crypto::Ss58Codec;

	/// `ehr_putBlob`'s parameter.
	#[derive(serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	pub struct Put {
		/// The ciphertext, hex.
		blob: String,
		/// The ciphertext's SHA-256, hex: what the signature covers, checked against the
		/// blob only once the signature is.
		sha256: String,
		/// The doctor's account (SS58 or hex).
		author: String,
		/// The chain's genesis hash, hex.
		genesis: String,
		/// ms since the Unix epoch.
		issued_at: u64,
		/// Signature over `PUT_CONTEXT ‖ SCALE(PutRequest)`, hex.
		signature: String,
	}

	impl Put {
		/// The request, its signature and the blob still in hex (decoded once the request
		/// is known to be good).
		pub fn parse(self) -> Result<(PutRequest<AccountId>, Vec<u8>, String), ErrorObjectOwned> {
			let sha256: [u8; 32] = bytes("sha256", &self.sha256)?
				.try_into()
				.map_err(|_| invalid_params("sha256 is not a 32-byte hash".into()))?;
			let request = PutRequest {
				genesis: hash(&self.genesis)?,
				author: account("author", &self.author)?,
				sha256,
				issued_at: self.issued_at,
			};
			Ok((request, bytes("signature", &self.signature)?, self.blob))
		}
	}

	/// `ehr_getBlob`'s parameter.
	#[derive(serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	pub struct Get {
		/// The record version.
		record: u64,
		/// The reader's account (SS58 or hex).
		reader: String,
		/// `treatment`, `payment`, `operations` or `research`.
		purpose: String,
		genesis: String,
		issued_at: u64,
		/// Signature over `GET_CONTEXT ‖ SCALE(GetRequest)`, hex.
		signature: String,
	}

	impl Get {
		pub fn parse(self) -> Result<(GetRequest<AccountId>, Vec<u8>), ErrorObjectOwned> {
			let request = GetRequest {
				genesis: hash(&self.genesis)?,
				reader: account("reader", &self.reader)?,
				record: self.record,
				purpose: purpose(&self.purpose)?,
				issued_at: self.issued_at,
			};
			Ok((request, bytes("signature", &self.signature)?))
		}
	}

	/// `ehr_releaseKey`'s parameter.
	#[derive(serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	pub struct Release {
		/// The record version.
		record: u64,
		/// The reader's account (SS58 or hex).
		reader: String,
		/// `treatment`, `payment`, `operations` or `research`.
		purpose: String,
		/// The x25519 public key to wrap the record key to, hex.
		recipient: String,
		genesis: String,
		issued_at: u64,
		/// Signature over `KEY_CONTEXT ‖ SCALE(KeyRequest)`, hex.
		signature: String,
	}

	impl Release {
		pub fn parse(self) -> Result<(KeyRequest<AccountId>, Vec<u8>), ErrorObjectOwned> {
			let recipient: [u8; 32] = bytes("recipient", &self.recipient)?
				.try_into()
				.map_err(|_| invalid_params("recipient is not a 32-byte x25519 key".into()))?;
			let request = KeyRequest {
				genesis: hash(&self.genesis)?,
				reader: account("reader", &self.reader)?,
				record: self.record,
				purpose: purpose(&self.purpose)?,
				recipient,
				issued_at: self.issued_at,
			};
			Ok((request, bytes("signature", &self.signature)?))
		}
	}

	fn bytes(field: &str, text: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
		hex::decode(text.trim_start_matches("0x"))
			.map_err(|e| invalid_params(format!("{field} is not hex: {e}")))
	}

	fn hash(text: &str) -> Result<Hash, ErrorObjectOwned> {
		let raw = bytes("genesis", text)?;
		(raw.len() == 32)
			.then(|| Hash::from_slice(&raw))
			.ok_or_else(|| invalid_params("genesis is not a 32-byte hash".into()))
	}

	fn account(field: &str, text: &str) -> Result<AccountId, ErrorObjectOwned> {
		if text.starts_with("0x") {
			let raw: [u8; 32] = bytes(field, text)?
				.try_into()
				.map_err(|_| invalid_params(format!("{field} is not a 32-byte account id")))?;
			return Ok(raw.into());
		}
		AccountId::from_ss58check(text)
			.map_err(|e| invalid_params(format!("{field} is not an SS58 address: {e:?}")))
	}

	fn purpose(text: &str) -> Result<Purpose, ErrorObjectOwned> {
		match text.to_ascii_lowercase().as_str() {
			"treatment" => Ok(Purpose::Treatment),
			"payment" => Ok(Purpose::Payment),
			"operations" => Ok(Purpose::Operations),
			"research" => Ok(Purpose::Research),
			other => Err(invalid_params(format!(
				"purpose '{other}' is not one of treatment, payment, operations, research"
			))),
		}
	}
}
