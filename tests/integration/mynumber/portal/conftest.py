"""Portal test cast: the JPKI CA and SoftHSM2 tokens, the two-node world of the flows.

千代田区 (131016) is where the 山田 family lives and files the online 転出; 川越市 (112011)
is where they go.  Each municipality has its own database (both backends).
"""

from tests.integration.mynumber.jpki.conftest import ca_dir, cas, softhsm  # noqa: F401
from tests.integration.network.flows.conftest import backend, engines, world  # noqa: F401
