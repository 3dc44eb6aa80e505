//! `ehr`: the ehr-chain client for patients, doctors, insurers and integrators.
//!
//! Keys live in a password-protected keystore file (optionally with a TOTP second factor);
//! `--suri` (or `EHR_SURI`) takes a secret URI directly, for development keys. Passwords
//! come from `EHR_PASSWORD` or a prompt; TOTP codes from `--totp-code`, `EHR_TOTP_CODE`
//! or a prompt. Every transaction reports its progress and waits for finality.

use clap::{Parser, Subcommand};
use ehr_client::{
	chain::{Chain, Progress},
	consent::{self, ScopeArg},
	fhir::SeedRecord,
	keys::{self, Identity, Keystore, KeystoreOptions},
	records, registry, totp, Error,
};
use ehr_primitives::{
	records::{Category, EmergencyReason, Purpose, RecordRejection, RequestReason},
	registry::{ApplicantRole, Role},
	AccountId,
};
use std::{path::PathBuf, process::ExitCode, str::FromStr};

mod accounts;

#[derive(Parser)]
#[command(
	name = "ehr",
	version,
	about = "The ehr-chain client: health records, encrypted on your machine, anchored on chain."
)]
struct Cli {
	/// The node to talk to.
	#[arg(long, global = true, env = "EHR_NODE", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Keystore file of the acting account.
	#[arg(long, global = true, env = "EHR_KEYSTORE")]
	keystore: Option<PathBuf>,
	/// Secret URI of the acting account instead of a keystore (development keys: `//Alice`).
	#[arg(long, global = true, env = "EHR_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// The current TOTP code, if the keystore has a second factor.
	#[arg(long, global = true, env = "EHR_TOTP_CODE", hide_env_values = true)]
	totp_code: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Create or inspect keys.
	#[command(subcommand)]
	Keys(KeysCommand),
	/// Register this account's encryption key on chain.
	RegisterKey,
	/// Write, confirm, read and erase records.
	#[command(subcommand)]
	Record(RecordCommand),
	/// Grant, revoke, request and approve access.
	#[command(subcommand)]
	Consent(ConsentCommand),
	/// Open emergency access to a patient's records (doctors).
	BreakGlass {
		#[arg(long)]
		patient: String,
		/// patient-unable-to-consent, life-threatening or guardian-unreachable.
		#[arg(long, value_parser = parse_emergency)]
		reason: EmergencyReason,
		/// The written justification (kept by the hospital; only its hash goes on chain).
		#[arg(long)]
		justification: String,
	},
	/// Print the FHIR R4 Bundle a record's fields become (what `record write` encrypts),
	/// without touching the chain.
	Bundle {
		/// A JSON file with the seed's record fields (see `record write --help`).
		#[arg(long)]
		input: PathBuf,
	},
	/// The patient's audit trail: who did what with their records.
	Audit {
		/// Whose trail (default: the acting account).
		#[arg(long)]
		patient: Option<String>,
	},
	/// Print this account's registration proof (JSON), which staff (or, for a node
	/// account, its hospital) submit with the registration.
	RegistrationProof {
		/// patient, admin or node.
		#[arg(long, value_parser = parse_registered_role)]
		role: Role,
		#[arg(long)]
		hospital: String,
		/// The salted hash of the off-chain profile (patients, admins).
		#[arg(long)]
		profile_commitment: Option<String>,
	},
	/// Apply to a hospital as a new doctor or patient, from an account with no standing:
	/// works the proof-of-work ticket the chain asks for (with progress), then applies.
	Apply {
		/// doctor or patient.
		#[arg(long, value_parser = parse_applicant_role)]
		role: ApplicantRole,
		#[arg(long)]
		hospital: String,
		/// The salted hash of the off-chain profile, 0x + 64 hex digits.
		#[arg(long)]
		profile_commitment: String,
	},
	/// A hospital's registrations, node accounts and custody key.
	#[command(subcommand)]
	Hospital(accounts::HospitalCommand),
	/// Recover an account whose phrase was lost.
	#[command(subcommand)]
	Recovery(accounts::RecoveryCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
	/// Create a new account: prints its recovery phrase once and writes a keystore.
	New {
		#[arg(long)]
		out: PathBuf,
		/// Protect unlocking with a TOTP second factor (shows a QR code to scan).
		#[arg(long)]
		totp: bool,
	},
	/// Write a keystore for an existing secret URI or phrase (read from `--suri`/`EHR_SURI`).
	Import {
		#[arg(long)]
		out: PathBuf,
		#[arg(long)]
		totp: bool,
	},
	/// Print the acting account's address and encryption key.
	Show,
	/// Accept the new encryption key of ACCOUNT after its owner confirmed the change
	/// (replaces the key pinned on first use).
	Accept { account: String },
}

#[derive(Subcommand)]
enum RecordCommand {
	/// Write a new record (doctors): the seed's fields as JSON → FHIR R4 Bundle → encrypted.
	Write {
		#[arg(long)]
		patient: String,
		/// A JSON file with the fields: patientId, gender, age, disease, diagnosis, location,
		/// medication, suggestion, nextReview, notes, date, doctor, hospitalId.
		#[arg(long)]
		input: PathBuf,
		#[arg(long, default_value = "Encounter", value_parser = parse_category)]
		category: Category,
	},
	/// Write a new version of a confirmed record (its author).
	Amend {
		#[arg(long)]
		previous: u64,
		#[arg(long)]
		input: PathBuf,
	},
	/// Confirm a pending record (patients).
	Confirm { record: u64 },
	/// Reject a pending record (patients): wrong-patient, inaccurate, unknown-encounter, other.
	Reject {
		record: u64,
		#[arg(long, value_parser = parse_rejection, default_value = "inaccurate")]
		reason: RecordRejection,
	},
	/// Fetch, verify and decrypt a record; prints its FHIR JSON.
	Read {
		record: u64,
		#[arg(long, value_parser = parse_purpose, default_value = "treatment")]
		purpose: Purpose,
		/// Also print the seed's fields read back from the Bundle.
		#[arg(long)]
		fields: bool,
	},
	/// List a patient's records.
	List {
		#[arg(long)]
		patient: Option<String>,
	},
	/// Erase a record version (patients): keys deleted, blob dropped by every node.
	Erase { record: u64 },
	/// Hand a record's key to a reader the chain lets read it (the patient, or the record's
	/// author). Not needed for access: nodes release keys to every reader the chain allows.
	Share {
		record: u64,
		#[arg(long)]
		to: String,
	},
	/// Have a node release this account a record's key (audited on chain); prints where
	/// it came from. `record read` does this by itself when needed.
	ReleaseKey {
		record: u64,
		#[arg(long, value_parser = parse_purpose, default_value = "treatment")]
		purpose: Purpose,
		/// Wrap the key to a fresh session key instead of the registered one.
		#[arg(long)]
		session: bool,
	},
}

#[derive(Subcommand)]
enum ConsentCommand {
	/// Grant access and hand over the keys of the records in scope (patients).
	Grant {
		#[arg(long)]
		to: String,
		/// `all`, `categories:Condition,Encounter` or `records:1,2`.
		#[arg(long, default_value = "all", value_parser = parse_scope)]
		scope: ScopeArg,
		#[arg(long, value_parser = parse_purpose)]
		purpose: Purpose,
		/// Days until the grant expires (default: until revoked).
		#[arg(long)]
		expires_in_days: Option<u64>,
	},
	/// Revoke a grant and take back the keys it covered (patients).
	Revoke { grant: u64 },
	/// Ask a patient for access (facilities).
	Request {
		#[arg(long)]
		patient: String,
		#[arg(long, default_value = "all", value_parser = parse_scope)]
		scope: ScopeArg,
		#[arg(long, value_parser = parse_purpose)]
		purpose: Purpose,
		/// referral, admission, claim, second-opinion, study, other.
		#[arg(long, value_parser = parse_request_reason, default_value = "other")]
		reason: RequestReason,
	},
	/// Approve a pending request (patients).
	Approve {
		request: u64,
		#[arg(long)]
		expires_in_days: Option<u64>,
	},
	/// Deny a pending request (patients).
	Deny { request: u64 },
	/// List grants and pending requests (patients).
	List,
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}

async fn run(cli: Cli) -> Result<(), Error> {
	if let Command::Keys(command) = &cli.command {
		if matches!(command, KeysCommand::New { .. } | KeysCommand::Import { .. }) {
			return keys_command(&cli, command);
		}
	}
	if let Command::Bundle { input } = &cli.command {
		let bundle = ehr_client::fhir::build_bundle(
			&seed_record(input)?,
			ehr_client::crypto::new_record_uuid(),
		)?;
		let json =
			serde_json::to_string_pretty(&bundle).map_err(|e| Error::Input(e.to_string()))?;
		println!("{json}");
		return Ok(());
	}
	let me = identity(&cli)?;
	if let Command::Keys(KeysCommand::Show) = cli.command {
		println!("address:        {}", me.ss58());
		println!("encryption key: 0x{}", hex::encode(me.encryption_public()));
		return Ok(());
	}
	let chain = Chain::connect(&cli.node).await?;
	let progress = &mut report_progress;
	match cli.command {
		Command::Keys(KeysCommand::Accept { account: who }) => {
			let who = account(&who)?;
			let standing = registry::standing(&chain, &who)
				.await?
				.ok_or_else(|| Error::NotAMember(who.to_string()))?;
			chain.pins().accept(&who, &standing.encryption_key)?;
			println!(
				"the encryption key 0x{} of {who} is pinned now",
				hex::encode(standing.encryption_key)
			);
			Ok(())
		}
		Command::Keys(_) | Command::Bundle { .. } => Ok(()),
		Command::RegistrationProof { role, hospital, profile_commitment } => {
			accounts::registration_proof(
				&chain,
				&me,
				role,
				&hospital,
				profile_commitment.as_deref(),
			)
			.await
		}
		Command::Apply { role, hospital, profile_commitment } => {
			accounts::apply(&chain, &me, role, &hospital, &profile_commitment, progress).await
		}
		Command::Hospital(command) => {
			accounts::hospital_command(&chain, &me, command, progress).await
		}
		Command::Recovery(command) => {
			accounts::recovery_command(&chain, &me, command, progress).await
		}
		Command::RegisterKey => {
			if registry::register_encryption_key(&chain, &me, progress).await? {
				println!("encryption key registered");
			} else {
				println!("encryption key already registered");
			}
			Ok(())
		}
		Command::Record(command) => record_command(&chain, &me, command, progress).await,
		Command::Consent(command) => consent_command(&chain, &me, command, progress).await,
		Command::BreakGlass { patient, reason, justification } => {
			consent::break_glass(
				&chain,
				&me,
				&account(&patient)?,
				reason,
				&justification,
				progress,
			)
			.await?;
			println!("emergency access opened; the hospital will review it");
			Ok(())
		}
		Command::Audit { patient } => {
			let patient =
				patient.map(|p| account(&p)).transpose()?.unwrap_or_else(|| me.account_id());
			for entry in consent::audit(&chain, &patient).await? {
				let event = &entry.event;
				println!(
					"#{:<7} {} {:?} by {}{}{}{}",
					entry.block,
					entry.at,
					event.action,
					event.actor,
					event.record.map(|r| format!(" record {r}")).unwrap_or_default(),
					event.purpose.map(|p| format!(" for {p:?}")).unwrap_or_default(),
					event.basis.map(|b| format!(" ({b:?})")).unwrap_or_default(),
				);
			}
			Ok(())
		}
	}
}

async fn record_command(
	chain: &Chain,
	me: &Identity,
	command: RecordCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	match command {
		RecordCommand::Write { patient, input, category } => {
			let seed = seed_record(&input)?;
			let written =
				records::write(chain, me, &account(&patient)?, category, &seed, progress).await?;
			println!(
				"record {} (version {}) anchored, blob {}; waiting for the patient's confirmation",
				written.record, written.version, written.cid
			);
		}
		RecordCommand::Amend { previous, input } => {
			let seed = seed_record(&input)?;
			let written = records::amend(chain, me, previous, &seed, progress).await?;
			println!(
				"record {} (version {}) anchored, blob {}",
				written.record, written.version, written.cid
			);
		}
		RecordCommand::Confirm { record } => {
			records::confirm(chain, me, record, progress).await?;
			println!("record {record} confirmed");
		}
		RecordCommand::ReleaseKey { record, purpose, session } => {
			let recipient =
				if session { records::Recipient::Session } else { records::Recipient::Registered };
			let released = records::release_key(chain, me, record, purpose, recipient).await?;
			println!(
				"record {record}: key released by {} ({}), from {}",
				released.released_by,
				released.basis,
				if released.from_escrow { "escrow shares" } else { "the custodian" }
			);
		}
		RecordCommand::Share { record, to } => {
			records::share_key(chain, me, record, &account(&to)?, progress).await?;
			println!("record {record}: key handed to {to}");
		}
		RecordCommand::Reject { record, reason } => {
			records::reject(chain, me, record, reason, progress).await?;
			println!("record {record} rejected");
		}
		RecordCommand::Read { record, purpose, fields } => {
			let read = records::read(chain, me, record, purpose).await?;
			eprintln!(
				"record {record}: version {}, {:?}, access as {}",
				read.view.version, read.view.status, read.basis
			);
			println!(
				"{}",
				serde_json::to_string_pretty(&read.bundle)
					.map_err(|e| Error::Chain(e.to_string()))?
			);
			if fields {
				let bundle: ehr_client::fhir::Bundle =
					serde_json::from_value(read.bundle).map_err(|e| Error::Chain(e.to_string()))?;
				let seed = ehr_client::fhir::seed_fields(&bundle)?;
				println!(
					"{}",
					serde_json::to_string_pretty(&seed).map_err(|e| Error::Chain(e.to_string()))?
				);
			}
		}
		RecordCommand::List { patient } => {
			let patient =
				patient.map(|p| account(&p)).transpose()?.unwrap_or_else(|| me.account_id());
			for view in records::list(chain, &patient).await? {
				println!(
					"{:>6}  v{} of {}  {:?}  {:?}  by {}  {}",
					view.id,
					view.version,
					view.root,
					view.category,
					view.status,
					view.author,
					view.cid.map(|c| c.to_multibase()).unwrap_or_else(|| "(erased)".into())
				);
			}
		}
		RecordCommand::Erase { record } => {
			records::erase(chain, me, record, progress).await?;
			println!("record {record} erased");
		}
	}
	Ok(())
}

async fn consent_command(
	chain: &Chain,
	me: &Identity,
	command: ConsentCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let days = |d: Option<u64>| d.map(|d| keys::now_ms() + d * 24 * 3600 * 1000);
	match command {
		ConsentCommand::Grant { to, scope, purpose, expires_in_days } => {
			let (grant, keys) = consent::grant(
				chain,
				me,
				&account(&to)?,
				&scope,
				purpose,
				days(expires_in_days),
				progress,
			)
			.await?;
			println!("grant {grant} made; {keys} record keys handed over");
		}
		ConsentCommand::Revoke { grant } => {
			let keys = consent::revoke(chain, me, grant, progress).await?;
			println!("grant {grant} revoked; {keys} record keys taken back");
		}
		ConsentCommand::Request { patient, scope, purpose, reason } => {
			consent::request(chain, me, &account(&patient)?, &scope, purpose, reason, progress)
				.await?;
			println!("access requested");
		}
		ConsentCommand::Approve { request, expires_in_days } => {
			let keys =
				consent::approve(chain, me, request, days(expires_in_days), progress).await?;
			println!("request {request} approved; {keys} record keys handed over");
		}
		ConsentCommand::Deny { request } => {
			consent::deny(chain, me, request, progress).await?;
			println!("request {request} denied");
		}
		ConsentCommand::List => {
			for grant in consent::grants(chain, &me.account_id()).await? {
				println!(
					"grant {:>4}  to {}  {:?} for {:?}  {}",
					grant.id,
					grant.grantee,
					grant.scope,
					grant.purpose,
					if grant.active { "active" } else { "expired" }
				);
			}
			for request in consent::requests(chain, &me.account_id()).await? {
				println!(
					"request {:>4}  from {}  {:?} for {:?} ({:?})",
					request.id, request.requester, request.scope, request.purpose, request.reason
				);
			}
		}
	}
	Ok(())
}

fn keys_command(cli: &Cli, command: &KeysCommand) -> Result<(), Error> {
	let (out, with_totp, suri) = match command {
		KeysCommand::New { out, totp } => {
			let phrase = keys::generate_phrase()?;
			println!("Recovery phrase (write it down; it is shown only once):\n\n    {phrase}\n");
			(out, *totp, phrase)
		}
		KeysCommand::Import { out, totp } => {
			let suri = cli
				.suri
				.clone()
				.ok_or_else(|| Error::Input("give the secret with --suri or EHR_SURI".into()))?;
			(out, *totp, suri)
		}
		KeysCommand::Show | KeysCommand::Accept { .. } => return Ok(()),
	};
	let password = password("New keystore password: ")?;
	let totp_secret = with_totp.then(totp::generate_secret);
	let options = KeystoreOptions { totp_secret, ..Default::default() };
	let keystore = Keystore::create_with(&suri, &password, &options)?;
	keystore.save(out)?;
	println!("address {} saved to {}", keystore.address(), out.display());
	if let Some(secret) = totp_secret {
		let uri = totp::otpauth_uri(&secret, keystore.address());
		println!("Scan with an authenticator app (Google Authenticator, ...):\n");
		println!("{}", totp::render_qr(&uri).map_err(|e| Error::Input(e.to_string()))?);
		println!("or enter: {uri}");
	}
	Ok(())
}

fn identity(cli: &Cli) -> Result<Identity, Error> {
	if let Some(suri) = &cli.suri {
		return Ok(Identity::from_suri(suri)?);
	}
	let path = cli.keystore.as_ref().ok_or_else(|| {
		Error::Input("say who acts: --keystore FILE (or EHR_KEYSTORE), or --suri".into())
	})?;
	let keystore = Keystore::load(path)?;
	let password = password(&format!("Password for {}: ", keystore.address()))?;
	let code = match (&cli.totp_code, keystore.has_totp()) {
		(Some(code), _) => Some(code.clone()),
		(None, true) => Some(prompt("TOTP code: ")?),
		(None, false) => None,
	};
	Ok(keystore.unlock(&password, code.as_deref())?)
}

fn password(question: &str) -> Result<String, Error> {
	if let Ok(password) = std::env::var("EHR_PASSWORD") {
		return Ok(password);
	}
	rpassword::prompt_password(question)
		.map_err(|e| Error::Input(format!("reading the password: {e}")))
}

fn prompt(question: &str) -> Result<String, Error> {
	use std::io::Write;
	print!("{question}");
	let _ = std::io::stdout().flush();
	let mut line = String::new();
	std::io::stdin().read_line(&mut line).map_err(|e| Error::Input(e.to_string()))?;
	Ok(line.trim().to_string())
}

fn report_progress(progress: Progress) {
	match progress {
		Progress::Submitted { transaction } => eprintln!("  submitted {transaction:?}"),
		Progress::InBlock { block } => eprintln!("  in block {block:?}"),
		Progress::Finalized { block } => eprintln!("  finalized in {block:?}"),
	}
}

fn seed_record(path: &PathBuf) -> Result<SeedRecord, Error> {
	let text = std::fs::read(path)
		.map_err(|source| Error::File { path: path.display().to_string(), source })?;
	serde_json::from_slice(&text)
		.map_err(|e| Error::Input(format!("{}: not the seed's record fields: {e}", path.display())))
}

/// An account from its SS58 address.
pub(crate) fn account(text: &str) -> Result<AccountId, Error> {
	AccountId::from_str(text)
		.map_err(|e| Error::Input(format!("'{text}' is not an SS58 address: {e}")))
}

/// Parses a kebab- or Pascal-case name into one of `choices` by its Debug name.
fn by_name<T: Copy + std::fmt::Debug>(text: &str, choices: &[T]) -> Result<T, String> {
	let wanted = text.replace(['-', '_'], "").to_lowercase();
	choices.iter().copied().find(|c| format!("{c:?}").to_lowercase() == wanted).ok_or_else(|| {
		let names: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
		format!("'{text}' is not one of {}", names.join(", "))
	})
}

fn parse_category(text: &str) -> Result<Category, String> {
	use Category::*;
	by_name(
		text,
		&[
			Condition,
			MedicationRequest,
			Encounter,
			CarePlan,
			Appointment,
			Observation,
			DiagnosticReport,
			AllergyIntolerance,
			Procedure,
			Immunization,
			DocumentReference,
		],
	)
}

fn parse_applicant_role(text: &str) -> Result<ApplicantRole, String> {
	by_name(text, &[ApplicantRole::Doctor, ApplicantRole::Patient])
}

fn parse_registered_role(text: &str) -> Result<Role, String> {
	by_name(text, &[Role::Patient, Role::Admin, Role::Node])
}

fn parse_purpose(text: &str) -> Result<Purpose, String> {
	use Purpose::*;
	by_name(text, &[Treatment, Payment, Operations, Research])
}

fn parse_rejection(text: &str) -> Result<RecordRejection, String> {
	use RecordRejection::*;
	by_name(text, &[WrongPatient, Inaccurate, UnknownEncounter, Other])
}

fn parse_request_reason(text: &str) -> Result<RequestReason, String> {
	use RequestReason::*;
	by_name(text, &[Referral, Admission, Claim, SecondOpinion, Study, Other])
}

fn parse_emergency(text: &str) -> Result<EmergencyReason, String> {
	use EmergencyReason::*;
	by_name(text, &[PatientUnableToConsent, LifeThreatening, GuardianUnreachable])
}

fn parse_scope(text: &str) -> Result<ScopeArg, String> {
	if text == "all" {
		return Ok(ScopeArg::AllRecords);
	}
	if let Some(list) = text.strip_prefix("categories:") {
		return list
			.split(',')
			.map(parse_category)
			.collect::<Result<_, _>>()
			.map(ScopeArg::Categories);
	}
	if let Some(list) = text.strip_prefix("records:") {
		return list
			.split(',')
			.map(|id| id.trim().parse::<u64>().map_err(|e| format!("record id '{id}': {e}")))
			.collect::<Result<_, _>>()
			.map(ScopeArg::Records);
	}
	Err(format!("scope '{text}' is not all, categories:A,B or records:1,2"))
}
