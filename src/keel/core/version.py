"""keel's version, as the installed package's metadata gives it (pyproject.toml is its source)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("keel")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0+unknown"
