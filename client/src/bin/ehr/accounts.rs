// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The `ehr` commands about accounts rather than records: registrations that need the
//! registered account's own proof, a hospital's node accounts and custody key, and
//! account recovery.

use crate::{
	cli::{HospitalCommand, RecoveryCommand},
	interact,
	output::{Failure, Outcome},
	run::address,
	watch::Watch,
};
use ehr_client::{
	chain::{Chain, Progress},
	keys::Identity,
	recovery, registry, Error,
};
use ehr_primitives::{
	registry::{ApplicantRole, ProfileCommitment, Role},
	AccountId,
};
use serde_json::json;

/// `ehr apply`: works the proof-of-work ticket (progress on stderr) and applies.
pub async fn apply(
	chain: &Chain,
	me: &Identity,
	role: ApplicantRole,
	hospital: &AccountId,
	profile_commitment: [u8; 32],
	watch: &Watch,
	progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, Failure> {
	let commitment = ProfileCommitment::from(profile_commitment);
	watch.waiting_for("the proof of work");
	let mut work = |tried: u64, expected: u64| watch.work(tried, expected);
	registry::apply(chain, me, role, hospital, commitment, &mut work, progress).await?;
	Ok(Outcome::new(
		format!("applied to {hospital} as a {role:?}; the hospital activates you at your visit"),
		json!({
			"hospital": address(hospital),
			"role": crate::values::name_of::<crate::values::ApplicantArg, _>(role),
		}),
	))
}

/// `ehr registration-proof`: this account's proof of registration.
pub async fn registration_proof(
	chain: &Chain,
	me: &Identity,
	role: Role,
	hospital: &AccountId,
	profile_commitment: Option<[u8; 32]>,
) -> Result<Outcome, Failure> {
	let proof = match role {
		Role::Node => registry::node_registration_proof(chain, me, hospital).await?,
		_ => {
			let commitment = profile_commitment.ok_or_else(|| {
				Failure::Usage("a patient's or admin's proof needs --profile-commitment".into())
			})?;
			registry::registration_proof(
				chain,
				me,
				role,
				hospital,
				ProfileCommitment::from(commitment),
				me.encryption_public(),
			)
			.await?
		}
	};
	let sp_runtime::MultiSignature::Sr25519(raw) = proof else {
		return Err(Error::Chain("an sr25519 proof was expected".into()).into());
	};
	let proof = json!({
		"account": me.ss58(),
		"encryptionKey": format!("0x{}", hex::encode(me.encryption_public())),
		"proof": format!("0x{}", hex::encode(raw.0)),
	});
	Ok(Outcome::new(proof.to_string(), proof))
}

pub async fn hospital_command(
	chain: &Chain,
	me: &Identity,
	command: HospitalCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, Failure> {
	Ok(match command {
		HospitalCommand::RegisterPatient { patient, profile_commitment, encryption_key, proof } => {
			registry::register_patient(
				chain,
				me,
				&patient,
				ProfileCommitment::from(profile_commitment),
				encryption_key,
				proof,
				progress,
			)
			.await?;
			Outcome::new(
				format!("patient {patient} registered"),
				json!({ "patient": address(&patient) }),
			)
		}
		HospitalCommand::AppointNode { node, proof } => {
			registry::appoint_node(chain, me, &node, proof, progress).await?;
			Outcome::new(
				format!("node account {node} appointed"),
				json!({ "node": address(&node) }),
			)
		}
		HospitalCommand::SetCustodyKey { key } => {
			registry::set_encryption_key(chain, me, key, progress).await?;
			Outcome::new(
				"custody key registered: records written from now on are wrapped to it",
				json!({ "custodyKey": format!("0x{}", hex::encode(key)) }),
			)
		}
	})
}

pub async fn recovery_command(
	chain: &Chain,
	me: &Identity,
	command: RecoveryCommand,
	progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, Failure> {
	Ok(match command {
		RecoveryCommand::Setup { friends, needed, inheritor, delay_blocks } => {
			let listed: Vec<_> = friends.iter().map(address).collect();
			recovery::set_friend_group(
				chain,
				me,
				friends,
				needed,
				&inheritor,
				delay_blocks,
				progress,
			)
			.await?;
			Outcome::new(
				"recovery set up",
				json!({
					"friends": listed,
					"needed": needed,
					"inheritor": address(&inheritor),
					"delayBlocks": delay_blocks,
				}),
			)
		}
		RecoveryCommand::Initiate { lost } => {
			recovery::initiate(chain, me, &lost, progress).await?;
			Outcome::new(format!("recovery of {lost} started"), json!({ "lost": address(&lost) }))
		}
		RecoveryCommand::Approve { lost } => {
			recovery::approve(chain, me, &lost, progress).await?;
			Outcome::new(format!("recovery of {lost} approved"), json!({ "lost": address(&lost) }))
		}
		RecoveryCommand::Finish { lost } => {
			recovery::finish(chain, me, &lost, progress).await?;
			Outcome::new(format!("recovery of {lost} finished"), json!({ "lost": address(&lost) }))
		}
		RecoveryCommand::HandOver { lost, to, yes } => {
			let what = format!("{lost} goes to {to}: its records become {to}'s.");
			interact::confirm(yes, "hand the account over", &what)?;
			recovery::hand_over(chain, me, &lost, &to, progress).await?;
			Outcome::new(
				format!("{lost} handed over to {to}: its records are {to}'s now"),
				json!({ "lost": address(&lost), "to": address(&to) }),
			)
		}
	})
}
