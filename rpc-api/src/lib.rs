// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-rpc-api
//!
//! The JSON-RPC methods an ehr-chain node serves beyond Substrate's: one `jsonrpsee` trait,
//! `EhrApi`, that the node implements (`EhrApiServer`, feature `server`) and the client
//! calls (`EhrApiClient`, feature `client`, implemented for every `jsonrpsee` client); the
//! JSON forms of their parameters and answers ([`types`]); and their error codes
//! ([`error`]). `docs/openrpc.json` describes the same methods for other languages.
//!
//! | method | takes | answers |
//! |---|---|---|
//! | `ehr_putBlob` | [`PutBlobParams`] | [`PutReceipt`] |
//! | `ehr_getBlob` | [`GetBlobParams`] | [`ServedBlob`] |
//! | `ehr_blobStatus` | a content id | [`BlobStatus`] |
//! | `ehr_releaseKey` | [`ReleaseKeyParams`] | [`ReleasedKey`] |
//! | `ehr_lastAudit` | nothing | [`AuditReport`] or `null` |
//! | `ehr_runAudit` (unsafe) | nothing | [`AuditReport`] |
//!
//! Every method takes its parameters by position: `[ {…} ]` for the signed requests.

pub mod error;
pub mod types;

pub use types::*;

#[cfg(any(feature = "server", feature = "client"))]
pub use api::*;

#[cfg(any(feature = "server", feature = "client"))]
mod api {
	use crate::types::*;
	use jsonrpsee::{core::RpcResult, proc_macros::rpc};

	/// The node's own methods (`ehr_*`).
	#[cfg_attr(all(feature = "server", feature = "client"), rpc(server, client, namespace = "ehr"))]
	#[cfg_attr(all(feature = "server", not(feature = "client")), rpc(server, namespace = "ehr"))]
	#[cfg_attr(all(feature = "client", not(feature = "server")), rpc(client, namespace = "ehr"))]
	pub trait EhrApi {
		/// Stages a blob (an encrypted record, at most 1 MiB) for the active doctor who signed
		/// the request, until a record anchor adopts it or its staging period ends. Size,
		/// chain, freshness, signature and role are checked before the blob is decoded.
		#[method(name = "putBlob", blocking)]
		fn put_blob(&self, request: PutBlobParams) -> RpcResult<PutReceipt>;

		/// The blob of a record version, for a reader the chain allows now; the node records
		/// the read in the patient's audit trail first. A request is good for one read.
		#[method(name = "getBlob")]
		async fn get_blob(&self, request: GetBlobParams) -> RpcResult<ServedBlob>;

		/// Where the blob `cid` (a CIDv1 as IPFS prints it) is on this node.
		#[method(name = "blobStatus")]
		fn blob_status(&self, cid: String) -> RpcResult<BlobStatus>;

		/// A record key for a reader the chain allows, wrapped to the request's recipient
		/// key, once the release is recorded on chain.
		#[method(name = "releaseKey")]
		async fn release_key(&self, request: ReleaseKeyParams) -> RpcResult<ReleasedKey>;

		/// The last audit of the node's finalized chain against its peers (`null` before
		/// the first).
		#[method(name = "lastAudit")]
		fn last_audit(&self) -> RpcResult<Option<AuditReport>>;

		/// Runs an audit now and answers it. Unsafe: it makes the node ask all its peers,
		/// so a port open to the outside refuses it unless `--rpc-methods unsafe`.
		#[method(name = "runAudit", with_extensions)]
		async fn run_audit(&self) -> RpcResult<AuditReport>;
	}
}

#[cfg(test)]
mod tests {
	use serde_json::Value;

	fn openrpc() -> Value {
		serde_json::from_str(include_str!("../../docs/openrpc.json")).expect("openrpc.json parses")
	}

	/// The OpenRPC document lists every error code by its constant's name, and nothing else
	/// but the two standard codes.
	#[test]
	fn openrpc_lists_every_error_code() {
		let doc = openrpc();
		let errors = doc["components"]["errors"].as_object().expect("components.errors");
		for (name, code) in crate::error::ALL {
			assert_eq!(
				errors.get(*name).map(|e| e["code"].clone()),
				Some(Value::from(*code)),
				"{name}"
			);
		}
		for (name, error) in errors {
			let code = error["code"].as_i64().expect("a code") as i32;
			let known = crate::error::ALL.contains(&(name.as_str(), code))
				|| (name == "INVALID_PARAMS" && code == crate::error::INVALID_PARAMS)
				|| (name == "UNSAFE_METHOD" && code == crate::error::UNSAFE_METHOD);
			assert!(known, "openrpc.json lists {name} = {code}, which error.rs does not");
		}
		// Every reference to an error resolves.
		for method in doc["methods"].as_array().expect("methods") {
			for error in method["errors"].as_array().into_iter().flatten() {
				let target = error["$ref"].as_str().expect("errors are references");
				let name = target.strip_prefix("#/components/errors/").expect("a component");
				assert!(errors.contains_key(name), "{} refers to {target}", method["name"]);
			}
		}
	}

	/// The OpenRPC document lists exactly the methods the trait defines.
	#[cfg(feature = "server")]
	#[test]
	fn openrpc_lists_every_method() {
		use crate::{types::*, EhrApiServer};
		use jsonrpsee::core::{async_trait, RpcResult};

		/// Serves nothing: only its method names matter here.
		struct Nothing;

		fn nothing<T>() -> RpcResult<T> {
			Err(jsonrpsee::types::ErrorCode::InternalError.into())
		}

		#[async_trait]
		impl EhrApiServer for Nothing {
			fn put_blob(&self, _: PutBlobParams) -> RpcResult<PutReceipt> {
				nothing()
			}
			async fn get_blob(&self, _: GetBlobParams) -> RpcResult<ServedBlob> {
				nothing()
			}
			fn blob_status(&self, _: String) -> RpcResult<BlobStatus> {
				nothing()
			}
			async fn release_key(&self, _: ReleaseKeyParams) -> RpcResult<ReleasedKey> {
				nothing()
			}
			fn last_audit(&self) -> RpcResult<Option<AuditReport>> {
				nothing()
			}
			async fn run_audit(&self, _: &jsonrpsee::Extensions) -> RpcResult<AuditReport> {
				nothing()
			}
		}

		let mut served: Vec<String> = Nothing.into_rpc().method_names().map(Into::into).collect();
		let mut documented: Vec<String> = openrpc()["methods"]
			.as_array()
			.expect("methods")
			.iter()
			.map(|method| method["name"].as_str().expect("a name").to_string())
			.collect();
		served.sort();
		documented.sort();
		assert_eq!(served, documented);
	}
}
