import { DataType, type Table } from 'apache-arrow';

/** A decimal's unscaled integer and scale → the number it stands for (a string when a number would lose digits). */
function decimalValue(raw: unknown, scale: number): number | string {
  const digits = String(raw);
  const negative = digits.startsWith('-');
  const abs = negative ? digits.slice(1) : digits;
  const padded = abs.padStart(scale + 1, '0');
  const text = `${negative ? '-' : ''}${scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`}`;
  const asNumber = Number(text);
  return scale === 0 && !Number.isSafeInteger(asNumber) ? text : asNumber;
}

function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
}

/** One Arrow value as a JSON-safe value, the same shapes the local backend's rows have. */
function plain(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isDecimal(type)) return decimalValue(value, type.scale);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (DataType.isDate(type)) {
    const ms = value instanceof Date ? value.getTime() : Number(value);
    return new Date(ms).toISOString().slice(0, 10);
  }
  if (DataType.isTimestamp(type)) return timestampText(value instanceof Date ? value.getTime() : Number(value));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') return value.toJSON() as unknown;
  return value;
}

/** An Arrow table as rows of plain values: integers as numbers (strings beyond 2^53), dates as `YYYY-MM-DD`. */
export function arrowToRows(table: Table): Record<string, unknown>[] {
  const fields = table.schema.fields;
  const columns = fields.map((_, index) => table.getChildAt(index));
  const rows: Record<string, unknown>[] = [];
  for (let row = 0; row < table.numRows; row++) {
    const record: Record<string, unknown> = {};
    fields.forEach((field, index) => {
      record[field.name] = plain(field.type, columns[index]?.get(row));
    });
    rows.push(record);
  }
  return rows;
}
