// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Consent as the patient's client drives it: grant (and hand the keys of the records in
//! scope to the grantee), revoke (and take the keys back), answer requests, read the
//! audit trail; and the facility's side: request access, break the glass. Handing one
//! record's key over ([`share_key`]) and taking it back ([`unshare_key`]) are here too:
//! [`crate::records`] writes, confirms and reads records and hands no key over.
//!
//! A grant is all a grantee needs: any hospital node serves it the ciphertext and releases
//! it the record key (audited), even when the patient is offline or granted from
//! Polkadot.js apps. When the patient's client is online it also hands the keys over
//! itself (`records.add_reader_key`), a fast path. Revoking works the other way: nodes
//! refuse the grantee at once, the wrapped keys are deleted, and the next version of any
//! record is sealed under a fresh key the former grantee never sees.

use crate::{
	chain::{account_arg, At, Chain, Progress, Static},
	crypto,
	keys::Identity,
	records::{self, encryption_key, held_key},
	Error,
};
use ehr_primitives::{
	records::{
		AuditEntry, Category, GrantId, GrantView, Moment, Purpose, RecordId, RecordStatus,
		RequestId, RequestReason, RequestView, Scope, ScopedTarget,
	},
	AccountId, BlockNumber,
};
use subxt::dynamic::{self, Value};

/// A fieldless enum of ehr-chain's as a metadata-encoded value, by variant name.
fn variant<T: core::fmt::Debug>(value: &T) -> Value {
	Value::unnamed_variant(format!("{value:?}"), [])
}

/// What a grant or request covers, as the caller states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeArg {
	AllRecords,
	Categories(Vec<Category>),
	Records(Vec<RecordId>),
}

impl ScopeArg {
	/// The metadata-encoded value of the consent pallet's `ScopeRequest`.
	fn value(&self) -> Value {
		match self {
			Self::AllRecords => Value::unnamed_variant("AllRecords", []),
			Self::Categories(kinds) => Value::unnamed_variant(
				"Categories",
				[Value::unnamed_composite(kinds.iter().map(variant))],
			),
			Self::Records(ids) => Value::unnamed_variant(
				"Records",
				[Value::unnamed_composite(ids.iter().map(|id| Value::u128(u128::from(*id))))],
			),
		}
	}
}

/// Every item of a paged runtime API (`method(key, from, limit)`), page by page.
async fn all_pages<R: codec::Decode>(
	chain: &Chain,
	method: &str,
	key: &AccountId,
) -> Result<Vec<R>, Error> {
	// The runtime's `MaxPageSize`: a shorter page is the last.
	const PAGE: u32 = 100;
	let mut all = Vec::new();
	loop {
		let from = u32::try_from(all.len()).unwrap_or(u32::MAX);
		let page: Vec<R> = chain.runtime_call(method, (key, from, PAGE), At::Best).await?;
		let done = page.len() < PAGE as usize;
		all.extend(page);
		if done {
			return Ok(all);
		}
	}
}

