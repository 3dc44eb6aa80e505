//! The `ehr` commands about accounts rather than records: registrations that need the
//! registered account's own proof, a hospital's node accounts and custody key, and
//! account recovery.

use super::account;
use clap::Subcommand;
use ehr_client::{
	chain::{Chain, Progress},
	keys::Identity,
	recovery, registry, Error,
};
use ehr_primitives::registry::{ApplicantRole, ProfileCommitment, Role};

#[derive(Subcommand)]
pub enum HospitalCommand {
	/// Register a patient at the first visit (hospital staff), with the patient's proof
	/// from `ehr registration-proof --role patient`.
	RegisterPatient {
		#[arg(long)]
		patient: String,
		/// The patient's profile commitment, 0x + 64 hex digits.
		#[arg(long)]
		profile_commitment: String,
		/// The patient's encryption key, 0x + 64 hex digits.
		#[arg(long)]
		encryption_key: String,
		/// The patient's registration proof (an sr25519 signature, 0x + 128 hex digits).
		#[arg(long)]
		proof: String,
	},
	/// Appoint the service account of one of this hospital's nodes (the hospital's own
	/// account), with the node account's proof (`ehr registration-proof --role node`).
	AppointNode {
		#[arg(long)]
		node: String,
		#[arg(long)]
		proof: String,
	},
	/// Register this hospital's custody key (`ehr-node custody-key generate` prints it):
	/// the key its nodes hold record keys with, for records written from now on.
	SetCustodyKey {
		/// 0x + 64 hex digits.
		key: String,
	},
}

#[derive(Subcommand)]
pub enum RecoveryCommand {
	/// Name who can recover this account if its phrase is lost (patients): friends, how
	/// many must vouch, who then acts for the account, and a delay in blocks.
	Setup {
		#[arg(long = "friend", required = true)]
		friends: Vec<String>,
		#[arg(long)]
		needed: u32,
		#[arg(long)]
		inheritor: String,
		#[arg(long, default_value_t = 7 * 24 * 1800)]
		delay_blocks: u32,
	},
	/// Start recovering a lost account (a friend).
	Initiate { lost: String },
	/// Vouch for a recovery (another friend).
	Approve { lost: String },
	/// Finish a recovery once enough friends vouched and the delay passed (anyone).
	Finish { lost: String },
	/// Hand a recovered account over to the patient's new account (the inheritor).
	HandOver {
		lost: String,
		#[arg(long)]
		to: String,
	},
}

fn hex32(field: &str, text: &str) -> Result<[u8; 32], Error> {
	hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| Error::Input(format!("{field} must be 0x followed by 64 hex digits")))
}

fn signature(text: &str) -> Result<sp_runtime::MultiSignature, Error> {
	let raw: [u8; 64] = hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| Error::Input("a proof must be 0x followed by 128 hex digits".into()))?;
	Ok(sp_runtime::MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw(raw)))
}

/// `ehr apply`: works the proof-of-work ticket (progress on stderr) and applies.
pub async fn apply(
	chain: &Chain,
	me: &Identity,
	role: ApplicantRole,
	hospital: &str,
	profile_commitment: &str,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	let hospital = account(hospital)?;
	let commitment = ProfileCommitment::from(hex32("profile commitment", profile_commitment)?);
	let mut work = |tried: u64, expected: u64| {
		eprintln!("proof of work: {tried} hashes tried (about {expected} expected)");
	};
	registry::apply(chain, me, role, &hospital, commitment, &mut work, progress).await?;
	println!("applied to {hospital} as a {role:?}; the hospital activates you at your visit");
	Ok(())
}

/// `ehr registration-proof`: prints this account's proof of registration.
pub async fn registration_proof(
	chain: &Chain,
	me: &Identity,
	role: Role,
	hospital: &str,
	profile_commitment: Option<&str>,
) -> Result<(), Error> {
	let hospital = account(hospital)?;
	let proof = match role {
		Role::Node => registry::node_registration_proof(chain, me, &hospital).await?,
		_ => {
			let commitment = profile_commitment.ok_or_else(|| {
				Error::Input("a patient's or admin's proof needs --profile-commitment".into())
			})?;
			let commitment = ProfileCommitment::from(hex32("profile commitment", commitment)?);
			registry::registration_proof(
				chain,
				me,
				role,
				&hospital,
				commitment,
				me.encryption_public(),
			)
			.await?
		}
	};
	let sp_runtime::MultiSignature::Sr25519(raw) = proof else {
		return Err(Error::Chain("an sr25519 proof was expected".into()));
	};
	println!(
		"{}",
		serde_json::json!({
			"account": me.ss58(),
			"encryptionKey": format!("0x{}", hex::encode(me.encryption_public())),
			"proof": format!("0x{}", hex::encode(raw.0)),
		})
	);
	Ok(())
}

pub async fn hospital_command(
	chain: &Chain,
	me: &Identity,
	command: HospitalCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	match command {
		HospitalCommand::RegisterPatient { patient, profile_commitment, encryption_key, proof } => {
			registry::register_patient(
				chain,
				me,
				&account(&patient)?,
				ProfileCommitment::from(hex32("profile commitment", &profile_commitment)?),
				hex32("encryption key", &encryption_key)?,
				signature(&proof)?,
				progress,
			)
			.await?;
			println!("patient {patient} registered");
		}
		HospitalCommand::AppointNode { node, proof } => {
			registry::appoint_node(chain, me, &account(&node)?, signature(&proof)?, progress)
				.await?;
			println!("node account {node} appointed");
		}
		HospitalCommand::SetCustodyKey { key } => {
			registry::set_encryption_key(chain, me, hex32("custody key", &key)?, progress).await?;
			println!("custody key registered: records written from now on are wrapped to it");
		}
	}
	Ok(())
}

pub async fn recovery_command(
	chain: &Chain,
	me: &Identity,
	command: RecoveryCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
	match command {
		RecoveryCommand::Setup { friends, needed, inheritor, delay_blocks } => {
			let friends = friends.iter().map(|f| account(f)).collect::<Result<Vec<_>, _>>()?;
			recovery::set_friend_group(
				chain,
				me,
				friends,
				needed,
				&account(&inheritor)?,
				delay_blocks,
				progress,
			)
			.await?;
			println!("recovery set up");
		}
		RecoveryCommand::Initiate { lost } => {
			recovery::initiate(chain, me, &account(&lost)?, progress).await?;
			println!("recovery of {lost} started");
		}
		RecoveryCommand::Approve { lost } => {
			recovery::approve(chain, me, &account(&lost)?, progress).await?;
			println!("recovery of {lost} approved");
		}
		RecoveryCommand::Finish { lost } => {
			recovery::finish(chain, me, &account(&lost)?, progress).await?;
			println!("recovery of {lost} finished");
		}
		RecoveryCommand::HandOver { lost, to } => {
			recovery::hand_over(chain, me, &account(&lost)?, &account(&to)?, progress).await?;
			println!("{lost} handed over to {to}: its records are {to}'s now");
		}
	}
	Ok(())
}
