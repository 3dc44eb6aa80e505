// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The node's blob store and key release refuse what they must, with the documented error
//! codes, against a real development node on 127.0.0.1: writes by non-doctors, oversized
//! blobs, stale, misdirected or forged requests, unknown records, readers without access,
//! replayed key requests and malformed parameters; and it drops a put blob that no anchor
//! adopts in time.

use codec::Encode;
use ehr_client::{
	blobs,
	chain::{Chain, Progress},
	consent::{self, ScopeArg},
	keys::Identity,
	records, registry, Error,
};
use ehr_primitives::{
	blobs::{put_signing_payload, KeyRequest, PutRequest},
	records::{Category, Purpose},
	Hash,
};
use ehr_rpc_api::error::*;
use ehr_testnet::{node_binary, Network};
use serde_json::json;
use std::time::Duration;

fn code(result: Result<impl std::fmt::Debug, Error>) -> i32 {
	match result {
		Err(Error::Node { code, .. }) => code,
		other => panic!("expected a refusal from the node, got {other:?}"),
	}
}

/// A put request signed by `signer`, claiming `author`, issued at `issued_at`, for `genesis`.
fn put_params(
	signer: &Identity,
	author: &Identity,
	genesis: Hash,
	issued_at: u64,
	blob: &[u8],
) -> serde_json::Value {
	let request = PutRequest {
		genesis,
		author: author.account_id(),
		sha256: ehr_client::crypto::sha256(blob),
		issued_at,
	};
	json!({
		"blob": format!("0x{}", hex::encode(blob)),
		"sha256": format!("0x{}", hex::encode(request.sha256)),
		"author": author.ss58(),
		"genesis": format!("0x{}", hex::encode(genesis.encode())),
		"issuedAt": issued_at,
		"signature": format!("0x{}", hex::encode(signer.sign(&put_signing_payload(&request)))),
	})
}

/// `ehr_releaseKey`'s parameters: `request` signed by `signer`.
fn release_params(
	signer: &Identity,
	request: &KeyRequest<ehr_primitives::AccountId>,
) -> serde_json::Value {
	json!({
		"record": request.record,
		"reader": sp_core::crypto::Ss58Codec::to_ss58check(&request.reader),
		"purpose": format!("{:?}", request.purpose).to_lowercase(),
		"recipient": format!("0x{}", hex::encode(request.recipient)),
		"genesis": format!("0x{}", hex::encode(request.genesis)),
		"issuedAt": request.issued_at,
		"signature": format!("0x{}", hex::encode(signer.sign(&request.signing_payload()))),
	})
}

fn quiet(_: Progress) {}