/// The patient's grants.
pub async fn grants(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<GrantView<AccountId>>, Error> {
	all_pages(chain, "ConsentApi_grants_of", patient).await
}

/// The patient's pending requests.
pub async fn requests(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<RequestView<AccountId, BlockNumber>>, Error> {
	all_pages(chain, "ConsentApi_requests_of", patient).await
}

/// The patient's audit trail, oldest first.
pub async fn audit(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<AuditEntry<AccountId, BlockNumber>>, Error> {
	all_pages(chain, "ConsentApi_audit_of", patient).await
}

/// Grants `grantee` access to `scope` of the patient's records for `purpose`: the grant
/// alone, as Polkadot.js apps makes it (nodes release keys to the grantee). Returns the
/// grant's id.
pub async fn submit_grant(
	chain: &Chain,
	patient: &Identity,
	grantee: &AccountId,
	scope: &ScopeArg,
	purpose: Purpose,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<GrantId, Error> {
	let call = dynamic::tx(
		"Consent",
		"grant",
		(
			account_arg(&patient.account_id()),
			account_arg(grantee),
			scope.value(),
			Static(purpose),
			expires_at,
		),
	);
	let included = chain.submit(patient, call, progress).await?;
	included
		.event::<GrantId>("Consent", "AccessGranted")
		.ok_or_else(|| Error::Chain("no AccessGranted event".into()))
}

/// Grants as [`submit_grant`], then hands the grantee the keys of the confirmed records in
/// scope (the fast path of an online patient client). Returns the grant's id and how many
/// keys were handed over.
pub async fn grant(
	chain: &Chain,
	patient: &Identity,
	grantee: &AccountId,
	scope: &ScopeArg,
	purpose: Purpose,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<(GrantId, u32), Error> {
	let grant = submit_grant(chain, patient, grantee, scope, purpose, expires_at, progress).await?;
	let granted = grants(chain, &patient.account_id()).await?;
	let scope = granted
		.iter()
		.find(|g| g.id == grant)
		.map(|g| g.scope.clone())
		.ok_or_else(|| Error::Chain("the grant is not on chain".into()))?;
	let shared = share_keys_in_scope(chain, patient, grantee, &scope, progress).await?;
	Ok((grant, shared))
}

/// Hands `reader` the key of every confirmed record of the patient that `scope` covers
/// and the reader does not hold yet (the fast path; nothing is handed to a reader with no
/// encryption key of its own — nodes release keys to it once it has one).
pub async fn share_keys_in_scope(
	chain: &Chain,
	patient: &Identity,
	reader: &AccountId,
	scope: &Scope,
	progress: &mut dyn FnMut(Progress),
) -> Result<u32, Error> {
	let mut shared = 0;
	for record in records::list(chain, &patient.account_id()).await? {
		let target = ScopedTarget::Record { root: record.root, category: record.category };
		if record.status != RecordStatus::Confirmed || !scope.covers(&target) {
			continue;
		}
		let held: Option<ehr_primitives::records::WrappedKeyView<AccountId>> =
			chain.runtime_call("RecordsApi_wrapped_key", (record.id, reader), At::Best).await?;
		if held.is_none() {
			match share_key(chain, patient, record.id, reader, progress).await {
				Ok(()) => shared += 1,
				Err(Error::NoEncryptionKey(_)) => return Ok(shared),
				Err(e) => return Err(e),
			}
		}
	}
	Ok(shared)
}

/// Wraps `record`'s key (as `holder` has it on chain) to `reader` and hands it over on
/// chain: the fast path of a patient's (or author's) client that is online; nodes release
/// the key to the reader anyway.
pub async fn share_key(
	chain: &Chain,
	holder: &Identity,
	record: RecordId,
	reader: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let key = held_key(chain, holder, record).await?;
	let wrapped = crypto::wrap_key(&key, &encryption_key(chain, reader).await?)?;
	let call = dynamic::tx("Records", "add_reader_key", (record, account_arg(reader), wrapped));
	chain.submit(holder, call, progress).await.map(drop)
}

/// Takes `reader`'s wrapped key of `record` away, as the patient.
pub async fn unshare_key(
	chain: &Chain,
	patient: &Identity,
	record: RecordId,
	reader: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Records", "remove_reader_key", (record, account_arg(reader)));
	chain.submit(patient, call, progress).await.map(drop)
}

/// Revokes a grant, then deletes the former grantee's wrapped keys of the patient's
/// records it may no longer access. Returns how many keys were taken back.
pub async fn revoke(
	chain: &Chain,
	patient: &Identity,
	grant: GrantId,
	progress: &mut dyn FnMut(Progress),
) -> Result<u32, Error> {
	let owner = patient.account_id();
	let grantee = grants(chain, &owner)
		.await?
		.into_iter()
		.find(|g| g.id == grant)
		.map(|g| g.grantee)
		.ok_or_else(|| Error::Input(format!("the patient has no grant {grant}")))?;
	let call = dynamic::tx("Consent", "revoke", (account_arg(&owner), grant));
	chain.submit(patient, call, progress).await?;
	let mut removed = 0;
	for record in records::list(chain, &owner).await? {
		let held: Option<ehr_primitives::records::WrappedKeyView<AccountId>> =
			chain.runtime_call("RecordsApi_wrapped_key", (record.id, &grantee), At::Best).await?;
		// The author's and the custodian hospital's copies are theirs, not the grant's.
		if held.is_none() || record.author == grantee || record.hospital == grantee {
			continue;
		}
		let still: ehr_primitives::records::AccessDecision = chain
			.runtime_call(
				"ConsentApi_can_access",
				(
					&grantee,
					&owner,
					ehr_primitives::records::AccessTarget::Record(record.id),
					Option::<Purpose>::None,
				),
				At::Best,
			)
			.await?;
		if still.is_err() {
			unshare_key(chain, patient, record.id, &grantee, progress).await?;
			removed += 1;
		}
	}
	Ok(removed)
}

/// Asks `patient` for access, as a facility (doctor, hospital, insurer).
pub async fn request(
	chain: &Chain,
	requester: &Identity,
	patient: &AccountId,
	scope: &ScopeArg,
	purpose: Purpose,
	reason: RequestReason,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx(
		"Consent",
		"request_access",
		(account_arg(patient), scope.value(), Static(purpose), Static(reason)),
	);
	chain.submit(requester, call, progress).await.map(drop)
}

/// Approves a pending request, as the patient: the approval alone, as Polkadot.js apps
/// makes it. Returns the request as it was.
pub async fn submit_approval(
	chain: &Chain,
	patient: &Identity,
	request: RequestId,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<RequestView<AccountId, BlockNumber>, Error> {
	let owner = patient.account_id();
	let pending = requests(chain, &owner)
		.await?
		.into_iter()
		.find(|r| r.id == request)
		.ok_or_else(|| Error::Input(format!("the patient has no pending request {request}")))?;
	let call =
		dynamic::tx("Consent", "approve_request", (account_arg(&owner), request, expires_at));
	chain.submit(patient, call, progress).await?;
	Ok(pending)
}

/// Approves a pending request, as the patient, and hands the requester the keys in scope
/// (the fast path). Returns how many keys were handed over.
pub async fn approve(
	chain: &Chain,
	patient: &Identity,
	request: RequestId,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<u32, Error> {
	let pending = submit_approval(chain, patient, request, expires_at, progress).await?;
	share_keys_in_scope(chain, patient, &pending.requester, &pending.scope, progress).await
}

/// Appoints `guardian` to take consent decisions for the calling patient and read their
/// records.
pub async fn appoint_guardian(
	chain: &Chain,
	patient: &Identity,
	guardian: &AccountId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call = dynamic::tx("Consent", "appoint_guardian", (account_arg(guardian),));
	chain.submit(patient, call, progress).await.map(drop)
}

/// Denies a pending request, as the patient.
pub async fn deny(
	chain: &Chain,
	patient: &Identity,
	request: RequestId,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let call =
		dynamic::tx("Consent", "deny_request", (account_arg(&patient.account_id()), request));
	chain.submit(patient, call, progress).await.map(drop)
}

/// Opens emergency access to `patient`'s records, as a doctor. `justification` is the
/// written justification the hospital keeps; only its hash goes on chain.
pub async fn break_glass(
	chain: &Chain,
	doctor: &Identity,
	patient: &AccountId,
	reason: ehr_primitives::records::EmergencyReason,
	justification: &str,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let digest = crypto::sha256(justification.as_bytes());
	let call =
		dynamic::tx("Consent", "open_break_glass", (account_arg(patient), Static(reason), digest));
	chain.submit(doctor, call, progress).await.map(drop)
}
