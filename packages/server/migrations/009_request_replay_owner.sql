-- MS-RequestId claims get an owner. A claim used to be known only by its key, so a request that
-- found no row after a conflicting insert took itself for the owner, and the completion of one request
-- could update or delete a row another request had claimed since: two executions of one id, a 201's
-- record gone (issue 13). Now each claim carries a random token; only the holder of the row's token
-- completes or releases it. A retryable outcome (409, 429, 5xx) no longer deletes the row: it is
-- 'released', keeping the request's fingerprint, so the same request may run again and another
-- request with that id is still a 400.
ALTER TABLE request_replays ADD COLUMN claim_token uuid;
ALTER TABLE request_replays DROP CONSTRAINT request_replays_state_check;
ALTER TABLE request_replays ADD CONSTRAINT request_replays_state_check CHECK (state IN ('in_progress', 'released', 'done'));
