//! The node's blob store, over its RPC methods: put a ciphertext, get one by record.
//!
//! Both requests are signed by the caller's account key over the layout the node checks
//! (`ehr_primitives::blobs`).

use crate::{
	chain::Chain,
	keys::{now_ms, Identity},
	Error,
};
use ehr_primitives::{
	blobs::{get_signing_payload, put_signing_payload, GetRequest, PutRequest},
	records::{ContentId, Purpose, RecordId},
};
use serde_json::json;

/// The node's receipt for a put blob.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutReceipt {
	pub cid: String,
	pub size: usize,
	pub staged_for_secs: u64,
}

impl PutReceipt {
	pub fn content_id(&self) -> Result<ContentId, Error> {
		ContentId::from_multibase(&self.cid)
			.map_err(|e| Error::Chain(format!("the node returned a bad content id: {e}")))
	}
}

/// A blob the node served.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedBlob {
	pub record: RecordId,
	pub cid: String,
	pub blob: String,
	pub basis: String,
}

impl ServedBlob {
	pub fn bytes(&self) -> Result<Vec<u8>, Error> {
		hex::decode(self.blob.trim_start_matches("0x"))
			.map_err(|e| Error::Chain(format!("the node returned a blob that is not hex: {e}")))
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
	chain
		.rpc(
			"ehr_putBlob",
			json!({
				"blob": format!("0x{}", hex::encode(blob)),
				"sha256": format!("0x{}", hex::encode(request.sha256)),
				"author": author.ss58(),
				"genesis": format!("0x{}", hex::encode(request.genesis)),
				"issuedAt": request.issued_at,
				"signature": format!("0x{}", hex::encode(signature)),
			}),
		)
		.await
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
	chain
		.rpc(
			"ehr_getBlob",
			json!({
				"record": record,
				"reader": reader.ss58(),
				"purpose": format!("{purpose:?}").to_lowercase(),
				"genesis": format!("0x{}", hex::encode(request.genesis)),
				"issuedAt": request.issued_at,
				"signature": format!("0x{}", hex::encode(signature)),
			}),
		)
		.await
}
