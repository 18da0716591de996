-- Failed sign-ins at the sandbox token endpoint, per client id (or user name) and per source address,
-- in fixed windows: counted in the database so the limits hold across every API process.
CREATE TABLE signin_failures (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  failures integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
