// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The node's JSON-RPC methods beyond the standard ones `sc-service` installs
//! (`chain_*`, `state_*`, `author_*`, `system_*`, the new JSON-RPC spec): `system_*`'s
//! nonce and dry-run, and the node's own `ehr_*` methods, whose trait, parameter and
//! answer types and error codes are `ehr-rpc-api`'s (`docs/openrpc.json` documents them).

use crate::{
	blobs::{
		access::{self, AccessError, BlobService},
		store::Placement,
	},
	custody::release::{self, KeyService},
	recovery::audit::{self, AuditHandle},
};
use ehr_primitives::{opaque::Block, AccountId, Nonce};
use ehr_rpc_api::{
	error as code, AuditReport, AuditVerdict, BlobStatus, EhrApiServer, GetBlobParams,
	PutBlobParams, PutReceipt, ReleaseKeyParams, ReleasedKey, ServedBlob,
};
use jsonrpsee::{
	core::{async_trait, RpcResult},
	types::ErrorObjectOwned,
	Extensions, RpcModule,
};
use sc_rpc_api::DenyUnsafe;
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
	module.merge(Ehr { audit, blobs, keys }.into_rpc())?;

	Ok(module)
}

/// The `ehr_*` methods: the blob store (`crate::blobs`), key release (`crate::custody`)
/// and the peer audit (`crate::recovery`). The blob and key requests are signed by the
/// caller's account, so those are safe methods; `ehr_runAudit` is not.
struct Ehr {
	audit: AuditHandle,
	blobs: Arc<BlobService>,
	keys: Arc<KeyService>,
}

#[async_trait]
impl EhrApiServer for Ehr {
	fn put_blob(&self, request: PutBlobParams) -> RpcResult<PutReceipt> {
		let (request, signature, blob_hex) = request.parse()?;
		let receipt = self.blobs.put(request, &signature, &blob_hex).map_err(refusal)?;
		Ok(put_receipt(receipt))
	}

	async fn get_blob(&self, request: GetBlobParams) -> RpcResult<ServedBlob> {
		let (request, signature) = request.parse()?;
		let served = self.blobs.get(request, &signature).await.map_err(refusal)?;
		Ok(ServedBlob {
			record: served.record,
			cid: served.cid,
			blob: served.blob,
			basis: served.basis,
		})
	}

	fn blob_status(&self, cid: String) -> RpcResult<BlobStatus> {
		let cid = ehr_primitives::records::ContentId::from_multibase(&cid)
			.map_err(|e| invalid_params(e.to_string()))?;
		Ok(match self.blobs.placement(&cid) {
			Placement::Stored => BlobStatus::Stored,
			Placement::Staged => BlobStatus::Staged,
			Placement::Absent => BlobStatus::Absent,
		})
	}

	async fn release_key(&self, request: ReleaseKeyParams) -> RpcResult<ReleasedKey> {
		let (request, signature) = request.parse()?;
		let released = self.keys.release(request, &signature).await.map_err(refusal)?;
		Ok(released_key(released))
	}

	fn last_audit(&self) -> RpcResult<Option<AuditReport>> {
		Ok(self.audit.last().map(audit_report))
	}

	async fn run_audit(&self, extensions: &Extensions) -> RpcResult<AuditReport> {
		// Running an audit makes the node send requests to all its peers: only for
		// operators (an RPC port open to the outside denies it unless
		// `--rpc-methods unsafe`).
		if let Some(deny) = extensions.get::<DenyUnsafe>() {
			deny.check_if_safe()?;
		}
		let report = self
			.audit
			.run_now()
			.await
			.map_err(|e| ErrorObjectOwned::owned(code::AUDIT_NOT_RUN, e, None::<()>))?;
		Ok(audit_report(report))
	}
}

/// A refused signed request, with its code (`ehr_rpc_api::error`).
fn refusal(error: AccessError) -> ErrorObjectOwned {
	let code = match &error {
		AccessError::Malformed(_) => code::MALFORMED,
		AccessError::WrongChain(_) => code::WRONG_CHAIN,
		AccessError::Stale(_) => code::STALE,
		AccessError::BadSignature(_) => code::BAD_SIGNATURE,
		AccessError::NotAWriter(_) => code::NOT_A_WRITER,
		AccessError::UnknownRecord(_) => code::UNKNOWN_RECORD,
		AccessError::Erased(_) => code::ERASED,
		AccessError::Denied { .. } => code::ACCESS_DENIED,
		AccessError::Unavailable(_) => code::BLOB_UNAVAILABLE,
		AccessError::Store(_) => code::STORE_REFUSED,
		AccessError::NoNodeAccount => code::NO_NODE_ACCOUNT,
		AccessError::NodeAccountInactive(_) => code::NODE_ACCOUNT_INACTIVE,
		AccessError::Audit(_) => code::AUDIT_FAILED,
		AccessError::Internal(_) => code::INTERNAL,
		AccessError::Replayed => code::REPLAYED,
		AccessError::KeyUnavailable(_) => code::KEY_UNAVAILABLE,
		AccessError::AuthorStagingFull(_) => code::STAGING_BUDGET_EXHAUSTED,
		AccessError::TooManyReads(_) => code::TOO_MANY_READS,
	};
	ErrorObjectOwned::owned(code, error.to_string(), None::<()>)
}

fn invalid_params(message: String) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code::INVALID_PARAMS, message, None::<()>)
}

fn put_receipt(receipt: access::PutReceipt) -> PutReceipt {
	let access::PutReceipt { cid, cid_hex, sha256, size, staged_for_secs } = receipt;
	PutReceipt { cid, cid_hex, sha256, size: size as u64, staged_for_secs }
}

fn released_key(key: release::ReleasedKey) -> ReleasedKey {
	let release::ReleasedKey {
		record,
		basis,
		released_by,
		audit_block,
		custodian,
		shares,
		threshold,
	} = key;
	ReleasedKey { record, basis, released_by, audit_block, custodian, shares, threshold }
}

fn audit_report(report: audit::AuditReport) -> AuditReport {
	let audit::AuditReport {
		at,
		local_finalized,
		heights,
		peers_asked,
		agreeing,
		disagreeing,
		unreachable,
		verdict,
		peers_finalized,
		action,
	} = report;
	let verdict = match verdict {
		audit::Verdict::Agreed => AuditVerdict::Agreed,
		audit::Verdict::LocalDivergence { height } => AuditVerdict::LocalDivergence { height },
		audit::Verdict::NoMajority => AuditVerdict::NoMajority,
		audit::Verdict::NoPeers => AuditVerdict::NoPeers,
		audit::Verdict::NothingFinalized => AuditVerdict::NothingFinalized,
	};
	AuditReport {
		at,
		local_finalized,
		heights,
		peers_asked,
		agreeing,
		disagreeing,
		unreachable,
		verdict,
		peers_finalized,
		action,
	}
}
