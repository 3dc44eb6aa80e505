// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr`'s command line: the clap definitions, nothing else (see `run` for what each does).

use crate::{
	output::{Format, EXIT_CODES},
	parsers::{self, Lenient},
	values::{
		ApplicantArg, CategoryArg, EmergencyArg, ProofRole, PurposeArg, RejectionArg,
		RequestReasonArg,
	},
};
use clap::{Args, Parser, Subcommand};
use ehr_client::consent::ScopeArg;
use ehr_primitives::AccountId;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
	name = "ehr",
	version,
	about = "The ehr-chain client: health records, encrypted on your machine, anchored on chain.",
	long_about = "The ehr-chain client: health records, encrypted on your machine, anchored on \
		chain.\n\nThe acting account comes from a keystore file (`--keystore`, password from \
		`--password-file`, EHR_PASSWORD or a prompt; TOTP code from `--totp-code`, \
		EHR_TOTP_CODE or a prompt) or a secret URI (`--suri-file`, EHR_SURI, or `--suri` for \
		development keys). Every transaction reports its progress on stderr and waits for \
		finality (at most `--timeout` seconds for each wait).",
	after_help = EXIT_CODES,
	after_long_help = EXIT_CODES
)]
pub struct Cli {
	#[command(flatten)]
	pub global: Global,
	#[command(subcommand)]
	pub command: Command,
}

/// The options every command takes.
#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
	/// The node to talk to (a WebSocket URL).
	#[arg(long, global = true, env = "EHR_NODE", default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// Keystore file of the acting account (`ehr keys new` writes one).
	#[arg(long, global = true, env = "EHR_KEYSTORE", value_name = "FILE")]
	pub keystore: Option<PathBuf>,
	/// Read the acting account's secret URI or phrase from FILE (`-`: stdin) instead of a
	/// keystore.
	#[arg(long, global = true, value_name = "FILE")]
	pub suri_file: Option<PathBuf>,
	/// The acting account's secret URI, for development keys only (`//Alice`): arguments
	/// are visible to every user of the machine; use `--suri-file` or EHR_SURI for real ones.
	#[arg(long, global = true, env = "EHR_SURI", hide_env_values = true, value_name = "SURI")]
	pub suri: Option<String>,
	/// An account exported from Polkadot.js apps or extension (its JSON file) as the acting
	/// account; its password as a keystore's. Its encryption key is derived from the
	/// exported secret, so it differs from the one the same account's phrase gives.
	#[arg(long, global = true, env = "EHR_POLKADOT_JS", value_name = "FILE")]
	pub polkadot_js: Option<PathBuf>,
	/// Read the keystore password from FILE (`-`: stdin); else EHR_PASSWORD, else a prompt.
	#[arg(long, global = true, value_name = "FILE")]
	pub password_file: Option<PathBuf>,
	/// The current TOTP code, if the keystore has a second factor (else a prompt).
	#[arg(long, global = true, env = "EHR_TOTP_CODE", hide_env_values = true, value_name = "CODE")]
	pub totp_code: Option<String>,
	/// How results and errors are printed: `json` prints one JSON object on stdout (or
	/// `{"error": {"kind", "message", "exitCode"}}` on stderr) and no progress.
	#[arg(long, global = true, env = "EHR_OUTPUT", value_enum, default_value_t = Format::Human)]
	pub output: Format,
	/// Seconds to wait for the node before giving up with exit code 5, for each wait:
	/// connecting and the first answers, each transaction's finality, the answers after it;
	/// 0 waits forever. Time spent on a confirmation prompt or `apply`'s proof of work does
	/// not count.
	#[arg(long, global = true, env = "EHR_TIMEOUT", default_value_t = 120, value_name = "SECONDS")]
	pub timeout: u64,
}

