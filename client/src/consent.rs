//! Consent as the patient's client drives it: grant (and hand the keys of the records in
//! scope to the grantee), revoke (and take the keys back), answer requests, read the
//! audit trail; and the facility's side: request access, break the glass.
//!
//! A grant alone lets the node serve the grantee the ciphertext; the grantee can decrypt
//! only with the record key, which the patient's client wraps to the grantee's
//! encryption key (`records.add_reader_key`). Revoking does both in reverse: the node
//! refuses the grantee at once, the wrapped keys are deleted, and the next version of any
//! record is sealed under a fresh key the former grantee never sees.

use crate::{
	chain::{account_arg, At, Chain, Progress, Static},
	keys::Identity,
	records::{self, variant},
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

/// The patient's grants.
pub async fn grants(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<GrantView<AccountId>>, Error> {
	chain.runtime_call("ConsentApi_grants_of", patient, At::Best).await
}

/// The patient's pending requests.
pub async fn requests(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<RequestView<AccountId, BlockNumber>>, Error> {
	chain.runtime_call("ConsentApi_requests_of", patient, At::Best).await
}

/// The patient's audit trail, oldest first.
pub async fn audit(
	chain: &Chain,
	patient: &AccountId,
) -> Result<Vec<AuditEntry<AccountId, BlockNumber>>, Error> {
	let mut all = Vec::new();
	loop {
		let page: Vec<AuditEntry<AccountId, BlockNumber>> = chain
			.runtime_call("ConsentApi_audit_of", (patient, all.len() as u32, 100u32), At::Best)
			.await?;
		let done = page.len() < 100;
		all.extend(page);
		if done {
			return Ok(all);
		}
	}
}

/// Grants `grantee` access to `scope` of the patient's records for `purpose`, then hands
/// the grantee the keys of the confirmed records in scope. Returns the grant's id and
/// how many keys were handed over.
pub async fn grant(
	chain: &Chain,
	patient: &Identity,
	grantee: &AccountId,
	scope: &ScopeArg,
	purpose: Purpose,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<(GrantId, u32), Error> {
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
	chain.submit(patient, call, progress).await?;
	let granted = grants(chain, &patient.account_id()).await?;
	let grant = granted
		.iter()
		.filter(|g| g.grantee == *grantee)
		.max_by_key(|g| g.id)
		.ok_or_else(|| Error::Chain("the grant is not on chain".into()))?;
	let shared = share_keys_in_scope(chain, patient, grantee, &grant.scope, progress).await?;
	Ok((grant.id, shared))
}

/// Hands `reader` the key of every confirmed record of the patient that `scope` covers
/// and the reader does not hold yet.
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
			records::share_key(chain, patient, record.id, reader, progress).await?;
			shared += 1;
		}
	}
	Ok(shared)
}

/// Who received the key of a just-confirmed record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handover {
	/// Grantees handed the key now.
	pub shared: Vec<AccountId>,
	/// Grantees whose grant covers the record but who have no encryption key of their own
	/// registered yet: they get the key once they register and the patient shares again.
	pub without_key: Vec<AccountId>,
}

/// Hands the key of the just-confirmed `record` to every grantee whose active grant
/// covers it — a grant of "all records" or of a category covers records written later —
/// unless the grantee holds it already.
pub async fn share_with_grantees(
	chain: &Chain,
	patient: &Identity,
	record: RecordId,
	progress: &mut dyn FnMut(Progress),
) -> Result<Handover, Error> {
	let view = records::view(chain, record).await?;
	let target = ScopedTarget::Record { root: view.root, category: view.category };
	let mut handover = Handover::default();
	let mut seen: Vec<AccountId> = Vec::new();
	for grant in grants(chain, &patient.account_id()).await? {
		if !grant.active || !grant.scope.covers(&target) || seen.contains(&grant.grantee) {
			continue;
		}
		seen.push(grant.grantee.clone());
		let held: Option<ehr_primitives::records::WrappedKeyView<AccountId>> = chain
			.runtime_call("RecordsApi_wrapped_key", (record, &grant.grantee), At::Best)
			.await?;
		if held.is_some() {
			continue;
		}
		match records::share_key(chain, patient, record, &grant.grantee, progress).await {
			Ok(()) => handover.shared.push(grant.grantee),
			Err(Error::NoEncryptionKey(_)) => handover.without_key.push(grant.grantee),
			Err(e) => return Err(e),
		}
	}
	Ok(handover)
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
		if held.is_none() || record.author == grantee {
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
			records::unshare_key(chain, patient, record.id, &grantee, progress).await?;
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

/// Approves a pending request, as the patient, and hands the requester the keys in scope.
pub async fn approve(
	chain: &Chain,
	patient: &Identity,
	request: RequestId,
	expires_at: Option<Moment>,
	progress: &mut dyn FnMut(Progress),
) -> Result<u32, Error> {
	let owner = patient.account_id();
	let pending = requests(chain, &owner)
		.await?
		.into_iter()
		.find(|r| r.id == request)
		.ok_or_else(|| Error::Input(format!("the patient has no pending request {request}")))?;
	let call =
		dynamic::tx("Consent", "approve_request", (account_arg(&owner), request, expires_at));
	chain.submit(patient, call, progress).await?;
	share_keys_in_scope(chain, patient, &pending.requester, &pending.scope, progress).await
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
	let digest = crate::crypto::sha256(justification.as_bytes());
	let call =
		dynamic::tx("Consent", "open_break_glass", (account_arg(patient), Static(reason), digest));
	chain.submit(doctor, call, progress).await.map(drop)
}
