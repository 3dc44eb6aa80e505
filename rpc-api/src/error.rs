// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The error codes of the `ehr_*` methods: one for each reason a node refuses a request.
//!
//! They lie in 4000–4099, clear of JSON-RPC's reserved -32768..-32000 (its server range
//! -32000..-32099 included) and of Substrate's 1000–1099 (`author_*`'s 1010 invalid
//! transaction, 1011 unknown validity, ...). Besides these, the methods answer with two
//! standard codes: [`INVALID_PARAMS`] (-32602) for parameters that do not parse, the message
//! naming the field, and [`UNSAFE_METHOD`] (-32601, as Substrate answers every unsafe method)
//! for `ehr_runAudit` on an RPC port open to the outside without `--rpc-methods unsafe`.
//!
//! `docs/openrpc.json` lists the same codes under `components.errors`, by the constants'
//! names; a test here keeps the two the same.

/// JSON-RPC's invalid-params code: a parameter is missing, has the wrong JSON type, or is
/// not what its field holds (not hex, not an SS58 address, not a purpose, ...).
pub const INVALID_PARAMS: i32 = jsonrpsee::types::error::INVALID_PARAMS_CODE;

/// The code Substrate answers an unsafe method with when the port denies unsafe methods
/// (JSON-RPC's method-not-found).
pub const UNSAFE_METHOD: i32 = jsonrpsee::types::error::METHOD_NOT_FOUND_CODE;

macro_rules! codes {
	($($(#[doc = $doc:literal])+ $name:ident = $code:literal,)+) => {
		$($(#[doc = $doc])+ pub const $name: i32 = $code;)+

		/// Every code of this range, by its constant's name.
		pub const ALL: &[(&str, i32)] = &[$((stringify!($name), $code),)+];
	};
}

codes! {
	/// The request parses but does not hold together: the blob is not hex, or its SHA-256
	/// is not the `sha256` the request signs (checked only once the signature is).
	MALFORMED = 4000,
	/// The request was signed for another chain: its `genesis` is not this chain's.
	WRONG_CHAIN = 4001,
	/// The request's `issuedAt` is more than 300 s away from the node's clock.
	STALE = 4002,
	/// The signature does not verify for the account the request names.
	BAD_SIGNATURE = 4003,
	/// `ehr_putBlob`: the author is not an active doctor; only doctors store blobs.
	NOT_A_WRITER = 4004,
	/// There is no such record.
	UNKNOWN_RECORD = 4005,
	/// The record was erased.
	ERASED = 4006,
	/// The chain does not allow the reader this record for this purpose now (consent,
	/// role, purpose or break-glass): the message names the chain's reason.
	ACCESS_DENIED = 4007,
	/// `ehr_getBlob`: neither this node nor its peers hold the record's blob yet.
	BLOB_UNAVAILABLE = 4008,
	/// The blob store refused the blob: empty, larger than the node's per-blob limit
	/// (1 MiB), the node's staging area full, or a store I/O failure.
	STORE_REFUSED = 4009,
	/// The node has no service account (keystore type `ehrn`) to record accesses with, so
	/// it serves no reads and releases no keys.
	NO_NODE_ACCOUNT = 4010,
	/// Recording the access or the release on chain failed: the audit entry was refused
	/// or not included. Nothing was served.
	AUDIT_FAILED = 4011,
	/// Something failed inside the node (a runtime API call, the database).
	INTERNAL = 4012,
	/// The node's service account is not an active node account of an active hospital,
	/// so it serves no reads and releases no keys.
	NODE_ACCOUNT_INACTIVE = 4013,
	/// This signed request was already served: requests are single-use; sign a new one.
	REPLAYED = 4014,
	/// `ehr_releaseKey`: neither a custodian node nor enough escrow holders gave the
	/// record's key; retry later.
	KEY_UNAVAILABLE = 4015,
	/// `ehr_putBlob`: the author staged as much as one author may per staging period on
	/// this node; retry once some is anchored or expires.
	STAGING_BUDGET_EXHAUSTED = 4016,
	/// The reader asked this node too often recently (for any record, or for this one);
	/// retry later.
	TOO_MANY_READS = 4017,
	/// `ehr_runAudit`: the peer audit did not run (its task stopped, or the run was
	/// interrupted).
	AUDIT_NOT_RUN = 4018,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn codes_are_distinct_and_outside_reserved_ranges() {
		let mut seen = std::collections::BTreeSet::new();
		for (name, code) in ALL {
			assert!((4000..4100).contains(code), "{name} = {code} is outside 4000..4100");
			assert!(seen.insert(*code), "{name} reuses {code}");
		}
	}
}
