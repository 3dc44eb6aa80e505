// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The node's blob store, over its RPC methods: put a ciphertext, get one by record.
//!
//! Both requests are signed by the caller's account key over the layout the node checks
//! (`ehr_primitives::blobs`), and travel in the JSON form `ehr_rpc_api` defines for node
//! and client alike.

use crate::{
	chain::Chain,
	keys::{now_ms, Identity},
	Error,
};
use ehr_primitives::{
	blobs::{get_signing_payload, put_signing_payload, GetRequest, PutRequest},
	records::{Purpose, RecordId},
};
use ehr_rpc_api::{EhrApiClient, GetBlobParams, PutBlobParams};

/// Where a blob is on a node (`ehr_blobStatus`).
pub use ehr_rpc_api::BlobStatus;
/// The node's receipt for a put blob ([`PutReceipt::content_id`] parses its id).
pub use ehr_rpc_api::PutReceipt;
/// A blob the node served ([`ServedBlob::bytes`] decodes it).
pub use ehr_rpc_api::ServedBlob;

/// A node's answer that does not hold what it should.
impl From<ehr_rpc_api::BadAnswer> for Error {
	fn from(error: ehr_rpc_api::BadAnswer) -> Self {
		Error::Chain(error.0)
	}
}

/// Stores `blob` on the node, as `author` (an active doctor).
pub async fn put(chain: &Chain, author: &Identity, blob: &[u8]) -> Result<PutReceipt, Error> {
	let request = PutRequest {
		genesis: chain.genesis(),
		author: author.account_id(),
		sha256: crate::crypto::sha256(blob),
		issued_at: now_ms(),
	};
	let signature = author.sign(&put_signing_payload(&request));
	Ok(chain.ehr().put_blob(PutBlobParams::new(&request, &signature, blob)).await?)
}

/// Fetches the blob of `record`, as `reader`, for `purpose` (the node checks access and
/// records the read in the patient's audit trail).
pub async fn get(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
	purpose: Purpose,
) -> Result<ServedBlob, Error> {
	let request = GetRequest {
		genesis: chain.genesis(),
		reader: reader.account_id(),
		record,
		purpose,
		issued_at: now_ms(),
	};
	let signature = reader.sign(&get_signing_payload(&request));
	Ok(chain.ehr().get_blob(GetBlobParams::new(&request, &signature)).await?)
}

/// Where the blob `cid` (as IPFS prints it) is on the node.
pub async fn status(chain: &Chain, cid: &str) -> Result<BlobStatus, Error> {
	Ok(chain.ehr().blob_status(cid.into()).await?)
}
