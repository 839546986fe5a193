"""Extension points: what a package can add to keel, and the registry that finds it.

Every extension point is a hook in `hookspecs`; `manager.plugin_manager()` loads the packages
that declare a `keel` entry point. keel's own reference demo registers itself this way
(`keel.reference.plugin`), exactly as a user's package would.
"""

from keel.plugins.hookspecs import hookimpl
from keel.plugins.manager import plugin_manager

__all__ = ["hookimpl", "plugin_manager"]
