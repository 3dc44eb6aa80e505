// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Unit tests of the consortium: admission, removal and the validator floor, nodes, and
//! the validator sets handed to the session pallet, the council's root calls.

mod admission;
mod nodes;
mod root_calls;
