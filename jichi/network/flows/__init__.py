"""The move flows between municipality nodes: one small module per message or job.

Each handler runs inside the inbox transaction of :func:`jichi.network.inbox.receive`
(``conn`` is open, never committed here).  A refusal the law foresees never raises
out of a handler — it becomes a task or a pending move-in with a reason — so a
message is never redelivered forever; only infrastructure errors propagate and retry.
"""
