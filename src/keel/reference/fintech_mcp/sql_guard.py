"""The first gate of `db.query`: a single read-only SELECT over allowed tables, checked by sqlglot.

Pure: text in, a verdict out. `check_select` raises `InvalidInput` naming the reason for:
empty or over-long text, parentheses nested deeper than MAX_NESTING (counted in one linear scan
before sqlglot sees the text: its recursive-descent parser spends ~20 stack frames a level and
fails past ~45), text sqlglot cannot parse, more than one statement (a comment cannot
hide a second one: sqlglot splits statements outside comments and strings), any statement but
SELECT / UNION / INTERSECT / EXCEPT, any data-changing or schema-changing clause anywhere in the
tree (a CTE that deletes, INSERT ... RETURNING), a table outside the allow-list (including
`sqlite_master` and table-valued pragmas) or qualified with a schema, and a function sqlglot does
not know whose name is not on the allow-list (`load_extension`, `readfile`, ...).

The second gate, in `keel.reference.fintech_mcp.readonly_db`, holds whatever gets past this one to
the same rules inside SQLite itself (authorizer, read-only connection, limits, timeout).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from keel.core.errors import InvalidInput

MAX_SQL_CHARS = 10_000
MAX_NESTING = 32

#: SQLite functions a read-only analysis query may call (SQLite's own names, lower case).
ALLOWED_FUNCTIONS = frozenset(
    {
        # aggregates and windows
        "avg",
        "count",
        "group_concat",
        "max",
        "min",
        "sum",
        "total",
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
        # scalars
        "abs",
        "coalesce",
        "ifnull",
        "iif",
        "instr",
        "length",
        "like",
        "glob",
        "lower",
        "ltrim",
        "nullif",
        "replace",
        "round",
        "rtrim",
        "sign",
        "substr",
        "substring",
        "trim",
        "typeof",
        "upper",
        "hex",
        "char",
        "unicode",
        "concat",
        "concat_ws",
        # dates
        "date",
        "time",
        "datetime",
        "julianday",
        "strftime",
        "unixepoch",
    }
)

# Statement kinds that change data, schema, connection or transaction state.
_FORBIDDEN: tuple[type[exp.Expression], ...] = (
    exp.DML,
    exp.DDL,
    exp.Drop,
    exp.Alter,
    exp.Command,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Analyze,
    exp.Into,
    exp.Set,
    exp.Use,
)
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)


@dataclass(frozen=True)
class CheckedQuery:
    """A SELECT that passed the guard, and the allowed tables it reads."""

    sql: str
    tables: tuple[str, ...]


def _refuse(reason: str) -> InvalidInput:
    return InvalidInput(f"query refused: {reason}", field="sql")


def nesting_depth(sql: str) -> int:
    """Return the deepest parenthesis nesting of `sql`, outside quotes and comments; linear."""
    depth = deepest = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"`[":
            close = "]" if char == "[" else char
            end = sql.find(close, i + 1)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
        i += 1
    return deepest


def _parse_one(sql: str) -> exp.Expression:
    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("the SQL text is empty")
    if len(sql) > MAX_SQL_CHARS:
        raise _refuse(f"the SQL text is longer than {MAX_SQL_CHARS} characters")
    if nesting_depth(sql) > MAX_NESTING:
        raise _refuse(f"parentheses are nested deeper than {MAX_NESTING} levels")
    try:
        parsed = sqlglot.parse(sql, read="sqlite")
        # An empty statement (a lone `;` after a comment) is no statement.
        statements = [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]
    except SqlglotError as exc:
        raise _refuse(f"it is not valid SQLite SQL ({str(exc).splitlines()[0][:200]})") from exc
    except RecursionError:
        raise _refuse("it is nested too deeply to check") from None
    if not statements:
        raise _refuse("the SQL text has no statement")
    if len(statements) > 1:
        kinds = ", ".join(_kind(s) for s in statements)
        raise _refuse(f"{len(statements)} statements ({kinds}); only one SELECT is allowed")
    return statements[0]


def _kind(node: exp.Expression) -> str:
    """Return the statement keyword of `node` (INSERT, PRAGMA, VACUUM, ...)."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return {"ENDSTATEMENT": "END"}.get(node.key.upper(), node.key.upper())


def _leading_keyword(sql: str) -> str:
    tokens = sqlglot.tokenize(sql, read="sqlite")
    return tokens[0].text.upper() if tokens else "?"


def _check_kinds(root: exp.Expression, sql: str) -> None:
    if not isinstance(root, _QUERY_ROOTS) or isinstance(root, _FORBIDDEN):
        # sqlglot reads some statements it does not know as expressions (REINDEX as a column,
        # SAVEPOINT as an alias); their first keyword names them better.
        known = isinstance(root, (*_FORBIDDEN, exp.Values))
        kind = _kind(root) if known else _leading_keyword(sql)
        raise _refuse(f"only SELECT statements are allowed, not {kind}")
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise _refuse(f"the query contains {_kind(node)}; only reading is allowed")


def _check_tables(root: exp.Expression, allowed: frozenset[str]) -> tuple[str, ...]:
    cte_names = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    used: set[str] = set()
    for table in root.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise _refuse(f"table-valued function {table.this.sql('sqlite')} is not allowed")
        name = table.name.lower()
        if table.db or table.catalog:
            raise _refuse(f"schema-qualified table {table.sql('sqlite')} is not allowed")
        if name in cte_names:
            continue
        if name not in allowed:
            raise _refuse(
                f"table {table.name} is not allowed (allowed: {', '.join(sorted(allowed))})"
            )
        used.add(name)
    return tuple(sorted(used))


def _check_functions(root: exp.Expression) -> None:
    for function in root.find_all(exp.Anonymous):
        name = str(function.this).lower()
        if name not in ALLOWED_FUNCTIONS:
            raise _refuse(f"function {name}() is not allowed")


def check_select(sql: str, allowed_tables: Iterable[str]) -> CheckedQuery:
    """Return `sql` as a checked query, or raise InvalidInput(field="sql") naming the reason."""
    allowed = frozenset(name.lower() for name in allowed_tables)
    root = _parse_one(sql)
    _check_kinds(root, sql)
    tables = _check_tables(root, allowed)
    _check_functions(root)
    return CheckedQuery(sql=sql.strip(), tables=tables)
