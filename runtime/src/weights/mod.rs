// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The chain's base weights, measured on this project's machine by
//! `ehr-node benchmark overhead --chain dev --weight-path runtime/src/weights`
//! (`scripts/benchmark.sh --overhead`): what executing an empty block and a no-op
//! extrinsic costs here, in place of Substrate's reference-hardware defaults (5 ms and
//! ~100 µs), which overstated a block's fixed cost twenty-fold. And what reading and
//! writing a storage item costs in ParityDB here, on a chain holding a million record
//! anchors (`ehr-node benchmark storage`, `scripts/benchmark.sh --storage`): 7.1 µs and
//! 36.4 µs, in place of Substrate's 8 µs and 50 µs for ParityDB.

pub mod block_weights;
pub mod extrinsic_weights;
pub mod paritydb_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
pub use paritydb_weights::constants::ParityDbWeight;
