"""One data function per page or report, used by the JSON route, the HTML view and the CLI alike.

Each module is named for its page (`overview.py` for `/overview`) and returns plain data (a
dataclass or a pydantic model) with one way to make it JSON, so a page and its JSON twin always
show the same thing. Reports read through `keel.store` queries; they never import `keel.web`.
"""
