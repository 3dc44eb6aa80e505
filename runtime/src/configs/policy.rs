// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The brakes of a fee-less chain: which calls each role may submit, how long a
//! transaction may be, each role's budget per window and the pool priorities
//! ([`pallet_ehr_registry::TransactionPolicy`]). The README's "Threat model and limits"
//! lists every value here with its reason.

use crate::{BlockNumber, RuntimeCall, MINUTES};
use ehr_primitives::registry::Role;
use frame_support::traits::Contains;
use pallet_ehr_registry::Quota;
use sp_runtime::transaction_validity::TransactionPriority;

/// A member's budget is counted per minute.
pub const QUOTA_WINDOW: BlockNumber = MINUTES;

/// The longest transaction of a hospital: a runtime upgrade through the council.
pub const HOSPITAL_MAX_LENGTH: u32 = 3 * 1024 * 1024;
/// The longest transaction of everyone else. A record with 32 reader keys and 64 escrow
/// shares takes about 14 KiB.
pub const MEMBER_MAX_LENGTH: u32 = 64 * 1024;
/// The longest transaction of a node service account: an audit entry with a signed key
/// request takes well under 1 KiB.
pub const NODE_MAX_LENGTH: u32 = 16 * 1024;

/// Pool priority classes, highest first: an audit entry must never wait behind bulk
/// writes, nor a consent change (a revocation above all) behind anything but audit.
pub const AUDIT_PRIORITY: TransactionPriority = 4_000_000;
pub const CONSENT_PRIORITY: TransactionPriority = 3_000_000;
pub const RECORD_PRIORITY: TransactionPriority = 2_000_000;
pub const OTHER_PRIORITY: TransactionPriority = 1_000_000;

/// What a node service account may submit: the audit entries of the blobs and keys its
/// node serves.
pub struct NodeCalls;

impl Contains<RuntimeCall> for NodeCalls {
	fn contains(call: &RuntimeCall) -> bool {
		matches!(
			call,
			RuntimeCall::Consent(pallet_ehr_consent::Call::record_access { .. })
				| RuntimeCall::Records(pallet_ehr_records::Call::release_key { .. })
		)
	}
}

/// The dispatch filter for every origin but root: no remarks (a remark is free bulk
/// storage, reachable otherwise through `recovery.controlInheritedAccount`). Benchmark builds keep
/// them: the node's overhead benchmark measures an empty remark.
pub struct NoRemarks;

impl Contains<RuntimeCall> for NoRemarks {
	fn contains(call: &RuntimeCall) -> bool {
		cfg!(feature = "runtime-benchmarks")
			|| !matches!(
				call,
				RuntimeCall::System(
					frame_system::Call::remark { .. }
						| frame_system::Call::remark_with_event { .. }
				)
			)
	}
}

/// ehr-chain's transaction policy.
pub struct EhrPolicy;

impl pallet_ehr_registry::TransactionPolicy<RuntimeCall> for EhrPolicy {
	fn allows(role: Role, call: &RuntimeCall) -> bool {
		use RuntimeCall::*;
		match (role, call) {
			(Role::Node, call) => NodeCalls::contains(call),
			// The code of a runtime upgrade the council authorized (by its hash): any
			// hospital may hand it in.
			(Role::Hospital, System(frame_system::Call::apply_authorized_upgrade { .. })) => true,
			// Remarks, heap pages, code: root's business (or nobody's).
			(Role::Hospital, System(_)) => cfg!(feature = "runtime-benchmarks"),
			(_, System(_) | Timestamp(_) | Grandpa(_)) => false,
			// Validator keys, council, consortium and the bootstrap admin: hospitals'.
			(Role::Hospital, _) => true,
			(_, Session(_) | Council(_) | Consortium(_) | Sudo(_)) => false,
			// An inheritor acts for the account it recovered in members' pallets only (not,
			// e.g., setting session keys that would make it unremovable).
			(_, Recovery(pallet_recovery::Call::control_inherited_account { call, .. })) => {
				matches!(**call, Registry(_) | Consent(_) | Records(_))
			}
			// Members' own pallets check each call's origin further.
			(_, Registry(_) | Consent(_) | Records(_) | Recovery(_)) => true,
		}
	}

	fn allows_suspended_patient(call: &RuntimeCall) -> bool {
		use pallet_ehr_consent::Call as Consent;
		matches!(
			call,
			RuntimeCall::Consent(
				Consent::revoke { .. }
					| Consent::remove_guardian { .. }
					| Consent::deny_request { .. }
			)
		)
	}

	fn max_length(role: Role) -> u32 {
		match role {
			Role::Hospital => HOSPITAL_MAX_LENGTH,
			Role::Node => NODE_MAX_LENGTH,
			_ => MEMBER_MAX_LENGTH,
		}
	}

	fn quota(role: Role) -> Quota {
		const KIB: u32 = 1024;
		const MIB: u32 = 1024 * KIB;
		match role {
			// A patient confirms records, grants, answers requests: one a second is plenty.
			Role::Patient => Quota { transactions: 60, bytes: 256 * KIB },
			// An insurer asks for access, claim by claim.
			Role::Insurer => Quota { transactions: 300, bytes: MIB },
			// A doctor writes records: five a second sustained is more than any clinician
			// (~0.8 KiB a record with three escrow shares, 14 KiB at most). Measured with
			// `scripts/bench.sh --flood`: one doctor at this budget takes ~3 % of what four
			// validators on two cores finalize; at 20 a second it took 20 % and starved the
			// honest writers.
			Role::Doctor => Quota { transactions: 300, bytes: MIB },
			// A clerk registers patients and staff.
			Role::Admin => Quota { transactions: 600, bytes: MIB },
			// Governance, and the runtime upgrades the council carries.
			Role::Hospital => Quota { transactions: 600, bytes: 16 * MIB },
			// A node records every blob and key it serves: 500 a second.
			Role::Node => Quota { transactions: 30_000, bytes: 24 * MIB },
		}
	}

	fn priority(call: &RuntimeCall) -> TransactionPriority {
		use RuntimeCall::*;
		match call {
			call if NodeCalls::contains(call) => AUDIT_PRIORITY,
			Consent(_) | Registry(_) | Recovery(_) | Council(_) | Consortium(_) | Session(_)
			| Sudo(_) => CONSENT_PRIORITY,
			Records(_) => RECORD_PRIORITY,
			_ => OTHER_PRIORITY,
		}
	}
}
