// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A record's life as the client drives it: write (or amend), confirm or reject, read,
//! erase.
//!
//! Writing: FHIR Bundle → sealed under a fresh record key (the record's uuid and version
//! as associated data) → key wrapped to the patient, the author and the custodian (the
//! author's hospital), and split into escrow shares for the other hospitals (keys read at
//! the finalized block and pinned, [`crate::pins`]) → blob put on the node → anchor
//! submitted → finalized. Reading: blob fetched (access checked and audited by the node) →
//! checked against the anchor's hash and content id → record key from the reader's own
//! wrapped copy on chain, else released by the nodes ([`release_key`]) → decrypted → the
//! Bundle parsed back.

use crate::{
	blobs,
	chain::{account_arg, At, Chain, Progress, Static},
	crypto::{self, RecordKey},
	fhir::{self, SeedRecord},
	keys::Identity,
	Error,
};
use ehr_primitives::{
	blobs::KeyRequest,
	records::{
		Category, ContentId, EscrowPolicy, Purpose, RecordId, RecordKeys, RecordRejection,
		RecordView, WrappedKeyView,
	},
	registry::Standing,
	AccountId,
};
use ehr_rpc_api::{EhrApiClient, ReleaseKeyParams};
use subxt::dynamic;
use zeroize::Zeroizing;

/// What a written record came to.
#[derive(Clone, Debug)]
pub struct Written {
	pub record: RecordId,
	pub version: u32,
	pub cid: String,
	pub block: ehr_primitives::Hash,
}

/// A decrypted record.
#[derive(Clone, Debug)]
pub struct Read {
	pub view: RecordView<AccountId>,
	/// The FHIR R4 Bundle, as JSON, exactly as its author wrote it (elements this client
	/// does not model included).
	pub bundle: serde_json::Value,
	/// What the node's access decision rested on.
	pub basis: String,
}

/// The anchor of a record version, at the best block.
pub async fn view(chain: &Chain, record: RecordId) -> Result<RecordView<AccountId>, Error> {
	chain
		.runtime_call::<Option<RecordView<AccountId>>>("RecordsApi_record", record, At::Best)
		.await?
		.ok_or(Error::UnknownRecord(record))
}

/// A patient's records (every version), oldest first.
pub async fn list(chain: &Chain, patient: &AccountId) -> Result<Vec<RecordView<AccountId>>, Error> {
	let mut all = Vec::new();
	loop {
		let page: Vec<RecordView<AccountId>> = chain
			.runtime_call("RecordsApi_records_of", (patient, all.len() as u32, 100u32), At::Best)
			.await?;
		let done = page.len() < 100;
		all.extend(page);
		if done {
			return Ok(all);
		}
	}
}

/// The x25519 public key `who` registered on chain, read at the finalized block and
/// checked against the key pinned for it ([`crate::pins`]); refused while it is the
/// placeholder a development account starts with, whose secret nobody holds.
pub async fn encryption_key(
	chain: &Chain,
	who: &AccountId,
) -> Result<x25519_dalek::PublicKey, Error> {
	let standing: Option<Standing<AccountId>> =
		chain.runtime_call("RegistryApi_standing", who, At::Finalized).await?;
	let standing = standing.ok_or_else(|| Error::NotAMember(who.to_string()))?;
	if standing.encryption_key == ehr_primitives::registry::placeholder_encryption_key(who) {
		return Err(Error::NoEncryptionKey(who.to_string()));
	}
	chain.pins().check(who, &standing.encryption_key)?;
	Ok(x25519_dalek::PublicKey::from(standing.encryption_key))
}

/// Writes a new record of `patient` from the seed's fields, as `doctor`.
pub async fn write(
	chain: &Chain,
	doctor: &Identity,
	patient: &AccountId,
	category: Category,
	seed: &SeedRecord,
	progress: &mut dyn FnMut(Progress),
) -> Result<Written, Error> {
	let uuid = crypto::new_record_uuid();
	let sealed = seal(chain, doctor, patient, seed, uuid, 1).await?;
	let call = dynamic::tx(
		"Records",
		"create",
		(
			account_arg(patient),
			Static(category),
			Static(sealed.cid),
			sealed.sha256,
			Static(sealed.keys),
		),
	);
	let included = chain.submit(doctor, call, progress).await?;
	let record = included
		.event::<RecordId>("Records", "RecordCreated")
		.ok_or_else(|| Error::Chain("no RecordCreated event".into()))?;
	Ok(Written { record, version: 1, cid: sealed.cid.to_multibase(), block: included.block })
}

