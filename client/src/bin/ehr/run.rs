// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What each `ehr` command does: the commands without a chain here, the others after
//! connecting, under `--timeout` (records and consent in their own modules, accounts in
//! `accounts`).

use crate::{
	accounts,
	cli::{Cli, Command, ConsentCommand, Global, KeysCommand, RecordCommand, RecoveryCommand},
	interact,
	output::{self, Failure, Format, Outcome},
	values::{self, EmergencyArg, PurposeArg},
	watch::Watch,
};
use ehr_client::{
	chain::{Chain, Progress},
	consent as client_consent,
	fhir::SeedRecord,
	keys::{self, Identity, Keystore, KeystoreOptions},
	registry, totp, Error,
};
use ehr_primitives::records::EmergencyReason;
use serde_json::{json, Value};
use std::path::Path;

mod consent;
mod records;

/// Runs the command `cli` names.
pub async fn run(cli: Cli) -> Result<Outcome, Failure> {
	let Cli { global, command } = cli;
	// A destructive command that could not ask is refused before anything else happens.
	check_confirmable(&command)?;
	match command {
		Command::Completions { shell } => {
			let mut cli = <Cli as clap::CommandFactory>::command();
			let mut script = Vec::new();
			clap_complete::generate(shell, &mut cli, "ehr", &mut script);
			output::stdout(&String::from_utf8_lossy(&script));
			return Ok(Outcome::none());
		}
		Command::Keys(command @ (KeysCommand::New { .. } | KeysCommand::Import { .. })) => {
			return write_keystore(&global, command)
		}
		Command::Bundle { input } => {
			let bundle = ehr_client::fhir::build_bundle(
				&seed_record(&input)?,
				ehr_client::crypto::new_record_uuid(),
			)
			.map_err(Error::from)?;
			let text =
				serde_json::to_string_pretty(&bundle).map_err(|e| Error::Input(e.to_string()))?;
			let bundle = serde_json::to_value(&bundle).map_err(|e| Error::Input(e.to_string()))?;
			return Ok(Outcome::new(text, json!({ "bundle": bundle })));
		}
		_ => {}
	}
	let me = interact::identity(&global)?;
	if let Command::Keys(KeysCommand::Show) = command {
		let key = format!("0x{}", hex::encode(me.encryption_public()));
		return Ok(Outcome::new(
			format!("address:        {}\nencryption key: {key}", me.ss58()),
			json!({ "address": me.ss58(), "encryptionKey": key }),
		));
	}
	let watch = Watch::new(global.output, format!("the node at {} to answer", global.node));
	let mut outcome =
		watch.limit(global.timeout, connected(&global, &me, command, &watch)).await??;
	watch.stamp(&mut outcome);
	Ok(outcome)
}

/// Refuses a destructive command up front when it would have to ask and cannot.
fn check_confirmable(command: &Command) -> Result<(), Failure> {
	match command {
		Command::Record(RecordCommand::Erase { yes, .. }) => {
			interact::check_confirmable(*yes, "erase the record")
		}
		Command::Consent(ConsentCommand::Revoke { yes, .. }) => {
			interact::check_confirmable(*yes, "revoke the grant")
		}
		Command::Recovery(RecoveryCommand::HandOver { yes, .. }) => {
			interact::check_confirmable(*yes, "hand the account over")
		}
		Command::Keys(KeysCommand::New { out, yes, .. } | KeysCommand::Import { out, yes, .. })
			if out.exists() =>
		{
			interact::check_confirmable(*yes, "overwrite the keystore")
		}
		_ => Ok(()),
	}
}

