-- A cart that a partial checkout left Active with some of its orders says so on its own row. Checkout
-- reads earlier orders only for such a cart, and it can trust the flag: the partial checkout sets it in
-- the transaction that writes those orders, and checkout reads the cart row under its lock, which sees
-- the newest committed version of the row.
ALTER TABLE carts ADD COLUMN partly_ordered boolean NOT NULL DEFAULT false;

UPDATE carts SET partly_ordered = true
 WHERE status = 'Active' AND EXISTS (SELECT 1 FROM orders o WHERE o.cart_id = carts.id);
