"""glance_store: image data stores for glance.

The package namespace offers upstream's names: the multi-store API, then
the single-store API (which wins where both define a name, as upstream),
the ``Store`` base and the exceptions. The import order is that rule.
"""

from glance_store import location  # noqa: F401,I001
from glance_store.multi_backend import *  # noqa: F401,F403
from glance_store.backend import *  # noqa: F401,F403
from glance_store.driver import *  # noqa: F401,F403
from glance_store.exceptions import *  # noqa: F401,F403