async fn status(chain: &Chain, cid: &str) -> String {
	chain.rpc::<String>("ehr_blobStatus", json!(cid)).await.expect("status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blob_store_refuses_with_specific_errors() {
	let binary = node_binary().expect("node binary");
	let extra = ["--blob-staging-ttl", "2", "--blob-staging-per-author-mib", "1"];
	let network =
		Network::start(&binary, "blob-refusals", "dev", &["alice"], &extra).expect("dev node");
	network.wait_all_finalized(1, Duration::from_secs(60)).expect("the dev chain finalizes");
	let chain = Chain::connect(&network.nodes[0].ws_url()).await.expect("client connects");
	let genesis = chain.genesis();
	let now = ehr_client::keys::now_ms();

	let doctor = Identity::from_suri("//Bob").expect("a doctor on dev");
	let patient = Identity::from_suri("//Charlie").expect("a patient on dev");

	// Only doctors store blobs: `NOT_A_WRITER`.
	assert_eq!(code(blobs::put(&chain, &patient, b"ciphertext").await), NOT_A_WRITER);
	// At most 1 MiB (IPFS's block size): `STORE_REFUSED`.
	let oversized = vec![7u8; ehr_primitives::blobs::MAX_BLOB_BYTES + 1];
	assert_eq!(code(blobs::put(&chain, &doctor, &oversized).await), STORE_REFUSED);
	// Requests older than five minutes: `STALE`.
	let stale = put_params(&doctor, &doctor, genesis, now - 10 * 60 * 1000, b"ciphertext");
	assert_eq!(code(chain.rpc::<serde_json::Value>("ehr_putBlob", stale).await), STALE);
	// Signed for another chain: `WRONG_CHAIN`.
	let elsewhere = put_params(&doctor, &doctor, Hash::repeat_byte(9), now, b"ciphertext");
	assert_eq!(code(chain.rpc::<serde_json::Value>("ehr_putBlob", elsewhere).await), WRONG_CHAIN);
	// Signed by someone other than the claimed author: `BAD_SIGNATURE`.
	let forged = put_params(&patient, &doctor, genesis, now, b"ciphertext");
	assert_eq!(code(chain.rpc::<serde_json::Value>("ehr_putBlob", forged).await), BAD_SIGNATURE);
	// A blob that is not the one the signature covers: `MALFORMED`, after the signature is
	// checked (a stranger's oversized or unsigned body is never decoded or hashed).
	let mut swapped = put_params(&doctor, &doctor, genesis, now, b"ciphertext");
	swapped["blob"] = json!(format!("0x{}", hex::encode(b"other ciphertext")));
	assert_eq!(code(chain.rpc::<serde_json::Value>("ehr_putBlob", swapped).await), MALFORMED);
	let mut stranger = put_params(&patient, &doctor, genesis, now, b"ciphertext");
	stranger["blob"] = json!("0xnot hex at all");
	assert_eq!(code(chain.rpc::<serde_json::Value>("ehr_putBlob", stranger).await), BAD_SIGNATURE);
	// One doctor may stage 1 MiB per staging period here: `STAGING_BUDGET_EXHAUSTED`, then, after the period,
	// again.
	let big = vec![3u8; 700 * 1024];
	blobs::put(&chain, &doctor, &big).await.expect("within the doctor's staging budget");
	assert_eq!(
		code(blobs::put(&chain, &doctor, &[4u8; 700 * 1024]).await),
		STAGING_BUDGET_EXHAUSTED
	);
	tokio::time::sleep(Duration::from_millis(2_500)).await;
	blobs::put(&chain, &doctor, &[5u8; 700 * 1024]).await.expect("budget restored");
	// No such record: `UNKNOWN_RECORD`.
	assert_eq!(code(blobs::get(&chain, &patient, 999, Purpose::Treatment).await), UNKNOWN_RECORD);
	// Malformed parameters: JSON-RPC's invalid-params code, naming the field.
	let refused = chain
		.rpc::<serde_json::Value>(
			"ehr_getBlob",
			json!({ "record": 0, "reader": patient.ss58(), "purpose": "curiosity",
				"genesis": format!("0x{}", hex::encode(genesis)), "issuedAt": now, "signature": "0x00" }),
		)
		.await;
	match refused {
		Err(Error::Node { code: -32602, message }) => {
			assert!(message.contains("purpose"), "{message}")
		}
		other => panic!("expected invalid params, got {other:?}"),
	}

	// Key release: a record of the patient, and requests for its key.
	let insurer = Identity::from_suri("//Dave").expect("an insurer on dev");
	for member in [&doctor, &patient, &insurer] {
		registry::register_encryption_key(&chain, member, &mut quiet).await.expect("key");
	}
	let hospital = Identity::from_suri("//Alice").expect("the dev hospital").account_id();
	consent::submit_grant(
		&chain,
		&patient,
		&hospital,
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("treatment grant");
	let seed = serde_json::from_str(include_str!("../examples/seed-record.json")).expect("seed");
	let written = records::write(
		&chain,
		&doctor,
		&patient.account_id(),
		Category::Condition,
		&seed,
		&mut quiet,
	)
	.await
	.expect("record");
	let request = |reader: &Identity, record| KeyRequest {
		genesis,
		reader: reader.account_id(),
		record,
		purpose: Purpose::Payment,
		recipient: reader.encryption_public(),
		issued_at: ehr_client::keys::now_ms(),
	};
	let release = |params| chain.rpc::<serde_json::Value>("ehr_releaseKey", params);
	// No grant: `ACCESS_DENIED`; no such record: `UNKNOWN_RECORD`.
	assert_eq!(
		code(release(release_params(&insurer, &request(&insurer, written.record))).await),
		ACCESS_DENIED
	);
	assert_eq!(
		code(release(release_params(&insurer, &request(&insurer, 999))).await),
		UNKNOWN_RECORD
	);
	// Not signed by the reader it names: `BAD_SIGNATURE`; another chain: `WRONG_CHAIN`; stale: `STALE`.
	assert_eq!(
		code(release(release_params(&doctor, &request(&insurer, written.record))).await),
		BAD_SIGNATURE
	);
	let elsewhere =
		KeyRequest { genesis: Hash::repeat_byte(9), ..request(&patient, written.record) };
	assert_eq!(code(release(release_params(&patient, &elsewhere)).await), WRONG_CHAIN);
	let stale = KeyRequest { issued_at: now - 10 * 60 * 1000, ..request(&patient, written.record) };
	assert_eq!(code(release(release_params(&patient, &stale)).await), STALE);
	// The patient's request is served once; the same request again is refused: `REPLAYED`.
	let once = release_params(&patient, &request(&patient, written.record));
	let served = release(once.clone()).await.expect("the patient gets the key");
	assert_eq!(served["basis"], "Owner");
	assert_eq!(code(release(once).await), REPLAYED);

	// A doctor's blob is staged, and dropped when no anchor adopts it in time.
	let receipt = blobs::put(&chain, &doctor, b"ciphertext nobody anchors").await.expect("staged");
	assert_eq!(receipt.staged_for_secs, 2);
	assert_eq!(status(&chain, &receipt.cid).await, "staged");
	let deadline = std::time::Instant::now() + Duration::from_secs(30);
	while status(&chain, &receipt.cid).await != "absent" {
		assert!(std::time::Instant::now() < deadline, "the unanchored blob was never dropped");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}
