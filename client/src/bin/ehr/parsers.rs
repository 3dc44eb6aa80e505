// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Value parsers for `ehr`'s arguments: a malformed value is a usage error (exit code 2)
//! caught before anything touches a keystore or the node, with the accepted values listed.

use crate::values::{self, CategoryArg};
use clap::{
	builder::{EnumValueParser, PossibleValue, TypedValueParser},
	ValueEnum,
};
use ehr_client::consent::ScopeArg;
use ehr_primitives::{records::Category, AccountId};
use std::{ffi::OsStr, marker::PhantomData, str::FromStr};

/// Parses a [`ValueEnum`] by name, ignoring case, `-` and `_` (`second-opinion`,
/// `SecondOpinion`, `second_opinion`); lists the kebab-case names in help, completions and
/// errors.
#[derive(Clone)]
pub struct Lenient<E>(PhantomData<E>);

impl<E> Lenient<E> {
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<E> Default for Lenient<E> {
	fn default() -> Self {
		Self::new()
	}
}

/// `text` without case, `-` and `_`.
fn squash(text: &str) -> String {
	text.replace(['-', '_'], "").to_lowercase()
}

/// The value of `E` named `text` (leniently, see [`Lenient`]).
pub fn by_name<E: ValueEnum>(text: &str) -> Option<E> {
	let wanted = squash(text);
	E::value_variants()
		.iter()
		.find(|v| v.to_possible_value().is_some_and(|p| squash(p.get_name()) == wanted))
		.cloned()
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for Lenient<E> {
	type Value = E;

	fn parse_ref(
		&self,
		cmd: &clap::Command,
		arg: Option<&clap::Arg>,
		value: &OsStr,
	) -> Result<E, clap::Error> {
		match value.to_str().and_then(by_name::<E>) {
			Some(found) => Ok(found),
			// clap's own error: names the argument and lists the accepted values.
			None => EnumValueParser::<E>::new().parse_ref(cmd, arg, value),
		}
	}

	fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
		Some(Box::new(E::value_variants().iter().filter_map(ValueEnum::to_possible_value)))
	}
}

/// An account from its SS58 address.
pub fn account(text: &str) -> Result<AccountId, String> {
	AccountId::from_str(text).map_err(|e| format!("'{text}' is not an SS58 address: {e}"))
}

/// 32 bytes as 0x + 64 hex digits (profile commitments, encryption and custody keys).
pub fn hex32(text: &str) -> Result<[u8; 32], String> {
	hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| format!("'{text}' is not 0x followed by 64 hex digits"))
}

/// An sr25519 registration proof, 0x + 128 hex digits.
pub fn signature(text: &str) -> Result<sp_runtime::MultiSignature, String> {
	let raw: [u8; 64] = hex::decode(text.trim_start_matches("0x"))
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| format!("'{text}' is not 0x followed by 128 hex digits"))?;
	Ok(sp_runtime::MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw(raw)))
}

/// A grant's or request's scope: `all`, `categories:condition,encounter` or `records:1,2`.
pub fn scope(text: &str) -> Result<ScopeArg, String> {
	if text == "all" {
		return Ok(ScopeArg::AllRecords);
	}
	if let Some(list) = text.strip_prefix("categories:") {
		return list
			.split(',')
			.map(|name| {
				by_name::<CategoryArg>(name.trim()).map(Category::from).ok_or_else(|| {
					format!("'{name}' is not a category: one of {}", values::names::<CategoryArg>())
				})
			})
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

/// The help of a `--scope` argument, naming the categories.
pub fn scope_help() -> String {
	format!(
		"Which records: `all` (present and future), `categories:A,B` or `records:1,2` (record \
		 ids, every version). Categories: {}.",
		values::names::<CategoryArg>()
	)
}

/// A scope as the `--scope` argument writes it.
pub fn scope_text(scope: &ehr_primitives::records::Scope) -> String {
	use ehr_primitives::records::Scope;
	match scope {
		Scope::AllRecords => "all".into(),
		Scope::Categories(kinds) => format!(
			"categories:{}",
			kinds
				.iter()
				.map(|k| values::name(&CategoryArg::from(*k)))
				.collect::<Vec<_>>()
				.join(",")
		),
		Scope::Records(ids) => {
			format!("records:{}", ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::values::{EmergencyArg, PurposeArg, RequestReasonArg};

	#[test]
	fn names_parse_in_every_spelling_the_command_took() {
		for text in
			["medication-request", "MedicationRequest", "medication_request", "MEDICATIONREQUEST"]
		{
			assert_eq!(
				by_name::<CategoryArg>(text),
				Some(CategoryArg::MedicationRequest),
				"{text}"
			);
		}
		assert_eq!(by_name::<PurposeArg>("payment"), Some(PurposeArg::Payment));
		assert_eq!(
			by_name::<RequestReasonArg>("second-opinion"),
			Some(RequestReasonArg::SecondOpinion)
		);
		assert_eq!(
			by_name::<EmergencyArg>("patient-unable-to-consent"),
			Some(EmergencyArg::PatientUnableToConsent)
		);
		assert_eq!(by_name::<PurposeArg>("marketing"), None);
	}

	#[test]
	fn scopes_parse() {
		assert_eq!(scope("all"), Ok(ScopeArg::AllRecords));
		assert_eq!(
			scope("categories:Condition,encounter"),
			Ok(ScopeArg::Categories(vec![Category::Condition, Category::Encounter]))
		);
		assert_eq!(scope("records:1, 2"), Ok(ScopeArg::Records(vec![1, 2])));
		assert!(scope("categories:gossip").unwrap_err().contains("medication-request"));
		assert!(scope("some").is_err());
	}
}