#[derive(Subcommand)]
pub enum Command {
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
		/// The patient (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		patient: AccountId,
		/// Why the patient cannot consent.
		#[arg(long, value_parser = Lenient::<EmergencyArg>::new())]
		reason: EmergencyArg,
		/// A file (`-`: stdin) with the written justification, which the hospital keeps: its
		/// exact bytes are hashed and only the hash goes on chain.
		#[arg(long, value_name = "FILE")]
		justification_file: PathBuf,
	},
	/// Print the FHIR R4 Bundle a record's fields become (what `record write` encrypts),
	/// without touching the chain.
	Bundle {
		/// A JSON file (`-`: stdin) with the seed's record fields (see `record write --help`).
		#[arg(long, value_name = "FILE")]
		input: PathBuf,
	},
	/// The patient's audit trail: who did what with their records.
	Audit {
		/// Whose trail (SS58 address; default: the acting account).
		#[arg(long, value_parser = parsers::account)]
		patient: Option<AccountId>,
	},
	/// Print this account's registration proof (JSON), which staff (or, for a node
	/// account, its hospital) submit with the registration.
	RegistrationProof {
		/// The role the account is registered in.
		#[arg(long, value_parser = Lenient::<ProofRole>::new())]
		role: ProofRole,
		/// The hospital (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		hospital: AccountId,
		/// The salted hash of the off-chain profile (patients, admins), 0x + 64 hex digits.
		#[arg(long, value_parser = parsers::hex32)]
		profile_commitment: Option<[u8; 32]>,
	},
	/// Apply to a hospital as a new doctor or patient, from an account with no standing:
	/// works the proof-of-work ticket the chain asks for (with progress), then applies.
	Apply {
		/// The role applied for.
		#[arg(long, value_parser = Lenient::<ApplicantArg>::new())]
		role: ApplicantArg,
		/// The hospital (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		hospital: AccountId,
		/// The salted hash of the off-chain profile, 0x + 64 hex digits.
		#[arg(long, value_parser = parsers::hex32)]
		profile_commitment: [u8; 32],
	},
	/// A hospital's registrations, node accounts and custody key.
	#[command(subcommand)]
	Hospital(HospitalCommand),
	/// Recover an account whose phrase was lost.
	#[command(subcommand)]
	Recovery(RecoveryCommand),
	/// Print a shell completion script: `ehr completions bash > /etc/bash_completion.d/ehr`.
	Completions {
		/// The shell.
		#[arg(value_enum)]
		shell: clap_complete::Shell,
	},
}

#[derive(Subcommand)]
pub enum KeysCommand {
	/// Create a new account: prints its recovery phrase once and writes a keystore.
	New {
		/// The keystore file to write.
		#[arg(long, value_name = "FILE")]
		out: PathBuf,
		/// Protect unlocking with a TOTP second factor (shows a QR code to scan).
		#[arg(long)]
		totp: bool,
		/// Overwrite an existing keystore file without asking.
		#[arg(long, short)]
		yes: bool,
	},
	/// Write a keystore for an existing secret URI or phrase (from `--suri-file`, EHR_SURI
	/// or `--suri`).
	Import {
		/// The keystore file to write.
		#[arg(long, value_name = "FILE")]
		out: PathBuf,
		/// Protect unlocking with a TOTP second factor (shows a QR code to scan).
		#[arg(long)]
		totp: bool,
		/// Overwrite an existing keystore file without asking.
		#[arg(long, short)]
		yes: bool,
	},
	/// Print the acting account's address and encryption key.
	Show,
	/// Accept the new encryption key of ACCOUNT after its owner confirmed the change
	/// (replaces the key pinned on first use).
	Accept {
		/// The account (SS58 address).
		#[arg(value_parser = parsers::account)]
		account: AccountId,
	},
}