/// Writes a new version of `previous` (the latest, confirmed version) from the seed's
/// fields, as its author, under a fresh key (wrapped as for [`write`]): readers whose
/// access ended never see it.
pub async fn amend(
	chain: &Chain,
	doctor: &Identity,
	previous: RecordId,
	seed: &SeedRecord,
	progress: &mut dyn FnMut(Progress),
) -> Result<Written, Error> {
	let before = view(chain, previous).await?;
	// The record's uuid is in the clear header of the previous version's blob.
	let served = blobs::get(chain, doctor, previous, Purpose::Treatment).await?;
	let (uuid, _) = crypto::blob_header(&served.bytes()?)?;
	let version = before.version + 1;
	let sealed = seal(chain, doctor, &before.patient, seed, uuid, version).await?;
	let call = dynamic::tx(
		"Records",
		"amend",
		(previous, Static(sealed.cid), sealed.sha256, Static(sealed.keys)),
	);
	let included = chain.submit(doctor, call, progress).await?;
	let record = included
		.event::<RecordId>("Records", "RecordAmended")
		.ok_or_else(|| Error::Chain("no RecordAmended event".into()))?;
	Ok(Written { record, version, cid: sealed.cid.to_multibase(), block: included.block })
}

struct Sealed {
	cid: ContentId,
	sha256: [u8; 32],
	keys: RecordKeys,
}

/// The record key wrapped for everyone who holds it from the start: the patient, the
/// author, the custodian (the author's hospital) and, one share each, the escrow holders.
async fn record_keys(
	chain: &Chain,
	doctor: &Identity,
	patient: &AccountId,
	key: &RecordKey,
) -> Result<RecordKeys, Error> {
	let standing: Option<Standing<AccountId>> =
		chain.runtime_call("RegistryApi_standing", doctor.account_id(), At::Best).await?;
	let custodian =
		standing.and_then(|s| s.hospital).ok_or_else(|| Error::NotAMember(doctor.ss58()))?;
	let policy: EscrowPolicy<AccountId> =
		chain.runtime_call("RecordsApi_escrow_policy", &custodian, At::Best).await?;
	let mut escrow = Vec::new();
	if policy.threshold >= 2 {
		let shares = crypto::escrow::split(key, policy.threshold, policy.holders.len())?;
		for ((holder, _), share) in policy.holders.iter().zip(shares) {
			escrow.push(crypto::wrap_bytes(&share, &encryption_key(chain, holder).await?)?);
		}
	}
	Ok(RecordKeys {
		patient: crypto::wrap_key(key, &encryption_key(chain, patient).await?)?,
		author: crypto::wrap_key(key, &x25519_dalek::PublicKey::from(doctor.encryption_public()))?,
		custodian: crypto::wrap_key(key, &encryption_key(chain, &custodian).await?)?,
		escrow,
	})
}

/// Builds, encrypts and stores one version; returns what the anchor needs.
async fn seal(
	chain: &Chain,
	doctor: &Identity,
	patient: &AccountId,
	seed: &SeedRecord,
	uuid: [u8; 16],
	version: u32,
) -> Result<Sealed, Error> {
	let bundle = fhir::build_bundle(seed, uuid)?;
	let json = serde_json::to_vec(&bundle).map_err(|e| Error::Input(e.to_string()))?;
	let key = RecordKey::generate();
	let blob = crypto::seal_record(&key, uuid, version, &json)?;
	let keys = record_keys(chain, doctor, patient, &key).await?;
	let receipt = blobs::put(chain, doctor, &blob).await?;
	let cid = receipt.content_id()?;
	if cid != ContentId::from_sha256(crypto::sha256(&blob)) {
		return Err(Error::Chain("the node stored the blob under another content id".into()));
	}
	Ok(Sealed { cid, sha256: crypto::sha256(&blob), keys })
}

/// Confirms a pending record, as its patient (or a guardian): it counts from now on, and
/// its grantees can have its key released by any hospital node. Confirming hands no key
/// over; that is [`crate::consent`]'s (`share_key`, `share_keys_in_scope`).
pub async fn confirm(
	chain: &Chain,
	patient: &Identity,
	record: RecordId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	chain.submit(patient, dynamic::tx("Records", "confirm", (record,)), progress).await.map(drop)
}

/// Rejects a pending record, as its patient (or a guardian).
pub async fn reject(
	chain: &Chain,
	patient: &Identity,
	record: RecordId,
	reason: RecordRejection,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Records", "reject", (record, Static(reason)));
	chain.submit(patient, call, progress).await.map(drop)
}

/// Erases a record version, as its patient: the keys go, the nodes drop the blob.
pub async fn erase(
	chain: &Chain,
	patient: &Identity,
	record: RecordId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	chain.submit(patient, dynamic::tx("Records", "erase", (record,)), progress).await.map(drop)
}

