// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the fuzzer's transactions did, per call: the coverage of a corpus in the
//! runtime's own terms (which calls ran, which succeeded, which errors they met).

use ehr_runtime::RuntimeCall;
use frame_support::traits::GetCallMetadata;
use sp_runtime::{
	transaction_validity::TransactionValidityError, ApplyExtrinsicResult, DispatchError,
};
use std::{collections::BTreeMap, fmt::Write};

/// Counts over one or many inputs.
#[derive(Default)]
pub struct Stats {
	pub inputs: u64,
	pub blocks: u64,
	/// Generated calls that did not decode (an argument out of its bounds).
	pub undecodable: u64,
	pub calls: BTreeMap<String, CallStats>,
}

/// How the transactions of one call ended.
#[derive(Default)]
pub struct CallStats {
	/// Accepted by the pool's validation.
	pub pool_accepted: u64,
	/// Refused by the pool's validation, by reason.
	pub pool_refused: BTreeMap<String, u64>,
	/// Dispatched with success.
	pub succeeded: u64,
	/// Dispatched and failed, by error.
	pub failed: BTreeMap<String, u64>,
	/// Not included: invalid in the block, by reason.
	pub invalid: BTreeMap<String, u64>,
}

/// `Pallet.call` of `call`.
pub fn call_name(call: &RuntimeCall) -> String {
	let metadata = call.get_call_metadata();
	format!("{}.{}", metadata.pallet_name, metadata.function_name)
}

/// A pool refusal by name: `CheckMembership`'s custom codes are the registry's error
/// indices.
fn refusal_name(error: &TransactionValidityError) -> String {
	use sp_runtime::transaction_validity::InvalidTransaction;
	static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
	let names = NAMES.get_or_init(|| {
		let mut registry = scale_info::Registry::new();
		let id = registry
			.register_type(
				&scale_info::meta_type::<pallet_ehr_registry::Error<ehr_runtime::Runtime>>(),
			)
			.id;
		let registry: scale_info::PortableRegistry = registry.into();
		match registry.resolve(id).map(|ty| &ty.type_def) {
			Some(scale_info::TypeDef::Variant(errors)) => {
				let mut names = vec![String::new(); 256];
				for error in &errors.variants {
					names[usize::from(error.index)] = error.name.clone();
				}
				names
			}
			_ => Vec::new(),
		}
	});
	match error {
		TransactionValidityError::Invalid(InvalidTransaction::Custom(code)) => {
			match names.get(usize::from(*code)).filter(|n| !n.is_empty()) {
				Some(name) => format!("refused {name}"),
				None => format!("refused custom {code}"),
			}
		}
		other => format!("{other:?}"),
	}
}

fn error_name(error: &DispatchError) -> String {
	match error {
		DispatchError::Module(module) => {
			module.message.map(str::to_owned).unwrap_or_else(|| format!("{module:?}"))
		}
		other => format!("{other:?}"),
	}
}

impl Stats {
	pub(crate) fn pool(&mut self, call: &str, validity: Result<(), TransactionValidityError>) {
		let entry = self.calls.entry(call.to_owned()).or_default();
		match validity {
			Ok(()) => entry.pool_accepted += 1,
			Err(e) => *entry.pool_refused.entry(refusal_name(&e)).or_default() += 1,
		}
	}

	pub(crate) fn applied(&mut self, call: &str, result: &ApplyExtrinsicResult) {
		let entry = self.calls.entry(call.to_owned()).or_default();
		match result {
			Ok(Ok(())) => entry.succeeded += 1,
			Ok(Err(e)) => *entry.failed.entry(error_name(e)).or_default() += 1,
			Err(e) => *entry.invalid.entry(refusal_name(e)).or_default() += 1,
		}
	}

	/// How many different calls succeeded at least once.
	pub fn calls_succeeded(&self) -> usize {
		self.calls.values().filter(|c| c.succeeded > 0).count()
	}

	/// Every call of the runtime, `Pallet.call`.
	pub fn all_calls() -> Vec<String> {
		RuntimeCall::get_module_names()
			.iter()
			.flat_map(|pallet| {
				RuntimeCall::get_call_names(pallet)
					.iter()
					.map(move |call| format!("{pallet}.{call}"))
			})
			.collect()
	}

	/// A table: per call, how often it was sent, accepted by the pool, succeeded, and the
	/// most frequent errors; then the calls never sent or never successful.
	pub fn report(&self) -> String {
		let mut out = String::new();
		let all = Self::all_calls();
		let _ = writeln!(
			out,
			"inputs {}, blocks {}, transactions {}, undecodable calls {}",
			self.inputs,
			self.blocks,
			self.calls.values().map(CallStats::sent).sum::<u64>(),
			self.undecodable
		);
		let _ = writeln!(
			out,
			"{:<42} {:>7} {:>7} {:>7}  most frequent errors",
			"call", "sent", "pool ok", "ok"
		);
		for (name, call) in &self.calls {
			let mut errors: Vec<(&String, &u64)> =
				call.failed.iter().chain(call.invalid.iter()).collect();
			errors.sort_by(|a, b| b.1.cmp(a.1));
			let top: Vec<String> =
				errors.iter().take(3).map(|(e, n)| format!("{e} ×{n}")).collect();
			let _ = writeln!(
				out,
				"{name:<42} {:>7} {:>7} {:>7}  {}",
				call.sent(),
				call.pool_accepted,
				call.succeeded,
				top.join(", ")
			);
		}
		let never_sent: Vec<&String> =
			all.iter().filter(|c| !self.calls.contains_key(*c)).collect();
		let never_ok: Vec<&String> =
			all.iter().filter(|c| self.calls.get(*c).is_some_and(|s| s.succeeded == 0)).collect();
		let succeeded = all.len() - never_sent.len() - never_ok.len();
		let _ = writeln!(
			out,
			"calls of the runtime: {}; sent: {}; succeeded at least once: {succeeded}",
			all.len(),
			all.len() - never_sent.len()
		);
		let _ = writeln!(out, "never succeeded: {}", join(&never_ok));
		let _ = writeln!(out, "never sent: {}", join(&never_sent));
		out
	}
}

fn join(names: &[&String]) -> String {
	if names.is_empty() {
		return "-".into();
	}
	names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

impl CallStats {
	fn sent(&self) -> u64 {
		self.succeeded + self.failed.values().sum::<u64>() + self.invalid.values().sum::<u64>()
	}
}
