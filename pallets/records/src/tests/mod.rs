// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Unit tests, one module per group of calls, the refusal table across the records and
//! consent pallets, and the scan of chain state for plaintext. Every test ends with the
//! pallet's `try_state` invariants checked.

mod answer;
mod batch;
mod create;
mod custody;
mod erase;
mod genesis;
mod keys;
mod privacy;
mod refusals;
