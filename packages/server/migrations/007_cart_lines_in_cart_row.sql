-- A cart's lines move into the cart's own row. Checkout and PUT read the cart under its row lock
-- (FOR UPDATE). Under READ COMMITTED, a row that another transaction changed after the statement's
-- snapshot comes back locked in its newest version, but a subquery over another table still reads
-- the older snapshot: a checkout could lock the cart a PUT had just committed (answered 201) and
-- order the lines from before it (issue 13). As a column of the row, the lines are part of the
-- version the lock returns. A PUT is also one UPDATE instead of an update, a delete and an insert.
ALTER TABLE carts ADD COLUMN line_items jsonb NOT NULL DEFAULT '[]'::jsonb;

UPDATE carts c SET line_items = l.lines
  FROM (SELECT cart_id, jsonb_agg(line ORDER BY position) AS lines FROM cart_line_items GROUP BY cart_id) l
 WHERE l.cart_id = c.id;

ALTER TABLE carts ALTER COLUMN line_items DROP DEFAULT;
DROP TABLE cart_line_items;
