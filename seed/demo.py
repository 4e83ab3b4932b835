"""Demo data: an admin, sellers, buyers and a catalog of N products, through the application.

    python -m seed.demo --products 100000

Running it again changes nothing: accounts are found by email and products have fixed ids.
Every demo account's password is `demo-password`.
"""

import argparse
import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from tqdm import tqdm

from src.application.catalog import import_products
from src.application.users import ensure_admin_account, ensure_user, hash_password
from src.config import get_settings
from src.domain.catalog import Product, ProductStatus
from src.domain.users import Role
from src.infrastructure.runtime import start_runtime, stop_runtime

PASSWORD = "demo-password"  # nosec B105 # noqa: S105 - documented demo credentials
ADMIN_EMAIL = "admin@demo.example.com"
SELLERS = [f"seller{number}@demo.example.com" for number in range(1, 6)]
BUYERS = [f"buyer{number}@demo.example.com" for number in range(1, 6)]
CATEGORIES = [
    "books", "cameras", "chairs", "desks", "garden", "headphones",
    "kitchen", "lighting", "music", "outdoor", "toys", "watches",
]  # fmt: skip
ADJECTIVES = ["brass", "oak", "compact", "vintage", "solar", "quiet", "sturdy", "linen", "smart"]
NOUNS = ["lamp", "chair", "kettle", "speaker", "backpack", "clock", "notebook", "tripod", "mug"]
BATCH = 5_000
FIRST_LISTED = datetime(2026, 1, 1, tzinfo=UTC)


def demo_product(number: int, seller_ids: list[UUID]) -> Product:
    """The `number`th demo product: the same every time."""
    pick = random.Random(number)  # nosec B311 # noqa: S311 - reproducible demo data
    title = f"{pick.choice(ADJECTIVES).title()} {pick.choice(NOUNS)} {number}"
    listed = FIRST_LISTED + timedelta(seconds=7 * number)
    return Product(
        id=uuid5(NAMESPACE_URL, f"marketplace-demo-product/{number}"),
        seller_id=seller_ids[number % len(seller_ids)],
        title=title,
        description=f"A {title.lower()} from the demo catalog.",
        price=pick.randint(100, 50_000),
        currency="USD",
        stock=pick.choice([0, 1, 5, 20, 100]),
        category=CATEGORIES[number % len(CATEGORIES)],
        status=ProductStatus.ACTIVE,
        created_at=listed,
        updated_at=listed,
    )


def batches(count: int, seller_ids: list[UUID]) -> Iterator[list[Product]]:
    for start in range(0, count, BATCH):
        yield [
            demo_product(number, seller_ids) for number in range(start, min(count, start + BATCH))
        ]


async def seed(products: int) -> None:
    """Create the demo accounts and catalog (idempotently)."""
    await ensure_admin_account(email=ADMIN_EMAIL, password=PASSWORD, full_name="Demo Admin")
    password_hash = await hash_password(password=PASSWORD)
    seller_ids = []
    for number, email in enumerate(SELLERS, start=1):
        seller = await ensure_user(
            email=email, full_name=f"Demo Seller {number}", role=Role.SELLER,
            password_hash=password_hash,
        )  # fmt: skip
        seller_ids.append(seller.id)
    for number, email in enumerate(BUYERS, start=1):
        await ensure_user(
            email=email, full_name=f"Demo Buyer {number}", role=Role.BUYER,
            password_hash=password_hash,
        )  # fmt: skip
    with tqdm(total=products, unit="product", desc="products") as progress:
        for batch in batches(products, seller_ids):
            await import_products(products=batch)
            progress.update(len(batch))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seed demo accounts and products.")
    parser.add_argument("--products", type=int, default=1_000, help="how many (default 1000)")
    arguments = parser.parse_args(argv)

    async def run() -> None:
        start_runtime(get_settings())
        try:
            await seed(arguments.products)
        finally:
            await stop_runtime()

    asyncio.run(run())
    print(f"demo accounts: {ADMIN_EMAIL}, {SELLERS[0]} … , {BUYERS[0]} …; password {PASSWORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