/// The record key of `record` as `reader` holds it on chain (wrapped to the reader's
/// registered key by the writer, the patient or the author).
pub async fn held_key(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
) -> Result<RecordKey, Error> {
	let wrapped: Option<WrappedKeyView<AccountId>> = chain
		.runtime_call("RecordsApi_wrapped_key", (record, reader.account_id()), At::Best)
		.await?;
	let wrapped = wrapped.ok_or_else(|| Error::NoKey { record, reader: reader.ss58() })?;
	Ok(crypto::unwrap_key(&wrapped.key, reader.encryption_secret())?)
}

/// What the reader's key is wrapped to when a node releases it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
	/// The reader's registered encryption key.
	Registered,
	/// A fresh x25519 key for this one release (what a browser wallet that can only sign
	/// uses): the reader's signature binds it to the reader.
	Session,
}

/// A key a node released, and what the release said.
pub struct Released {
	pub key: RecordKey,
	/// What the release rested on (`Owner`, `Grant(3)`, ...).
	pub basis: String,
	/// The hospital whose node recorded the release.
	pub released_by: String,
	/// Whether escrow shares (rather than a custodian) gave the key.
	pub from_escrow: bool,
}

/// Asks the node for `record`'s key, as `reader`, for `purpose`: the node releases it only
/// if the chain lets the reader access the record, after recording the release in the
/// patient's audit trail (see `docs/keys.md`).
pub async fn release_key(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
	purpose: Purpose,
	recipient: Recipient,
) -> Result<Released, Error> {
	let session = (recipient == Recipient::Session)
		.then(|| x25519_dalek::StaticSecret::random_from_rng(rand_core::OsRng));
	let secret = session.as_ref().unwrap_or(reader.encryption_secret());
	let request = KeyRequest {
		genesis: chain.genesis(),
		reader: reader.account_id(),
		record,
		purpose,
		recipient: x25519_dalek::PublicKey::from(secret).to_bytes(),
		issued_at: crate::keys::now_ms(),
	};
	let signature = reader.sign(&request.signing_payload());
	let answer = chain.ehr().release_key(ReleaseKeyParams::new(&request, &signature)).await?;
	let (key, from_escrow) = match answer.custodian_bytes()? {
		Some(wrapped) => (crypto::unwrap_key(&wrapped, secret)?, false),
		None => {
			let shares = answer
				.share_bytes()?
				.iter()
				.map(|share| Ok(crypto::unwrap_bytes(share, secret)?))
				.collect::<Result<Vec<Zeroizing<Vec<u8>>>, Error>>()?;
			(crypto::escrow::combine(answer.threshold, &shares)?, true)
		}
	};
	Ok(Released { key, basis: answer.basis, released_by: answer.released_by, from_escrow })
}

/// The key of `record` for `reader`: its own wrapped copy on chain if it has one that opens
/// `blob`, else released by the nodes.
pub async fn record_key(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
	purpose: Purpose,
	blob: &[u8],
) -> Result<RecordKey, Error> {
	if let Ok(key) = held_key(chain, reader, record).await {
		if crypto::open_record(&key, blob).is_ok() {
			return Ok(key);
		}
	}
	let released = release_key(chain, reader, record, purpose, Recipient::Registered).await?;
	Ok(released.key)
}

/// Reads and decrypts a record version, as `reader`, for `purpose`.
pub async fn read(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
	purpose: Purpose,
) -> Result<Read, Error> {
	let view = view(chain, record).await?;
	let served = blobs::get(chain, reader, record, purpose).await?;
	let blob = served.bytes()?;
	check_against_anchor(&view, &blob)?;
	let key = record_key(chain, reader, record, purpose, &blob).await?;
	let opened = crypto::open_record(&key, &blob)?;
	if opened.version != view.version {
		return Err(Error::TamperedBlob { record, what: "version" });
	}
	let not_a_bundle = |e: serde_json::Error| {
		Error::Chain(format!("record {record} does not hold a FHIR Bundle: {e}"))
	};
	fhir::Bundle::from_json(&opened.plaintext).map_err(|e| match e {
		fhir::FhirError::Json(e) => not_a_bundle(e),
		other => Error::Fhir(other),
	})?;
	let bundle = serde_json::from_slice(&opened.plaintext).map_err(not_a_bundle)?;
	Ok(Read { view, bundle, basis: served.basis })
}

/// A served blob must hash to the anchor's ciphertext hash and content id.
pub fn check_against_anchor(view: &RecordView<AccountId>, blob: &[u8]) -> Result<(), Error> {
	let digest = crypto::sha256(blob);
	if digest != view.ciphertext_sha256 {
		return Err(Error::TamperedBlob { record: view.id, what: "SHA-256" });
	}
	if view.cid != Some(ContentId::from_sha256(digest)) {
		return Err(Error::TamperedBlob { record: view.id, what: "content id" });
	}
	Ok(())
}
