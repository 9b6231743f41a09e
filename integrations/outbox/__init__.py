"""The delivery outbox: everything owed to an ATS, stored before it is sent, sent until it lands.

The database is the source of truth, the broker only a doorbell. A status change writes its
deliveries in its own transaction (`add`); one task per integration is published after commit,
unless one is already queued for it (a marker in the cache: `publishing`). A
task takes a delivery id and claims, in one short transaction, that delivery and the other due
deliveries of its integration (`pending` and due → `sending` with a shared lease; `SKIP LOCKED`
on PostgreSQL, so concurrent tasks take disjoint batches and a task delivered twice sends each
delivery once). The batch goes out through one sender (one token, one HTTP session), within a
time box; each attempt is recorded the moment it ends, with what the partner answered, so a
worker lost mid-batch re-sends only what it had not recorded. Transient failures wait in
`next_attempt_at` for the next step of DELIVERY_RETRY_SCHEDULE, permanent ones stop at once.
Short waits are also published as broker countdowns; longer ones only in the database, because
a Redis broker re-delivers countdowns longer than its visibility timeout.

The sweeper (`sweep`, run by beat) is what makes this durable: it re-takes deliveries whose
worker died (lease run out), releases held deliveries of enabled integrations, and publishes
deliveries that are due but whose task was never published or was lost (broker restarted).

Status deliveries carry a rank (pending < completed/expired/rejected): one is dropped, not sent,
once a higher-ranked status delivery exists for the same candidate assessment, and waits while
a lower-ranked one is being sent, so the ATS never sees an older status after a newer one.

One module per concern: `writing` (add, add_many), `publishing` (doorbells), `sending` (claim,
process), `recording` (attempts, retry schedule), `ordering` (status order), `requeue` (hold,
release, replay, sweep), `health` (admin annotations), `figures` (health figures: success rates,
backlog, latency), `outcomes` (what they report).
"""
