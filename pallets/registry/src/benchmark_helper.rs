// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the benchmarks of the registry and of the pallets built on it need from a runtime.

/// What the benchmarks need from the runtime: accounts that sign, and accounts whose
/// recovery finished.
pub trait BenchmarkHelper<AccountId, Signature>:
	ehr_primitives::registry::BenchmarkSigner<AccountId, Signature>
{
	/// Makes `lost` an account its friends recovered, with `inheritor` acting for it.
	fn recovered(lost: &AccountId, inheritor: &AccountId);
}

/// Signs for the `u64` accounts of mock runtimes, whose `TestSignature` carries its signer
/// and message; recovers nobody. For the benchmark tests of pallets built on the registry.
#[cfg(all(feature = "runtime-benchmarks", feature = "std"))]
pub struct MockSigner;

#[cfg(all(feature = "runtime-benchmarks", feature = "std"))]
impl ehr_primitives::registry::BenchmarkSigner<u64, sp_runtime::testing::TestSignature>
	for MockSigner
{
	fn signer(seed: u32) -> u64 {
		1_000_000 + u64::from(seed)
	}
	fn sign(signer: &u64, payload: &[u8]) -> sp_runtime::testing::TestSignature {
		sp_runtime::testing::TestSignature(*signer, payload.to_vec())
	}
}

#[cfg(all(feature = "runtime-benchmarks", feature = "std"))]
impl BenchmarkHelper<u64, sp_runtime::testing::TestSignature> for MockSigner {
	fn recovered(_lost: &u64, _inheritor: &u64) {}
}
