// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The benchmark chain: the local consortium's genesis (from `ehr-node build-spec --chain
//! local`) with bench doctors and patients added as registry members, and its validator
//! set cut to the number of hospitals the run measures.

use ehr_primitives::registry::Role;
use ehr_runtime::AccountId;
use pallet_ehr_registry::GenesisMember;
use serde_json::Value;
use sp_core::{sr25519, Pair};
use std::{path::Path, process::Command};

/// The hospitals of the local consortium, in the order of its validators.
pub const HOSPITALS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// The accounts a run writes with: doctor `i` writes the records of patient `i`, at
/// hospital `i % validators`, whose node it submits to.
pub struct Participants {
	pub doctors: Vec<sr25519::Pair>,
	pub patients: Vec<sr25519::Pair>,
	pub validators: usize,
	/// The flooding doctor (at the first hospital) and its patient, if the run floods.
	pub flooder: Option<(sr25519::Pair, sr25519::Pair)>,
}

impl Participants {
	pub fn new(count: usize, validators: usize, flood: bool) -> Self {
		let derive = |role: &str, i: usize| {
			sr25519::Pair::from_string(&format!("//ehr-bench//{role}//{i}"), None)
				.expect("a valid derivation path")
		};
		Self {
			doctors: (0..count).map(|i| derive("doctor", i)).collect(),
			patients: (0..count).map(|i| derive("patient", i)).collect(),
			validators,
			flooder: flood.then(|| (derive("flooder", 0), derive("flooded-patient", 0))),
		}
	}

	/// Every patient, with the index of its doctor's hospital (the flooder's is the first).
	pub fn patients_and_hospitals(&self) -> Vec<(&sr25519::Pair, usize)> {
		let honest = self.patients.iter().enumerate().map(|(i, p)| (p, self.node_of(i)));
		honest.chain(self.flooder.iter().map(|(_, patient)| (patient, 0))).collect()
	}

	/// The index of the hospital — and of its node, which doctor `i` submits to — that
	/// doctor `i` works at.
	pub fn node_of(&self, i: usize) -> usize {
		i % self.validators
	}

	/// The account of the hospital doctor `i` works at.
	pub fn hospital_of(&self, i: usize) -> AccountId {
		let name = capitalized(HOSPITALS[self.node_of(i)]);
		let hospital = sr25519::Pair::from_string(&format!("//{name}"), None).expect("a dev key");
		AccountId::from(hospital.public())
	}

	fn genesis_members(&self) -> Vec<GenesisMember<AccountId>> {
		let mut members = Vec::new();
		for (i, (doctor, patient)) in self.doctors.iter().zip(&self.patients).enumerate() {
			let hospital = self.hospital_of(i);
			members.push(GenesisMember::placeholder(
				AccountId::from(doctor.public()),
				Role::Doctor,
				Some(hospital.clone()),
			));
			members.push(GenesisMember::placeholder(
				AccountId::from(patient.public()),
				Role::Patient,
				Some(hospital),
			));
		}
		if let Some((doctor, patient)) = &self.flooder {
			let hospital = self.hospital_of(0);
			for (who, role) in [(doctor, Role::Doctor), (patient, Role::Patient)] {
				members.push(GenesisMember::placeholder(
					AccountId::from(who.public()),
					role,
					Some(hospital.clone()),
				));
			}
		}
		members
	}
}

fn capitalized(name: &str) -> String {
	let mut chars = name.chars();
	chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Writes the benchmark chain spec to `path`: the local consortium with `participants`
/// registered and the first `participants.validators` hospitals validating, holding
/// `stored_anchors` confirmed record anchors of the participants from genesis on.
pub fn write_spec(
	node: &Path,
	participants: &Participants,
	stored_anchors: u32,
	path: &Path,
) -> Result<(), String> {
	let output = Command::new(node)
		.args(["build-spec", "--chain", "local", "--disable-default-bootnode"])
		.output()
		.map_err(|e| format!("running {}: {e}", node.display()))?;
	if !output.status.success() {
		return Err(format!(
			"`ehr-node build-spec --chain local` failed: {}",
			String::from_utf8_lossy(&output.stderr)
		));
	}
	let mut spec: Value = serde_json::from_slice(&output.stdout)
		.map_err(|e| format!("the local chain spec is not JSON: {e}"))?;
	spec["id"] = "ehr_bench".into();
	spec["name"] = "ehr-chain benchmark".into();
	let patch = &mut spec["genesis"]["runtimeGenesis"]["patch"];
	let members = patch["registry"]["members"]
		.as_array_mut()
		.ok_or("the local chain spec has no registry members")?;
	for member in participants.genesis_members() {
		members.push(serde_json::to_value(member).map_err(|e| e.to_string())?);
	}
	let keys = patch["session"]["keys"]
		.as_array_mut()
		.ok_or("the local chain spec has no session keys")?;
	if participants.validators > keys.len() {
		return Err(format!(
			"{} validators asked for, the local consortium has {}",
			participants.validators,
			keys.len()
		));
	}
	keys.truncate(participants.validators);
	if stored_anchors > 0 {
		let writers: Vec<(AccountId, AccountId, AccountId)> = (0..participants.doctors.len())
			.map(|i| {
				(
					AccountId::from(participants.patients[i].public()),
					AccountId::from(participants.doctors[i].public()),
					participants.hospital_of(i),
				)
			})
			.collect();
		let synthetic = pallet_ehr_records::SyntheticAnchors { count: stored_anchors, writers };
		patch["records"]["syntheticAnchors"] =
			serde_json::to_value(synthetic).map_err(|e| e.to_string())?;
	}
	let text = serde_json::to_string(&spec).map_err(|e| e.to_string())?;
	std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
