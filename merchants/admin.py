"""Django's admin autodiscovery imports this module; each concept registers its own pages."""
from merchants.applications import admin as _applications  # noqa: F401
from merchants.credit import admin as _credit  # noqa: F401
from merchants.ledger import admin as _ledger  # noqa: F401
from merchants.orders import admin as _orders  # noqa: F401
from merchants.risk import admin as _risk  # noqa: F401
from merchants.stores import admin as _stores  # noqa: F401
from merchants.violations import admin as _violations  # noqa: F401
from merchants.violations import appeal_admin as _appeals  # noqa: F401
from merchants.webhooks import admin as _webhooks  # noqa: F401
