// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Unit tests of the consortium: admission, removal and the validator floor, nodes, and
//! the validator sets handed to the session pallet.

mod admission;
mod nodes;