#[derive(Subcommand)]
pub enum RecordCommand {
	/// Write a new record (doctors): the seed's fields as JSON → FHIR R4 Bundle → encrypted.
	Write {
		/// The patient (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		patient: AccountId,
		/// A JSON file (`-`: stdin) with the fields: patientId, gender, age, disease,
		/// diagnosis, location, medication, suggestion, nextReview, notes, date, doctor,
		/// hospitalId.
		#[arg(long, value_name = "FILE")]
		input: PathBuf,
		/// The record's kind.
		#[arg(long, default_value = "encounter", value_parser = Lenient::<CategoryArg>::new())]
		category: CategoryArg,
	},
	/// Write a new version of a confirmed record (its author).
	Amend {
		/// The record's latest version (a record id).
		#[arg(long)]
		previous: u64,
		/// A JSON file (`-`: stdin) with the new version's fields (see `record write --help`).
		#[arg(long, value_name = "FILE")]
		input: PathBuf,
	},
	/// Confirm a pending record (patients).
	Confirm {
		/// The record id.
		record: u64,
	},
	/// Reject a pending record (patients).
	Reject {
		/// The record id.
		record: u64,
		/// Why.
		#[arg(long, default_value = "inaccurate", value_parser = Lenient::<RejectionArg>::new())]
		reason: RejectionArg,
	},
	/// Fetch, verify and decrypt a record; prints its FHIR JSON.
	Read {
		/// The record id.
		record: u64,
		/// Why it is read (recorded in the patient's audit trail).
		#[arg(long, default_value = "treatment", value_parser = Lenient::<PurposeArg>::new())]
		purpose: PurposeArg,
		/// Also print the seed's fields read back from the Bundle.
		#[arg(long)]
		fields: bool,
	},
	/// List a patient's records.
	List {
		/// Whose records (SS58 address; default: the acting account).
		#[arg(long, value_parser = parsers::account)]
		patient: Option<AccountId>,
	},
	/// Erase a record version (patients): keys deleted, blob dropped by every node. Asks
	/// first.
	Erase {
		/// The record id.
		record: u64,
		/// Erase without asking (needed when stdin is not a terminal).
		#[arg(long, short)]
		yes: bool,
	},
	/// Hand a record's key to a reader the chain lets read it (the patient, or the record's
	/// author). Not needed for access: nodes release keys to every reader the chain allows.
	Share {
		/// The record id.
		record: u64,
		/// The reader (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		to: AccountId,
	},
	/// Have a node release this account a record's key (audited on chain); prints where
	/// it came from. `record read` does this by itself when needed.
	ReleaseKey {
		/// The record id.
		record: u64,
		/// Why it is read (recorded in the patient's audit trail).
		#[arg(long, default_value = "treatment", value_parser = Lenient::<PurposeArg>::new())]
		purpose: PurposeArg,
		/// Wrap the key to a fresh session key instead of the registered one.
		#[arg(long)]
		session: bool,
	},
}

#[derive(Subcommand)]
pub enum ConsentCommand {
	/// Grant access and hand over the keys of the records in scope (patients).
	Grant {
		/// The grantee (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		to: AccountId,
		#[arg(long, default_value = "all", value_parser = parsers::scope, help = parsers::scope_help())]
		scope: ScopeArg,
		/// What the grantee may use the records for.
		#[arg(long, value_parser = Lenient::<PurposeArg>::new())]
		purpose: PurposeArg,
		/// Days until the grant expires (default: until revoked).
		#[arg(long, value_name = "DAYS")]
		expires_in_days: Option<u64>,
	},
	/// Revoke a grant and take back the keys it covered (patients). Asks first.
	Revoke {
		/// The grant id (`consent list`).
		grant: u64,
		/// Revoke without asking (needed when stdin is not a terminal).
		#[arg(long, short)]
		yes: bool,
	},
	/// Ask a patient for access (facilities).
	Request {
		/// The patient (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		patient: AccountId,
		#[arg(long, default_value = "all", value_parser = parsers::scope, help = parsers::scope_help())]
		scope: ScopeArg,
		/// What the records would be used for.
		#[arg(long, value_parser = Lenient::<PurposeArg>::new())]
		purpose: PurposeArg,
		/// Why access is asked for.
		#[arg(long, default_value = "other", value_parser = Lenient::<RequestReasonArg>::new())]
		reason: RequestReasonArg,
	},
	/// Approve a pending request (patients).
	Approve {
		/// The request id (`consent list`).
		request: u64,
		/// Days until the grant expires (default: until revoked).
		#[arg(long, value_name = "DAYS")]
		expires_in_days: Option<u64>,
	},
	/// Deny a pending request (patients).
	Deny {
		/// The request id (`consent list`).
		request: u64,
	},
	/// List grants and pending requests (patients).
	List,
}

