"""Demo data: an admin, sellers, buyers, a catalog of N products and reviews of some of
them, through the application.

    python -m seed.demo --products 100000

Running it again changes nothing: accounts are found by email, products, their variants and
reviews have fixed ids. One product in VARIED_EVERY is clothing sold in a few Size × Colour
variants, each with its own SKU, price and stock (the product's are their lowest and total).
A few products (IMAGED_EVERY) get two or three small solid-colour pictures, uploaded through
the application as a seller's are (it skips products that have pictures already).
Every demo account's password is `demo-password`. The reviews are imported, as the products
are: no demo order was delivered to their authors.
"""

import argparse
import asyncio
import io
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from PIL import Image
from tqdm import tqdm

from src.application.catalog import get_product, import_products, refresh_catalog_statistics
from src.application.images import add_product_image
from src.application.reviews import import_reviews
from src.application.users import ensure_admin_account, ensure_user, hash_password
from src.config import get_settings
from src.domain.catalog import Product, ProductOption, ProductStatus, Variant
from src.domain.reviews import Review
from src.domain.users import Principal, Role
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
REVIEWED_EVERY = 3  # every third of the first REVIEWED products has reviews
REVIEWED = 600
REMARKS = {
    1: ("Disappointing", "It broke within a week."),
    2: ("Not great", "Smaller than the pictures suggest."),
    3: ("Fine", "Does the job, nothing more."),
    4: ("Good value", "Solid, and it arrived quickly."),
    5: ("Excellent", "Exactly as described. Would buy again."),
}
FIRST_LISTED = datetime(2026, 1, 1, tzinfo=UTC)
VARIED_EVERY = 20  # products number 10, 30, 50, … come in variants: a small share, for speed
CLOTHING = "clothing"
GARMENTS = ["t-shirt", "hoodie", "jacket", "scarf", "sweater"]
SIZES = ("S", "M", "L", "XL")
COLOURS = ("Black", "Navy", "Sand")
IMAGED_EVERY = 250  # products number 0, 250, 500, … have pictures: a few, for speed
IMAGED_UP_TO = 2_500
PICTURE_COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6"]


def demo_product_id(number: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"marketplace-demo-product/{number}")


def demo_product(number: int, seller_ids: list[UUID]) -> Product:
    """The `number`th demo product: the same every time."""
    pick = random.Random(number)  # nosec B311 # noqa: S311 - reproducible demo data
    if number % VARIED_EVERY == VARIED_EVERY // 2:
        return varied_demo_product(number, seller_ids, pick)
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


def varied_demo_product(number: int, seller_ids: list[UUID], pick: random.Random) -> Product:
    """A demo garment sold in two to six Size × Colour variants, each priced and stocked on its
    own; SKUs carry the product's number, so they are unique for its seller."""
    title = f"{pick.choice(ADJECTIVES).title()} {pick.choice(GARMENTS)} {number}"
    listed = FIRST_LISTED + timedelta(seconds=7 * number)
    product_id = uuid5(NAMESPACE_URL, f"marketplace-demo-product/{number}")
    sizes = SIZES[: pick.randint(2, len(SIZES))]
    colours = COLOURS[: pick.randint(1, len(COLOURS))]
    combinations = [(size, colour) for size in sizes for colour in colours]
    sold = pick.sample(combinations, min(len(combinations), pick.randint(2, 6)))
    base = pick.randint(1_000, 20_000)
    variants = tuple(
        Variant(
            id=uuid5(NAMESPACE_URL, f"marketplace-demo-product/{number}/{size}/{colour}"),
            sku=f"DEMO-{number}-{size}-{colour.upper()}",
            options={"Size": size, "Colour": colour},
            price=base + 500 * SIZES.index(size),
            stock=pick.choice([0, 1, 5, 20]),
        )
        for size, colour in sold
    )
    return Product(
        id=product_id,
        seller_id=seller_ids[number % len(seller_ids)],
        title=title,
        description=f"A {title.lower()} from the demo catalog, in several sizes and colours.",
        price=min(variant.price for variant in variants),
        currency="USD",
        stock=sum(variant.stock for variant in variants),
        category=CLOTHING,
        status=ProductStatus.ACTIVE,
        created_at=listed,
        updated_at=listed,
        options=(
            ProductOption(name="Size", values=sizes),
            ProductOption(name="Colour", values=colours),
        ),
        variants=variants,
    )


def demo_reviews(products: int, buyers: list[tuple[UUID, str]]) -> list[Review]:
    """One to five reviews by the demo buyers of every third of the first demo products."""
    reviews = []
    for number in range(0, min(products, REVIEWED), REVIEWED_EVERY):
        pick = random.Random(-number)  # nosec B311 # noqa: S311 - reproducible demo data
        product_id = uuid5(NAMESPACE_URL, f"marketplace-demo-product/{number}")
        written = FIRST_LISTED + timedelta(days=30, seconds=11 * number)
        for author_id, author_name in pick.sample(buyers, pick.randint(1, len(buyers))):
            rating = pick.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            title, body = REMARKS[rating]
            reviews.append(
                Review(
                    id=uuid5(NAMESPACE_URL, f"marketplace-demo-review/{number}/{author_id}"),
                    product_id=product_id,
                    author_id=author_id,
                    author_name=author_name,
                    rating=rating,
                    title=title,
                    body=body,
                    created_at=written,
                    updated_at=written,
                )
            )
    return reviews


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
    buyers = []
    for number, email in enumerate(BUYERS, start=1):
        buyer = await ensure_user(
            email=email, full_name=f"Demo Buyer {number}", role=Role.BUYER,
            password_hash=password_hash,
        )  # fmt: skip
        buyers.append((buyer.id, buyer.full_name))
    with tqdm(total=products, unit="product", desc="products") as progress:
        for batch in batches(products, seller_ids):
            await import_products(products=batch)
            progress.update(len(batch))
    await import_reviews(reviews=demo_reviews(products, buyers))
    for number in range(0, min(products, IMAGED_UP_TO), IMAGED_EVERY):
        await add_pictures(number)
    await refresh_catalog_statistics()


def picture(colour: str) -> bytes:
    """A 64 × 64 PNG of one colour."""
    output = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(output, format="PNG")
    return output.getvalue()


async def add_pictures(number: int) -> None:
    """Two or three pictures for the `number`th demo product, unless it has some already."""
    product = await get_product(product_id=demo_product_id(number))
    if product.images:
        return
    seller = Principal(user_id=product.seller_id, role=Role.SELLER)
    for each in range(2 + number % 2):
        data = picture(PICTURE_COLOURS[(number + each) % len(PICTURE_COLOURS)])

        async def read_file(_max_bytes: int, data: bytes = data) -> bytes:
            return data

        await add_product_image(principal=seller, product_id=product.id, read_file=read_file)


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
