-- The EXPLAIN (ANALYZE, BUFFERS) plans of bench/README.md "Indexes for the hot look-ups". Run it on the
-- database bench/order_intake.py and bench/merchant_lists.py filled (scale 1.0): it adds 100,000 stores
-- and their owners, 50,000 memberships and proceeds entries for a fifth of the paid orders, then explains.
--   psql -h 127.0.0.1 -U postgres wt_intake_bench -f bench/explain_hot_lookups.sql
\pset pager off
-- 100,000 more stores (and their owners), 50,000 memberships: a platform-sized stores table
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'explain-owner-' || g, '', '', '', false, true, now() FROM generate_series(1, 100000) g
ON CONFLICT DO NOTHING;
INSERT INTO merchants_store (name, owner_id, main_category_id, city, grade, status, wallet_upgraded, base_limit, created_at)
SELECT 'explain store ' || u.id, u.id, (SELECT min(id) FROM merchants_category), '武汉', 'B', 'active', true, 0, now()
FROM auth_user u WHERE u.username LIKE 'explain-owner-%' AND NOT EXISTS (SELECT 1 FROM merchants_store s WHERE s.owner_id = u.id);
INSERT INTO merchants_store_members (store_id, user_id)
SELECT s.id, (SELECT min(id) FROM auth_user WHERE username LIKE 'explain-owner-%') + (s.id * 7919) % 100000
FROM merchants_store s WHERE s.name LIKE 'explain store %' AND s.id % 2 = 0 ON CONFLICT DO NOTHING;
-- proceeds entries for a fifth of the paid orders, as the cycle would have posted them
INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
SELECT store_id, 'order_proceeds', amount, 'order:' || id, '', 'order:' || id || ':proceeds', paid_at
FROM merchants_order WHERE status = 'paid' AND id % 5 = 0 ON CONFLICT DO NOTHING;
VACUUM ANALYZE auth_user; VACUUM ANALYZE merchants_store; VACUUM ANALYZE merchants_store_members;
VACUUM ANALYZE merchants_order; VACUUM ANALYZE merchants_ledgerentry;
SELECT (SELECT count(*) FROM merchants_store) AS stores, (SELECT count(*) FROM merchants_store_members) AS memberships,
       (SELECT count(*) FROM merchants_order) AS orders, (SELECT count(*) FROM merchants_ledgerentry) AS ledger_entries;
SELECT id AS uid FROM auth_user WHERE username = 'explain-owner-4242' \gset
SELECT store_id AS sid FROM merchants_order GROUP BY store_id ORDER BY count(*) DESC LIMIT 1 \gset
\echo '=== tenant scoping, before: owner = u OR members = u (stores_for_user)'
EXPLAIN (ANALYZE, BUFFERS) SELECT DISTINCT s.id FROM merchants_store s LEFT OUTER JOIN merchants_store_members m ON s.id = m.store_id
WHERE s.owner_id = :uid OR m.user_id = :uid;
\echo '=== tenant scoping, after: own_store_ids (UNION of two index probes)'
EXPLAIN (ANALYZE, BUFFERS) (SELECT s.id FROM merchants_store s WHERE s.owner_id = :uid)
UNION (SELECT m.store_id FROM merchants_store_members m WHERE m.user_id = :uid);
\echo '=== exposure of the store with the most orders (index order_store_exposure)'
SELECT count(*) AS store_orders FROM merchants_order WHERE store_id = :sid;
EXPLAIN (ANALYZE, BUFFERS) SELECT COALESCE(SUM(amount), 0) FROM merchants_order WHERE payment_method = 'paylater'
AND (status IN ('placed', 'receipt_confirmed') OR (advance_recovered_at IS NULL AND status = 'advanced')) AND store_id = :sid;
\echo '=== exposure, before (the same query without the partial index: dropped inside a rolled-back transaction)'
BEGIN;
DROP INDEX order_store_exposure;
EXPLAIN (ANALYZE, BUFFERS) SELECT COALESCE(SUM(amount), 0) FROM merchants_order WHERE payment_method = 'paylater'
AND (status IN ('placed', 'receipt_confirmed') OR (advance_recovered_at IS NULL AND status = 'advanced')) AND store_id = :sid;
ROLLBACK;
SELECT id AS oid FROM merchants_order WHERE store_id = :sid ORDER BY id DESC LIMIT 1 \gset
\echo '=== proceeds posted? by key (unique idempotency_key index)'
EXPLAIN (ANALYZE, BUFFERS) SELECT 1 FROM merchants_ledgerentry WHERE idempotency_key = 'order:' || :oid || ':proceeds' LIMIT 1;
\echo '=== proceeds posted? by kind + reference, as the due sweep asks (partial index ledger_proceeds_reference)'
EXPLAIN (ANALYZE, BUFFERS) SELECT 1 FROM merchants_ledgerentry WHERE store_id = :sid AND kind = 'order_proceeds'
AND reference = 'order:' || :oid LIMIT 1;