#[derive(Subcommand)]
pub enum HospitalCommand {
	/// Register a patient at the first visit (hospital staff), with the patient's proof
	/// from `ehr registration-proof --role patient`.
	RegisterPatient {
		/// The patient (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		patient: AccountId,
		/// The patient's profile commitment, 0x + 64 hex digits.
		#[arg(long, value_parser = parsers::hex32)]
		profile_commitment: [u8; 32],
		/// The patient's encryption key, 0x + 64 hex digits.
		#[arg(long, value_parser = parsers::hex32)]
		encryption_key: [u8; 32],
		/// The patient's registration proof (an sr25519 signature, 0x + 128 hex digits).
		#[arg(long, value_parser = parsers::signature)]
		proof: sp_runtime::MultiSignature,
	},
	/// Appoint the service account of one of this hospital's nodes (the hospital's own
	/// account), with the node account's proof (`ehr registration-proof --role node`).
	AppointNode {
		/// The node's service account (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		node: AccountId,
		/// The node account's registration proof, 0x + 128 hex digits.
		#[arg(long, value_parser = parsers::signature)]
		proof: sp_runtime::MultiSignature,
	},
	/// Register this hospital's custody key (`ehr-node custody-key generate` prints it):
	/// the key its nodes hold record keys with, for records written from now on.
	SetCustodyKey {
		/// The custody key's public half, 0x + 64 hex digits.
		#[arg(value_parser = parsers::hex32)]
		key: [u8; 32],
	},
}

#[derive(Subcommand)]
pub enum RecoveryCommand {
	/// Name who can recover this account if its phrase is lost (patients): friends, how
	/// many must vouch, who then acts for the account, and a delay in blocks.
	Setup {
		/// A friend who may vouch (SS58 address); repeat for each.
		#[arg(long = "friend", required = true, value_parser = parsers::account)]
		friends: Vec<AccountId>,
		/// How many friends must vouch.
		#[arg(long)]
		needed: u32,
		/// Who acts for the account once it is recovered (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		inheritor: AccountId,
		/// Blocks between the start of a recovery and its end (default: a week).
		#[arg(long, default_value_t = 7 * 24 * 1800)]
		delay_blocks: u32,
	},
	/// Start recovering a lost account (a friend).
	Initiate {
		/// The lost account (SS58 address).
		#[arg(value_parser = parsers::account)]
		lost: AccountId,
	},
	/// Vouch for a recovery (another friend).
	Approve {
		/// The lost account (SS58 address).
		#[arg(value_parser = parsers::account)]
		lost: AccountId,
	},
	/// Finish a recovery once enough friends vouched and the delay passed (anyone).
	Finish {
		/// The lost account (SS58 address).
		#[arg(value_parser = parsers::account)]
		lost: AccountId,
	},
	/// Hand a recovered account over to the patient's new account (the inheritor). Asks
	/// first.
	HandOver {
		/// The recovered account (SS58 address).
		#[arg(value_parser = parsers::account)]
		lost: AccountId,
		/// The patient's new account (SS58 address).
		#[arg(long, value_parser = parsers::account)]
		to: AccountId,
		/// Hand over without asking (needed when stdin is not a terminal).
		#[arg(long, short)]
		yes: bool,
	},
}
