import path from 'node:path';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';

/**
 * `shop.orders`: twelve orders, each failure planted on purpose so every check has a known
 * failing count and sample (the comments name the rows). `shop.customers`: c1, c2, c3.
 */
export const ORDERS_SQL = `SELECT id::BIGINT AS id, order_no, customer, status, amount::DOUBLE AS amount, email, created_at, shipped_at FROM (VALUES
  (1,  'A-1',  'c1', 'paid',     10.0,  'ann@shop.io', TIMESTAMP '2026-03-01 10:00:00', TIMESTAMP '2026-03-02 10:00:00'),
  (2,  'A-2',  'c2', 'shipped',  20.0,  'bob@shop.io', TIMESTAMP '2026-03-02 10:00:00', TIMESTAMP '2026-03-01 09:00:00'),
  (3,  'A-3',  'c3', 'paid',     30.0,  'cid@shop.io', TIMESTAMP '2026-03-03 10:00:00', NULL),
  (4,  'A-4',  NULL, 'paid',     40.0,  'dan@shop.io', TIMESTAMP '2026-03-04 10:00:00', NULL),
  (5,  'A-5',  'c1', 'refunded', -3.0,  'eve@shop.io', TIMESTAMP '2026-03-05 10:00:00', NULL),
  (6,  'A-6',  'c2', 'lost',     60.0,  'fay@shop.io', TIMESTAMP '2026-03-06 10:00:00', NULL),
  (7,  'A-7',  'c3', 'paid',     70.0,  'bad-email',   TIMESTAMP '2026-03-07 10:00:00', NULL),
  (8,  'A-3',  'c1', 'paid',     80.0,  'gus@shop.io', TIMESTAMP '2026-03-08 10:00:00', NULL),
  (9,  'A-9',  NULL, 'shipped',  90.0,  'hal@shop.io', TIMESTAMP '2026-03-09 10:00:00', TIMESTAMP '2026-03-10 10:00:00'),
  (10, 'A-10', 'c9', 'paid',     250.0, 'ivy@shop.io', TIMESTAMP '2026-03-10 10:00:00', NULL),
  (11, 'A-11', 'c2', NULL,       15.0,  NULL,          TIMESTAMP '2026-03-11 10:00:00', NULL),
  (12, 'A-12', 'c3', 'paid',     NULL,  'jo@shop.io',  TIMESTAMP '2026-03-12 10:00:00', NULL)
) AS t(id, order_no, customer, status, amount, email, created_at, shipped_at)`;
// 2: shipped before created · 4, 9: no customer · 5: negative amount · 6: status "lost" · 7: bad email
// 8: repeats order_no A-3 · 10: amount 250 and unknown customer c9 · 11: NULL status and email · 12: NULL amount

export const CUSTOMERS_SQL = `SELECT * FROM (VALUES ('c1', 'Ann'), ('c2', 'Bob'), ('c3', 'Cid')) AS t(id, name)`;

export const ORDER_COLUMNS = ['id', 'order_no', 'customer', 'status', 'amount', 'email', 'created_at', 'shipped_at'];

/** A fresh lakehouse with shop.orders and shop.customers on main. */
export async function openShop(): Promise<OpenedBackend> {
  const backend = await openLocal();
  const orders = await writeFile(path.join(backend.dataDir, 'orders.parquet'), ORDERS_SQL);
  const customers = await writeFile(path.join(backend.dataDir, 'customers.parquet'), CUSTOMERS_SQL);
  await backend.lakehouse.importData({ table: 'shop.orders', source: orders, branch: 'main' });
  await backend.lakehouse.importData({ table: 'shop.customers', source: customers, branch: 'main' });
  return backend;
}

/** The `id` of each sample row, in order. */
export function ids(rows: ReadonlyArray<Record<string, unknown>>): unknown[] {
  return rows.map((row) => row['id']);
}
