import { describe, expect, it } from 'vitest';
import { encodeBound } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { BoundValue, IcebergPrimitiveType } from '../../src/shared/lakehouse/local/iceberg/index.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const cases: [IcebergPrimitiveType, BoundValue, string][] = [
  ['boolean', true, '01'],
  ['boolean', false, '00'],
  ['boolean', 'true', '01'],
  ['int', 1, '01000000'],
  ['int', -1, 'ffffffff'],
  ['int', '34', '22000000'],
  ['int', 2 ** 31 - 1, 'ffffff7f'],
  ['long', 1, '0100000000000000'],
  ['long', -2, 'feffffffffffffff'],
  ['long', 2n ** 62n, '0000000000000040'],
  ['long', '10000000000', '00e40b5402000000'],
  ['float', 1, '0000803f'],
  ['float', '-2.5', '000020c0'],
  ['double', 1, '000000000000f03f'],
  ['double', '-2.5', '00000000000004c0'],
  ['date', '1970-01-02', '01000000'],
  ['date', '1969-12-31', 'ffffffff'],
  ['date', '2017-11-16', '4e440000'],
  ['date', 17486, '4e440000'],
  ['time', '00:00:01', '40420f0000000000'],
  ['time', '22:31:08', '008307e012000000'],
  ['time', 1_000_000n, '40420f0000000000'],
  ['timestamp', '1970-01-01 00:00:01', '40420f0000000000'],
  ['timestamp', '1970-01-01T00:00:00.000001', '0100000000000000'],
  ['timestamp', '1969-12-31 23:59:59.999999', 'ffffffffffffffff'],
  ['timestamp', '2017-11-16 22:31:08', '00c3262d215e0500'],
  ['timestamp', 1_510_871_468_000_000, '00c3262d215e0500'],
  ['timestamptz', '2017-11-16 22:31:08+00', '00c3262d215e0500'],
  ['timestamptz', '2017-11-16T14:31:08-08:00', '00c3262d215e0500'],
  ['timestamptz', '2017-11-16 22:31:08Z', '00c3262d215e0500'],
  ['timestamptz', '1970-01-01 05:30:00+0530', '0000000000000000'],
  ['string', 'iceberg', '69636562657267'],
  ['string', 'é', 'c3a9'],
  ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
  ['binary', Uint8Array.of(0, 1, 255), '0001ff'],
  ['decimal(9, 2)', '14.20', '058c'],
  ['decimal(10, 2)', '1.00', '64'],
  ['decimal(10, 2)', 100n, '64'],
  ['decimal(10, 2)', '1.28', '0080'],
  ['decimal(10, 2)', '-1.00', '9c'],
  ['decimal(10, 2)', '-1.28', '80'],
  ['decimal(10, 2)', '-1.29', 'ff7f'],
  ['decimal(10, 2)', '-24.63', 'f661'],
  ['decimal(10, 2)', '0', '00'],
  ['decimal(10, 2)', '.5', '32'],
  ['decimal(10, 2)', '12.340', '04d2'],
];

describe('encodeBound', () => {
  it.each(cases)('%s %s -> %s', (type, value, expected) => {
    expect(hex(encodeBound(type, value))).toBe(expected);
  });

  it('encodes decimals in the fewest two’s-complement bytes', () => {
    for (const unscaled of [0n, 1n, 127n, 128n, 255n, 256n, 32767n, 32768n, -1n, -128n, -129n, -32768n, -32769n, 10n ** 20n, -(10n ** 20n)]) {
      const bytes = encodeBound('decimal(38, 2)', unscaled);
      expect(BigInt.asIntN(bytes.length * 8, BigInt(`0x${hex(bytes)}`))).toBe(unscaled);
      if (bytes.length > 1) {
        // A shorter form would also do when the first byte only repeats the sign of the second.
        const [first, second] = [bytes[0]!, bytes[1]!];
        expect((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80)).toBe(false);
      }
    }
  });

  it('returns a copy of binary input', () => {
    const input = Uint8Array.of(1, 2, 3);
    const output = encodeBound('binary', input);
    input[0] = 9;
    expect(hex(output)).toBe('010203');
  });

  const invalid: [IcebergPrimitiveType, BoundValue][] = [
    ['int', 2 ** 31],
    ['int', 1.5],
    ['int', 'x'],
    ['long', 2n ** 63n],
    ['long', Number.MAX_SAFE_INTEGER + 2],
    ['double', Number.NaN],
    ['double', 'nan'],
    ['boolean', 'yes'],
    ['date', '2024-02-30'],
    ['time', '24:00:00'],
    ['timestamp', '2024-01-01 00:00:00.0000001'],
    ['timestamp', 'infinity'],
    ['string', 5],
    ['uuid', 'not-a-uuid'],
    ['binary', 'abc'],
    ['decimal(10, 2)', '1.234'],
    ['decimal(10, 2)', 1.5],
    ['decimal(10, 2)', 'abc'],
  ];

  it.each(invalid)('rejects %s %s', (type, value) => {
    expect(() => encodeBound(type, value)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
