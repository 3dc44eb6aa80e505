// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr consent …`: grant, revoke, request, approve, deny, list.

use super::address;
use crate::{
	cli::ConsentCommand,
	interact,
	output::{Failure, Outcome},
	parsers::scope_text,
	values::{self, PurposeArg, RequestReasonArg},
};
use ehr_client::{
	chain::{Chain, Progress},
	consent,
	keys::{self, Identity},
};
use ehr_primitives::records::{Purpose, RequestReason};
use serde_json::{json, Value};

pub async fn run(
	chain: &Chain,
	me: &Identity,
	command: ConsentCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, Failure> {
	let days = |d: Option<u64>| d.map(|d| keys::now_ms() + d * 24 * 3600 * 1000);
	Ok(match command {
		ConsentCommand::Grant { to, scope, purpose, expires_in_days } => {
			let purpose = Purpose::from(purpose);
			let expires = days(expires_in_days);
			let (grant, keys) =
				consent::grant(chain, me, &to, &scope, purpose, expires, progress).await?;
			Outcome::new(
				format!("grant {grant} made; {keys} record keys handed over"),
				json!({
					"grant": grant,
					"to": address(&to),
					"purpose": values::name_of::<PurposeArg, _>(purpose),
					"expiresAt": expires,
					"keysHandedOver": keys,
				}),
			)
		}
		ConsentCommand::Revoke { grant, yes } => {
			let found = consent::grants(chain, &me.account_id())
				.await?
				.into_iter()
				.find(|g| g.id == grant)
				.ok_or_else(|| Failure::NotFound(format!("the patient has no grant {grant}")))?;
			let what = format!(
				"Grant {grant}: {} may read {} for {}. Revoking takes back the keys it covered.",
				found.grantee,
				scope_text(&found.scope),
				values::name_of::<PurposeArg, _>(found.purpose)
			);
			interact::confirm(yes, "revoke the grant", &what)?;
			let keys = consent::revoke(chain, me, grant, progress).await?;
			Outcome::new(
				format!("grant {grant} revoked; {keys} record keys taken back"),
				json!({ "grant": grant, "keysTakenBack": keys }),
			)
		}
		ConsentCommand::Request { patient, scope, purpose, reason } => {
			let (purpose, reason) = (Purpose::from(purpose), RequestReason::from(reason));
			consent::request(chain, me, &patient, &scope, purpose, reason, progress).await?;
			Outcome::new(
				"access requested",
				json!({
					"patient": address(&patient),
					"purpose": values::name_of::<PurposeArg, _>(purpose),
					"reason": values::name_of::<RequestReasonArg, _>(reason),
				}),
			)
		}
		ConsentCommand::Approve { request, expires_in_days } => {
			pending(chain, me, request).await?;
			let keys =
				consent::approve(chain, me, request, days(expires_in_days), progress).await?;
			Outcome::new(
				format!("request {request} approved; {keys} record keys handed over"),
				json!({ "request": request, "keysHandedOver": keys }),
			)
		}
		ConsentCommand::Deny { request } => {
			pending(chain, me, request).await?;
			consent::deny(chain, me, request, progress).await?;
			Outcome::new(format!("request {request} denied"), json!({ "request": request }))
		}
		ConsentCommand::List => list(chain, me).await?,
	})
}

/// Fails with "not found" unless the patient has the pending request.
async fn pending(chain: &Chain, me: &Identity, request: u64) -> Result<(), Failure> {
	let requests = consent::requests(chain, &me.account_id()).await?;
	if requests.iter().any(|r| r.id == request) {
		Ok(())
	} else {
		Err(Failure::NotFound(format!("the patient has no pending request {request}")))
	}
}

async fn list(chain: &Chain, me: &Identity) -> Result<Outcome, Failure> {
	let mut human = Vec::new();
	let mut grants = Vec::new();
	for grant in consent::grants(chain, &me.account_id()).await? {
		human.push(format!(
			"grant {:>4}  to {}  {:?} for {:?}  {}",
			grant.id,
			grant.grantee,
			grant.scope,
			grant.purpose,
			if grant.active { "active" } else { "expired" }
		));
		grants.push(json!({
			"id": grant.id,
			"grantee": address(&grant.grantee),
			"scope": scope_text(&grant.scope),
			"purpose": values::name_of::<PurposeArg, _>(grant.purpose),
			"grantedAt": grant.granted_at,
			"expiresAt": grant.expires_at,
			"active": grant.active,
		}));
	}
	let mut requests = Vec::new();
	for request in consent::requests(chain, &me.account_id()).await? {
		human.push(format!(
			"request {:>4}  from {}  {:?} for {:?} ({:?})",
			request.id, request.requester, request.scope, request.purpose, request.reason
		));
		requests.push(json!({
			"id": request.id,
			"requester": address(&request.requester),
			"scope": scope_text(&request.scope),
			"purpose": values::name_of::<PurposeArg, _>(request.purpose),
			"reason": values::name_of::<RequestReasonArg, _>(request.reason),
			"expiresAtBlock": request.expires_at,
		}));
	}
	Ok(Outcome::new(
		human.join("\n"),
		json!({ "grants": Value::from(grants), "requests": Value::from(requests) }),
	))
}
