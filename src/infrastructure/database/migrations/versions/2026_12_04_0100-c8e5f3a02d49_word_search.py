"""Word search: the words of every product, and each database's full-text index of them.

Products gain `search_title` (their title's words) and `search_text` becomes the words of
title and description (it was their case-folded text, searched with LIKE): case-folded, accents
removed, each once. SQLite indexes them in an FTS5 table kept in step by triggers, keyed by a
new integer `search_key`; PostgreSQL in a generated `tsvector` column with a GIN index.
Downgrading drops the index and puts back the case-folded text.

The statements are copies of `SEARCH_INDEX` in src/infrastructure/database/tables/catalog.py,
and `_words` of `words` in src/domain/catalog/rules.py, as they were when this was written:
a migration must not change when the application does.

Revision ID: c8e5f3a02d49
Revises: 6a7c1e0d2b53
Create Date: 2026-12-04 01:00:00.000000+00:00
"""

import re
import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8e5f3a02d49"
down_revision: str | None = "6a7c1e0d2b53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WORD = re.compile(r"[^\W_]+")
_BATCH = 1000

_SEARCH_INDEX: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "ALTER TABLE products ADD COLUMN search_key INTEGER",
        "UPDATE products SET search_key = rowid",
        "CREATE UNIQUE INDEX ix_products_search_key ON products (search_key)",
        "CREATE VIRTUAL TABLE product_search USING fts5(title, body, content='', "
        "columnsize=0, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
        "INSERT INTO product_search (rowid, title, body) "
        "SELECT search_key, search_title, search_text FROM products",
        "CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN "
        "UPDATE products SET search_key = "
        "(SELECT coalesce(max(search_key), 0) + 1 FROM products) WHERE id = new.id; "
        "INSERT INTO product_search (rowid, title, body) "
        "SELECT search_key, search_title, search_text FROM products WHERE id = new.id; END",
        "CREATE TRIGGER products_search_update AFTER UPDATE OF search_title, search_text "
        "ON products WHEN old.search_title IS NOT new.search_title "
        "OR old.search_text IS NOT new.search_text BEGIN "
        "INSERT INTO product_search (product_search, rowid, title, body) "
        "VALUES ('delete', old.search_key, old.search_title, old.search_text); "
        "INSERT INTO product_search (rowid, title, body) "
        "VALUES (new.search_key, new.search_title, new.search_text); END",
        "CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN "
        "INSERT INTO product_search (product_search, rowid, title, body) "
        "VALUES ('delete', old.search_key, old.search_title, old.search_text); END",
    ),
    "postgresql": (
        "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(array_to_tsvector(string_to_array(search_text, ' ') "
        "|| string_to_array('^' || replace(search_title, ' ', ' ^'), ' '))) STORED",
        "CREATE INDEX ix_products_search ON products USING gin (search_vector) "
        "WITH (fastupdate = off) WHERE status = 'active'",
    ),
}
_DROP_SEARCH_INDEX: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "DROP TRIGGER products_search_insert",
        "DROP TRIGGER products_search_update",
        "DROP TRIGGER products_search_delete",
        "DROP TABLE product_search",
        "DROP INDEX ix_products_search_key",
        "ALTER TABLE products DROP COLUMN search_key",
    ),
    "postgresql": (
        "DROP INDEX ix_products_search",
        "ALTER TABLE products DROP COLUMN search_vector",
    ),
}


def _words(text: str) -> str:
    # Folded after decomposing too: compatibility forms may decompose to capitals (ℌ → H).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(dict.fromkeys(word[:200] for word in _WORD.findall(bare)))


def _rewrite(values: Callable[[str, str], dict[str, str]]) -> None:
    """Set each product's search columns (the keys `values` gives) from its title and
    description, in batches."""
    products = sa.table(
        "products",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.Text()),
        sa.column("description", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(products.c.id, products.c.title, products.c.description))
    batch = [
        {"product_id": row.id, **{f"new_{name}": value for name, value in values(
            row.title, row.description).items()}}
        for row in rows.all()
    ]  # fmt: skip
    if not batch:
        return
    names = [name.removeprefix("new_") for name in batch[0] if name != "product_id"]
    columns = [sa.column(name, sa.Text()) for name in names]
    target = sa.table("products", sa.column("id", sa.Uuid()), *columns)
    update = (
        sa.update(target)
        .where(target.c.id == sa.bindparam("product_id"))
        .values({column.name: sa.bindparam(f"new_{column.name}") for column in columns})
    )
    for start in range(0, len(batch), _BATCH):
        connection.execute(update, batch[start : start + _BATCH])


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_title", sa.Text(), nullable=True))
    _rewrite(
        lambda title, description: {
            "search_title": _words(title),
            "search_text": _words(f"{title}\n{description}"),
        }
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("search_title", existing_type=sa.Text(), nullable=False)
    for statement in _SEARCH_INDEX[dialect]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _DROP_SEARCH_INDEX[dialect]:
        op.execute(statement)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("search_title")
    _rewrite(lambda title, description: {"search_text": f"{title}\n{description}".casefold()})