/// Connects, then runs a command that needs the chain.
async fn connected(
	global: &Global,
	me: &Identity,
	command: Command,
	watch: &Watch,
) -> Result<Outcome, Failure> {
	let chain = Chain::connect(&global.node).await?;
	watch.waiting_for("the node's answers");
	let mut report = |progress: Progress| watch.progress(progress);
	let progress: &mut dyn FnMut(Progress) = &mut report;
	let chain = &chain;
	match command {
		Command::Keys(KeysCommand::Accept { account: who }) => {
			let standing = registry::standing(chain, &who)
				.await?
				.ok_or_else(|| Error::NotAMember(who.to_string()))?;
			chain.pins().accept(&who, &standing.encryption_key)?;
			let key = format!("0x{}", hex::encode(standing.encryption_key));
			Ok(Outcome::new(
				format!("the encryption key {key} of {who} is pinned now"),
				json!({ "account": address(&who), "encryptionKey": key }),
			))
		}
		Command::RegistrationProof { role, hospital, profile_commitment } => {
			accounts::registration_proof(chain, me, role.into(), &hospital, profile_commitment)
				.await
		}
		Command::Apply { role, hospital, profile_commitment } => {
			let role = role.into();
			accounts::apply(chain, me, role, &hospital, profile_commitment, watch, progress).await
		}
		Command::Hospital(command) => {
			accounts::hospital_command(chain, me, command, progress).await
		}
		Command::Recovery(command) => {
			accounts::recovery_command(chain, me, command, progress).await
		}
		Command::RegisterKey => {
			let registered = registry::register_encryption_key(chain, me, progress).await?;
			let human = if registered {
				"encryption key registered"
			} else {
				"encryption key already registered"
			};
			Ok(Outcome::new(human, json!({ "registered": registered })))
		}
		Command::Record(command) => records::run(chain, me, command, watch, progress).await,
		Command::Consent(command) => consent::run(chain, me, command, progress).await,
		Command::BreakGlass { patient, reason, justification_file } => {
			let justification = interact::read_text(&justification_file)?;
			let reason = EmergencyReason::from(reason);
			client_consent::break_glass(chain, me, &patient, reason, &justification, progress)
				.await?;
			Ok(Outcome::new(
				"emergency access opened; the hospital will review it",
				json!({
					"patient": address(&patient),
					"reason": values::name_of::<EmergencyArg, _>(reason),
				}),
			))
		}
		Command::Audit { patient } => {
			let patient = patient.unwrap_or_else(|| me.account_id());
			let mut human = String::new();
			let mut entries = Vec::new();
			for entry in client_consent::audit(chain, &patient).await? {
				let event = &entry.event;
				human += &format!(
					"#{:<7} {} {:?} by {}{}{}{}\n",
					entry.block,
					entry.at,
					event.action,
					event.actor,
					event.record.map(|r| format!(" record {r}")).unwrap_or_default(),
					event.purpose.map(|p| format!(" for {p:?}")).unwrap_or_default(),
					event.basis.map(|b| format!(" ({b:?})")).unwrap_or_default(),
				);
				entries.push(json!({
					"block": entry.block,
					"at": entry.at,
					"action": format!("{:?}", event.action),
					"actor": address(&event.actor),
					"record": event.record,
					"purpose": event.purpose.map(values::name_of::<PurposeArg, _>),
					"basis": event.basis.map(|b| format!("{b:?}")),
					"via": event.via.as_ref().map(address),
					"repeats": entry.repeats,
				}));
			}
			Ok(Outcome::new(human, json!({ "patient": address(&patient), "entries": entries })))
		}
		Command::Keys(_) | Command::Bundle { .. } | Command::Completions { .. } => {
			Ok(Outcome::none())
		}
	}
}

/// `keys new` and `keys import`: writes a keystore file.
fn write_keystore(global: &Global, command: KeysCommand) -> Result<Outcome, Failure> {
	let (out, with_totp, yes) = match &command {
		KeysCommand::New { out, totp, yes } | KeysCommand::Import { out, totp, yes } => {
			(out.clone(), *totp, *yes)
		}
		KeysCommand::Show | KeysCommand::Accept { .. } => return Ok(Outcome::none()),
	};
	if out.exists() {
		let what = format!("{} exists: the keys in it are lost unless backed up.", out.display());
		interact::confirm(yes, "overwrite the keystore", &what)?;
	}
	let (suri, phrase) = match command {
		KeysCommand::New { .. } => {
			let phrase = zeroize::Zeroizing::new(keys::generate_phrase().map_err(Error::from)?);
			if global.output == Format::Human {
				println!(
					"Recovery phrase (write it down; it is shown only once):\n\n    {}\n",
					*phrase
				);
			}
			(phrase.clone(), Some(phrase))
		}
		_ => {
			let suri = interact::suri(global)?.ok_or_else(|| {
				Failure::Usage("give the secret with --suri-file FILE, EHR_SURI or --suri".into())
			})?;
			(suri, None)
		}
	};
	let password = interact::password(global, "New keystore password: ")?;
	let totp_secret = with_totp.then(totp::generate_secret);
	let options = KeystoreOptions { totp_secret, ..Default::default() };
	let keystore = Keystore::create_with(&suri, &password, &options).map_err(Error::from)?;
	keystore.save(&out).map_err(Error::from)?;
	let mut human = format!("address {} saved to {}", keystore.address(), out.display());
	let mut result =
		json!({ "address": keystore.address(), "keystore": out.display().to_string() });
	if let Some(phrase) = phrase {
		result["recoveryPhrase"] = Value::from(phrase.as_str());
	}
	if let Some(secret) = totp_secret {
		let uri = totp::otpauth_uri(&secret, keystore.address());
		let qr = totp::render_qr(&uri).map_err(|e| Error::Input(e.to_string()))?;
		human += &format!(
			"\nScan with an authenticator app (Google Authenticator, ...):\n\n{qr}\nor enter: {uri}"
		);
		result["otpauthUri"] = Value::from(uri);
	}
	Ok(Outcome::new(human, result))
}

/// The seed's record fields from a JSON file (`-`: stdin).
pub fn seed_record(path: &Path) -> Result<SeedRecord, Failure> {
	let text = interact::read_source(path)?;
	serde_json::from_slice(&text).map_err(|e| {
		Failure::Client(Error::Input(format!(
			"{}: not the seed's record fields: {e}",
			path.display()
		)))
	})
}

/// JSON as people read it.
pub fn pretty(value: &Value) -> Result<String, Failure> {
	Ok(serde_json::to_string_pretty(value).map_err(|e| Error::Chain(e.to_string()))?)
}

/// An account as JSON shows it.
pub fn address(account: &ehr_primitives::AccountId) -> Value {
	Value::from(account.to_string())
}
