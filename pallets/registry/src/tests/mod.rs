// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Unit tests, one module per group of calls, plus the extension, genesis and the table
//! of refusals. Every test ends with the registry's `try_state` invariants checked.

mod apply;
mod custody;
mod doctor;
mod extension;
mod genesis;
mod organisations;
mod patient;
mod profile;
mod quota;
mod refusals;
mod status;
