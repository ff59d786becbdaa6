import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createdSince, formatG, humanDuration, humanSize, humanSizePrecise, humanSizeWithPrecision } from '../../../src/cli/format/units.js';

const MB = 1000 * 1000;

describe('humanSizeWithPrecision (go-units size_test.go)', () => {
  it('HumanSize, 4 digits: go-units TestHumanSize', () => {
    const cases: Array<[number, string]> = [
      [1000, '1kB'],
      [1024, '1.024kB'],
      [1000000, '1MB'],
      [1048576, '1.049MB'],
      [2 * MB, '2MB'],
      [3.42e9, '3.42GB'],
      [5.372e12, '5.372TB'],
      [2.22e15, '2.22PB'],
      [1e28, '1e+04YB'],
    ];
    for (const [size, want] of cases) assert.equal(humanSizePrecise(size), want, String(size));
    assert.equal(humanSizeWithPrecision(1024, 4), '1.024kB');
  });

  it('3 digits, as docker images prints SIZE (checked against docker 28.2.2 for 3,540 sizes)', () => {
    const cases: Array<[number, string]> = [
      [0, '0B'],
      [1, '1B'],
      [999, '999B'],
      [1000, '1kB'],
      [1006, '1.01kB'],
      [1024, '1.02kB'],
      [7797760, '7.8MB'],
      [1234567, '1.23MB'],
      [1048576, '1.05MB'],
      [5.372e12, '5.37TB'],
      [1234567890123456800, '1.23EB'],
      [9e18, '9EB'],
    ];
    for (const [size, want] of cases) assert.equal(humanSize(size), want, String(size));
  });

  it('rounds the exact binary value half to even, as Go does (JS toPrecision rounds ties up)', () => {
    assert.equal(humanSize(1005), '1kB'); // 1.005 is below 1.005 in binary
    assert.equal(humanSize(1125), '1.12kB'); // 1.125 is exact: a tie, to even
    assert.equal(humanSize(1135), '1.14kB');
    assert.equal(humanSize(1145), '1.15kB');
    assert.equal(humanSize(9995), '9.99kB');
    assert.equal(humanSize(9996), '10kB');
  });

  it('keeps docker\'s "1e+03kB" where rounding reaches 1000 within a unit', () => {
    assert.equal(humanSize(999499), '999kB');
    assert.equal(humanSize(999500), '1e+03kB');
    assert.equal(humanSize(999999), '1e+03kB');
    assert.equal(humanSizePrecise(999999), '1000kB');
    assert.equal(humanSizePrecise(99950), '99.95kB');
  });
});

describe('formatG (Go %.*g)', () => {
  it('switches to %e at exponent >= precision or < -4', () => {
    assert.equal(formatG(123456, 3), '1.23e+05');
    assert.equal(formatG(100, 3), '100');
    assert.equal(formatG(0.0001, 3), '0.0001');
    assert.equal(formatG(0.00001, 3), '1e-05');
    assert.equal(formatG(1.5, 3), '1.5');
    assert.equal(formatG(0, 3), '0');
  });
});

describe('humanDuration (go-units duration_test.go TestHumanDuration)', () => {
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;
  const week = 7 * day;
  const month = 30 * day;
  const year = 365 * day;
  const cases: Array<[number, string]> = [
    [450, 'Less than a second'],
    [1 * second, '1 second'],
    [45 * second, '45 seconds'],
    [46 * second, '46 seconds'],
    [59 * second, '59 seconds'],
    [60 * second, 'About a minute'],
    [1 * minute, 'About a minute'],
    [3 * minute, '3 minutes'],
    [35 * minute, '35 minutes'],
    [35 * minute + 40 * second, '35 minutes'],
    [45 * minute, '45 minutes'],
    [45 * minute + 40 * second, '45 minutes'],
    [46 * minute, '46 minutes'],
    [59 * minute, '59 minutes'],
    [1 * hour, 'About an hour'],
    [1 * hour + 29 * minute, 'About an hour'],
    [1 * hour + 31 * minute, '2 hours'],
    [1 * hour + 59 * minute, '2 hours'],
    [3 * hour, '3 hours'],
    [3 * hour + 29 * minute, '3 hours'],
    [3 * hour + 31 * minute, '4 hours'],
    [3 * hour + 59 * minute, '4 hours'],
    [3 * hour + 60 * minute, '4 hours'],
    [24 * hour, '24 hours'],
    [1 * day + 12 * hour, '36 hours'],
    [2 * day, '2 days'],
    [7 * day, '7 days'],
    [13 * day + 5 * hour, '13 days'],
    [2 * week, '2 weeks'],
    [2 * week + 4 * day, '2 weeks'],
    [3 * week, '3 weeks'],
    [4 * week, '4 weeks'],
    [4 * week + 3 * day, '4 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [2 * month + 2 * week, '2 months'],
    [3 * month, '3 months'],
    [3 * month + 1 * week, '3 months'],
    [5 * month + 2 * week, '5 months'],
    [13 * month, '13 months'],
    [23 * month, '23 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} ms is "${want}"`, () => assert.equal(humanDuration(ms), want));
  }

  it('a time in the future is less than a second ago, as in Go', () => {
    assert.equal(humanDuration(-5000), 'Less than a second');
  });
});

describe('createdSince', () => {
  it('is "<duration> ago", or N/A without a time', () => {
    const now = Date.parse('2024-06-01T12:00:00Z');
    assert.equal(createdSince('2024-06-01T10:30:00Z', now), '2 hours ago');
    assert.equal(createdSince(undefined, now), 'N/A');
    assert.equal(createdSince('not a date', now), 'N/A');
  });
});
