//! The node's JSON-RPC methods beyond the standard ones `sc-service` installs
//! (`chain_*`, `state_*`, `author_*`, `system_*`, the new JSON-RPC spec).

use crate::recovery::audit::AuditHandle;
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
	let FullDeps { client, pool, audit } = deps;

	// `system_accountNextIndex` (the nonce including pool transactions) and `system_dryRun`:
	// Polkadot.js uses the former for every transaction it signs.
	module.merge(System::new(client, pool).into_rpc())?;
	module.merge(audit_rpc(audit)?)?;

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
