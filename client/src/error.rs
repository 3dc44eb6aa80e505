// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The client's errors: each says what went wrong in terms a user can act on.

use crate::{crypto::CryptoError, fhir::FhirError, keys::KeyError};

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The node could not be reached.
	#[error("cannot connect to the node at {url}: {reason}")]
	Connection { url: String, reason: String },
	/// A JSON-RPC call failed in transport.
	#[error("RPC: {0}")]
	Rpc(String),
	/// The node answered one of its own methods with an error.
	#[error("the node refused: {message} (code {code})")]
	Node { code: i32, message: String },
	/// The chain did not accept the transaction into its pool.
	#[error("the transaction was not accepted: {0}")]
	Refused(String),
	/// The transaction was included but failed.
	#[error("the chain rejected the transaction: {error}{}", if docs.is_empty() { String::new() } else { format!(" ({docs})") })]
	Rejected { error: String, docs: String },
	/// Something unexpected about the chain's state or answers.
	#[error("chain: {0}")]
	Chain(String),
	/// No such record.
	#[error("there is no record {0}")]
	UnknownRecord(u64),
	/// The account is not registered.
	#[error("{0} is not a member of the chain")]
	NotAMember(String),
	/// The blob the node served does not match the chain's anchor.
	#[error(
		"the blob of record {record} does not match its on-chain anchor ({what}): refusing it"
	)]
	TamperedBlob { record: u64, what: &'static str },
	/// The reader holds no key to the record.
	#[error("{reader} holds no key to record {record} on chain")]
	NoKey { record: u64, reader: String },
	/// An account's encryption key is not the one this client pinned for it.
	#[error("the encryption key of {account} changed from {pinned} to {shown} since this client first used it: check with its owner that they changed it, then run `ehr keys accept {account}`; nothing was encrypted to the new key")]
	KeyChanged { account: String, pinned: String, shown: String },
	/// No node could release the key: neither the custodian nor enough escrow holders.
	#[error("no key to record {record} could be released: {reason}")]
	KeyUnavailable { record: u64, reason: String },
	/// The account has not registered an encryption key of its own.
	#[error("{0} has not registered an encryption key yet: it must run `ehr register-key` before records can be encrypted to it")]
	NoEncryptionKey(String),
	#[error(transparent)]
	Crypto(#[from] CryptoError),
	#[error(transparent)]
	Keys(#[from] KeyError),
	#[error(transparent)]
	Fhir(#[from] FhirError),
	#[error("invalid input: {0}")]
	Input(String),
	#[error("{path}: {source}")]
	File { path: String, source: std::io::Error },
}
