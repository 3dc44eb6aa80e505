//! The chain's base weights, measured on this project's machine by
//! `ehr-node benchmark overhead --chain dev --weight-path runtime/src/weights`
//! (`scripts/benchmark.sh --overhead`): what executing an empty block and a no-op
//! extrinsic costs here, in place of Substrate's reference-hardware defaults (5 ms and
//! ~100 µs), which overstated a block's fixed cost twenty-fold.

pub mod block_weights;
pub mod extrinsic_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
