"""Bare FastAPI routes that answer like ours, with nothing of our stack: the ceilings.

    DATABASE__URL=sqlite+aiosqlite:///path.db uvicorn tests.benchmarks.ceilings:app

- `/raw/{id}`: one raw aiosqlite query on a long-lived connection;
- `/session/{id}`: a plain SQLAlchemy `AsyncSession` per request;
- `/core/{id}`: SQLAlchemy Core on a single long-lived `AsyncConnection`;
- `/keyset`: the first keyset page of 20 newest active products, with a plain `AsyncSession`;
- `POST /orders`: an order's conditional stock UPDATE and its INSERT, with a plain
  `AsyncSession` (`{"productId", "quantity", "buyerId"}` in, 201 or 409 out). On SQLite
  the plain engine's transactions take the write lock at their first write and wait for it
  in SQLite's busy handler, as a default setup does.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import aiosqlite
from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker, create_async_engine

from src.infrastructure.database.tables import OrdersTable, ProductsTable

URL = os.environ["DATABASE__URL"]
COLUMNS = (
    ProductsTable.id,
    ProductsTable.seller_id,
    ProductsTable.title,
    ProductsTable.description,
    ProductsTable.price,
    ProductsTable.currency,
    ProductsTable.stock,
    ProductsTable.category,
    ProductsTable.status,
    ProductsTable.created_at,
    ProductsTable.updated_at,
)
RAW_QUERY = (
    "SELECT id, seller_id, title, description, price, currency, stock, category, status,"
    " created_at, updated_at FROM products WHERE id = ?"
)
state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(URL)
    state["sessions"] = async_sessionmaker(engine, expire_on_commit=False)
    state["connection"] = await engine.connect()
    if URL.startswith("sqlite"):
        state["raw"] = await aiosqlite.connect(URL.split(":///", 1)[1])
    yield
    if "raw" in state:
        await state["raw"].close()
    await state["connection"].close()
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


def _row(row: Any) -> dict[str, Any]:
    if row is None:
        raise HTTPException(404)
    return dict(row._mapping)


@app.get("/raw/{product_id}")
async def raw(product_id: UUID) -> dict[str, Any]:
    async with state["raw"].execute(RAW_QUERY, (product_id.hex,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise HTTPException(404)
    names = ("id", "sellerId", "title", "description", "price", "currency", "stock",
             "category", "status", "createdAt", "updatedAt")  # fmt: skip
    return dict(zip(names, row, strict=True))


@app.get("/session/{product_id}")
async def session(product_id: UUID) -> dict[str, Any]:
    async with state["sessions"]() as db:
        result = await db.execute(select(*COLUMNS).where(ProductsTable.id == product_id))
        return _row(result.one_or_none())


@app.get("/core/{product_id}")
async def core(product_id: UUID) -> dict[str, Any]:
    connection: AsyncConnection = state["connection"]
    result = await connection.execute(select(*COLUMNS).where(ProductsTable.id == product_id))
    return _row(result.one_or_none())


@app.get("/keyset")
async def keyset() -> list[dict[str, Any]]:
    async with state["sessions"]() as db:
        statement = (
            select(*COLUMNS)
            .where(ProductsTable.status == "active")
            .order_by(ProductsTable.created_at.desc(), ProductsTable.id.desc())
            .limit(20)
        )
        return [dict(row._mapping) for row in (await db.execute(statement)).all()]


ADDRESS = {"full_name": "A", "line1": "1 Main St", "city": "London", "postal_code": "N1",
           "country": "GB"}  # fmt: skip


@app.post("/orders", status_code=201)
async def place_order(
    product_id: Annotated[UUID, Body(alias="productId")],
    quantity: Annotated[int, Body()],
    buyer_id: Annotated[UUID, Body(alias="buyerId")],
) -> JSONResponse:
    now = datetime.now(UTC)
    order_id = uuid4()
    async with state["sessions"]() as db:
        taken = await db.execute(
            update(ProductsTable)
            .where(ProductsTable.id == product_id, ProductsTable.stock >= quantity)
            .values(stock=ProductsTable.stock - quantity)
            .returning(ProductsTable.price, ProductsTable.currency)
        )
        row = taken.one_or_none()
        if row is None:
            return JSONResponse({"code": "outOfStock"}, status_code=409)
        await db.execute(
            insert(OrdersTable).values(
                id=order_id, buyer_id=buyer_id, status="pendingPayment",
                total=row.price * quantity, currency=row.currency, shipping_address=ADDRESS,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        await db.commit()
    return JSONResponse({"id": str(order_id), "total": row.price * quantity}, status_code=201)
