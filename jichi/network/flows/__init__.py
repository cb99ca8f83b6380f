"""The move flows between municipality nodes: one small module per message or job.

Each handler runs inside the inbox transaction of :func:`jichi.network.inbox.receive`
(``conn`` is open, never committed here).  A refusal the law foresees never raises
out of a handler — it becomes a task or a pending move-in with a reason — so a
message is never redelivered forever; only infrastructure errors propagate and retry.

Each flow registers its handlers in :mod:`jichi.network.flows.dispatch`; importing this
package imports them all, so a node (which imports only ``dispatch``) knows every one.
"""

from jichi.network.flows import (  # noqa: F401 (imported to register their handlers)
    card_move,
    move_in_notice,
    move_out_confirmed,
    remote_copy,
    remote_copy_answer,
    residence_check,
    visit_reservation,
)
