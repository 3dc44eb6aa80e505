// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr record …`: write, amend, confirm, reject, read, list, erase, share, release-key.

use super::{address, pretty, seed_record};
use crate::{
	cli::RecordCommand,
	interact,
	output::{Failure, Outcome},
	values::{self, CategoryArg, PurposeArg},
	watch::Watch,
};
use ehr_client::{chain::Chain, chain::Progress, keys::Identity, records, Error};
use ehr_primitives::{
	records::{Category, Purpose, RecordRejection, RecordView},
	AccountId,
};
use serde_json::{json, Value};

pub async fn run(
	chain: &Chain,
	me: &Identity,
	command: RecordCommand,
	watch: &Watch,
	progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, Failure> {
	Ok(match command {
		RecordCommand::Write { patient, input, category } => {
			let seed = seed_record(&input)?;
			let category = Category::from(category);
			let written = records::write(chain, me, &patient, category, &seed, progress).await?;
			Outcome::new(
				format!(
					"record {} (version {}) anchored, blob {}; waiting for the patient's \
					 confirmation",
					written.record, written.version, written.cid
				),
				written_json(&written),
			)
		}
		RecordCommand::Amend { previous, input } => {
			let seed = seed_record(&input)?;
			let written = records::amend(chain, me, previous, &seed, progress).await?;
			Outcome::new(
				format!(
					"record {} (version {}) anchored, blob {}",
					written.record, written.version, written.cid
				),
				written_json(&written),
			)
		}
		RecordCommand::Confirm { record } => {
			records::confirm(chain, me, record, progress).await?;
			Outcome::new(format!("record {record} confirmed"), json!({ "record": record }))
		}
		RecordCommand::ReleaseKey { record, purpose, session } => {
			let recipient =
				if session { records::Recipient::Session } else { records::Recipient::Registered };
			let released =
				records::release_key(chain, me, record, Purpose::from(purpose), recipient).await?;
			let source = if released.from_escrow { "escrow shares" } else { "the custodian" };
			Outcome::new(
				format!(
					"record {record}: key released by {} ({}), from {source}",
					released.released_by, released.basis
				),
				json!({
					"record": record,
					"releasedBy": released.released_by,
					"basis": released.basis,
					"fromEscrow": released.from_escrow,
				}),
			)
		}
		RecordCommand::Share { record, to } => {
			ehr_client::consent::share_key(chain, me, record, &to, progress).await?;
			Outcome::new(
				format!("record {record}: key handed to {to}"),
				json!({ "record": record, "to": address(&to) }),
			)
		}
		RecordCommand::Reject { record, reason } => {
			records::reject(chain, me, record, RecordRejection::from(reason), progress).await?;
			Outcome::new(
				format!("record {record} rejected"),
				json!({ "record": record, "reason": values::name(&reason) }),
			)
		}
		RecordCommand::Read { record, purpose, fields } => {
			read(chain, me, record, Purpose::from(purpose), fields, watch).await?
		}
		RecordCommand::List { patient } => {
			let patient = patient.unwrap_or_else(|| me.account_id());
			let views = records::list(chain, &patient).await?;
			let human = views
				.iter()
				.map(|view| {
					format!(
						"{:>6}  v{} of {}  {:?}  {:?}  by {}  {}",
						view.id,
						view.version,
						view.root,
						view.category,
						view.status,
						view.author,
						view.cid.map(|c| c.to_multibase()).unwrap_or_else(|| "(erased)".into())
					)
				})
				.collect::<Vec<_>>()
				.join("\n");
			let all: Vec<Value> = views.iter().map(view_json).collect();
			Outcome::new(human, json!({ "patient": address(&patient), "records": all }))
		}
		RecordCommand::Erase { record, yes } => {
			let view = records::view(chain, record).await?;
			let what = format!(
				"Record {record}: version {} of {}, {}, by {}. Erasing deletes its keys and every \
				 node drops its blob.",
				view.version,
				view.root,
				values::name_of::<CategoryArg, _>(view.category),
				view.author
			);
			interact::confirm(yes, "erase the record", &what)?;
			records::erase(chain, me, record, progress).await?;
			Outcome::new(
				format!("record {record} erased"),
				json!({ "record": record, "erased": true }),
			)
		}
	})
}

/// `record read`: the Bundle on stdout (and the seed's fields with `--fields`), what the
/// access rested on on stderr; all in one object as JSON.
async fn read(
	chain: &Chain,
	me: &Identity,
	record: u64,
	purpose: Purpose,
	fields: bool,
	watch: &Watch,
) -> Result<Outcome, Failure> {
	let read = records::read(chain, me, record, purpose).await?;
	watch.note(&format!(
		"record {record}: version {}, {:?}, access as {}",
		read.view.version, read.view.status, read.basis
	));
	let mut human = pretty(&read.bundle)?;
	let mut result = json!({
		"record": record,
		"version": read.view.version,
		"status": format!("{:?}", read.view.status),
		"basis": read.basis,
		"purpose": values::name_of::<PurposeArg, _>(purpose),
		"bundle": read.bundle,
	});
	if fields {
		let bundle: ehr_client::fhir::Bundle = serde_json::from_value(result["bundle"].clone())
			.map_err(|e| Error::Chain(e.to_string()))?;
		let seed = ehr_client::fhir::seed_fields(&bundle).map_err(Error::from)?;
		let text = serde_json::to_string_pretty(&seed).map_err(|e| Error::Chain(e.to_string()))?;
		human = format!("{human}\n{text}");
		result["fields"] = serde_json::to_value(&seed).map_err(|e| Error::Chain(e.to_string()))?;
	}
	Ok(Outcome::new(human, result))
}

fn written_json(written: &records::Written) -> Value {
	json!({
		"record": written.record,
		"version": written.version,
		"cid": written.cid,
		"block": crate::output::hash(&written.block),
	})
}

fn view_json(view: &RecordView<AccountId>) -> Value {
	json!({
		"id": view.id,
		"version": view.version,
		"root": view.root,
		"previous": view.previous,
		"category": values::name_of::<CategoryArg, _>(view.category),
		"status": format!("{:?}", view.status),
		"patient": address(&view.patient),
		"author": address(&view.author),
		"hospital": address(&view.hospital),
		"cid": view.cid.map(|c| c.to_multibase()),
		"createdAt": view.created_at,
	})
}
