"""Reviews over HTTP: only buyers who received a product review it, once; its rating, the
listings by rating and the seller's page follow every review, edit and removal."""

from typing import Any
from uuid import uuid4

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token
from tests.e2e.test_payments_api import pay
from tests.e2e.test_shipping_api import PARCEL

pytestmark = pytest.mark.database


class Reviewers:
    """A shop whose buyers receive what they order."""

    def __init__(self, shop: Shop) -> None:
        self.shop, self.client = shop, shop.client

    async def buyer_who_received(self, *products: dict[str, Any]) -> str:
        """A new buyer whose order of `products` was paid, shipped and delivered."""
        _, token = await signed_in(self.client, role="buyer")
        order = await self.shop.placed(*((product, 1) for product in products), token=token)
        assert (await self.pay(order, token)).status_code == 200
        shipment = await self.client.post(
            f"{API}/orders/{order['id']}/shipments",
            headers=bearer(self.shop.seller_token),
            json=PARCEL,
        )
        delivered = await self.client.patch(
            f"{API}/shipments/{shipment.json()['id']}",
            headers=bearer(self.shop.seller_token),
            json={"status": "delivered"},
        )
        assert delivered.status_code == 200, delivered.text
        return token

    async def pay(self, order: dict[str, Any], token: str) -> Any:
        return await self.client.post(
            f"{API}/orders/{order['id']}/pay",
            headers=bearer(token),
            json={"paymentToken": "tok_visa"},
        )

    async def review(self, product: dict[str, Any], token: str, **body: Any) -> Any:
        return await self.client.post(
            f"{API}/products/{product['id']}/reviews", headers=bearer(token), json=body
        )

    async def reviewed(self, product: dict[str, Any], rating: int, **body: Any) -> dict[str, Any]:
        token = await self.buyer_who_received(product)
        response = await self.review(product, token, rating=rating, **body)
        assert response.status_code == 201, response.text
        review: dict[str, Any] = response.json() | {"token": token}
        return review

    async def rating(self, product: dict[str, Any]) -> Any:
        return (await self.client.get(f"{API}/products/{product['id']}")).json()["rating"]


@pytest.fixture
async def reviewers(shop: Shop) -> Reviewers:
    return Reviewers(shop)


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def test_a_buyer_who_received_a_product_reviews_it_once(reviewers: Reviewers) -> None:
    lamp = await reviewers.shop.product()
    token = await reviewers.buyer_who_received(lamp)

    response = await reviewers.review(lamp, token, rating=4, title="Good", body="Bright.")

    assert response.status_code == 201, response.text
    review = response.json()
    assert response.headers["location"] == f"{API}/reviews/{review['id']}"
    assert set(review) == {
        "id", "productId", "authorId", "authorName", "rating", "title", "body",
        "createdAt", "updatedAt",
    }  # fmt: skip
    assert (review["productId"], review["rating"], review["title"]) == (lamp["id"], 4, "Good")
    assert review["authorName"] == "Test User"  # the name `signed_in` registers
    assert "@" not in str(review)  # never the author's email
    again = await reviewers.review(lamp, token, rating=1)
    problem_of(again, 409, "alreadyReviewed")
    assert await reviewers.rating(lamp) == {"average": 4.0, "count": 1}


async def test_only_a_buyer_whose_item_was_delivered_may_review(reviewers: Reviewers) -> None:
    shop = reviewers.shop
    lamp = await shop.product()
    # An order paid and shipped but not delivered is not enough.
    order = await shop.placed((lamp, 1))
    assert (await pay(shop, order)).status_code == 200
    await shop.client.post(
        f"{API}/orders/{order['id']}/shipments", headers=bearer(shop.seller_token), json=PARCEL
    )
    problem_of(await reviewers.review(lamp, shop.buyer_token, rating=5), 403, "forbidden")
    # Another seller's delivery of another product in the same order does not count either.
    _, other_seller = await signed_in(shop.client, role="seller")
    desk = await shop.product(token=other_seller, title="Desk")
    token = await reviewers.buyer_who_received(lamp)
    problem_of(await reviewers.review(desk, token, rating=5), 403, "forbidden")
    # Sellers and admins do not review.
    for other in (shop.seller_token, await admin_token(shop.client)):
        problem_of(await reviewers.review(lamp, other, rating=5), 403, "forbidden")
    problem_of(await shop.client.post(f"{API}/products/{lamp['id']}/reviews", json={}), 401,
               "unauthorized")  # fmt: skip
    assert await reviewers.rating(lamp) == {"average": None, "count": 0}


async def test_unknown_and_archived_products_have_no_reviews(reviewers: Reviewers) -> None:
    shop = reviewers.shop
    lamp = await shop.product()
    token = await reviewers.buyer_who_received(lamp)
    missing = {"id": str(uuid4())}
    problem_of(await reviewers.review(missing, token, rating=5), 404, "notFound")
    problem_of(await shop.client.get(f"{API}/products/{missing['id']}/reviews"), 404, "notFound")
    await shop.client.delete(f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token))
    problem_of(await reviewers.review(lamp, token, rating=5), 404, "notFound")
    problem_of(await shop.client.get(f"{API}/products/{lamp['id']}/reviews"), 404, "notFound")


BAD_REVIEWS: list[dict[str, Any]] = [
    {},
    {"rating": 0},
    {"rating": 6},
    {"rating": 4.5},
    {"rating": "5"},
    {"rating": True},
    {"rating": 5, "title": "x" * 121},
    {"rating": 5, "body": "x" * 5001},
    {"rating": 5, "title": "Line\nbreak"},
    {"rating": 5, "title": "Bell\u0007"},
    {"rating": 5, "body": "Escape \u001b[31m red"},
    {"rating": 5, "body": "C1 \u0085 control"},
    {"rating": 5, "body": "NUL \u0000"},
    {"rating": 5, "authorId": str(uuid4())},
    {"rating": 5, "title": None, "extra": 1},
]


async def test_bad_reviews_are_refused_and_count_for_nothing(reviewers: Reviewers) -> None:
    lamp = await reviewers.shop.product()
    token = await reviewers.buyer_who_received(lamp)  # one buyer: a refusal changes nothing
    for body in BAD_REVIEWS:
        response = await reviewers.review(lamp, token, **body)
        assert response.status_code == 422, (body, response.text)
        problem_of(response, 422, "validationError")
    assert await reviewers.rating(lamp) == {"average": None, "count": 0}
    assert (await reviewers.review(lamp, token, rating=5)).status_code == 201  # still may


async def test_review_text_is_plain_and_kept_exactly_as_sent(reviewers: Reviewers) -> None:
    lamp = await reviewers.shop.product()
    text = "  <script>alert(1)</script> &amp; café 😀\n\tTabbed line  "
    review = await reviewers.reviewed(lamp, 5, title=" <b>Bold?</b> ", body=text)
    read = (await reviewers.client.get(f"{API}/reviews/{review['id']}")).json()
    assert (read["title"], read["body"]) == (" <b>Bold?</b> ", text)
    assert read["body"] == review["body"]


async def test_the_rating_follows_reviews_edits_and_removals(reviewers: Reviewers) -> None:
    client = reviewers.client
    lamp = await reviewers.shop.product()
    first = await reviewers.reviewed(lamp, 5)
    second = await reviewers.reviewed(lamp, 4)
    third = await reviewers.reviewed(lamp, 4)
    assert await reviewers.rating(lamp) == {"average": 4.33, "count": 3}  # 13 / 3

    edited = await client.patch(
        f"{API}/reviews/{second['id']}", headers=bearer(second["token"]), json={"rating": 1}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["rating"] == 1
    assert await reviewers.rating(lamp) == {"average": 3.33, "count": 3}  # 10 / 3
    # The text alone changes nothing in the rating; empty text clears it.
    retitled = await client.patch(
        f"{API}/reviews/{first['id']}", headers=bearer(first["token"]), json={"title": "Hm"}
    )
    assert (retitled.json()["title"], retitled.json()["rating"]) == ("Hm", 5)
    cleared = await client.patch(
        f"{API}/reviews/{first['id']}", headers=bearer(first["token"]), json={"title": ""}
    )
    assert cleared.json()["title"] is None
    assert await reviewers.rating(lamp) == {"average": 3.33, "count": 3}

    # Its author removes one, an admin another.
    removed = await client.delete(f"{API}/reviews/{third['id']}", headers=bearer(third["token"]))
    assert removed.status_code == 204
    admin = await admin_token(client)
    assert (
        await client.delete(f"{API}/reviews/{first['id']}", headers=bearer(admin))
    ).status_code == 204
    assert await reviewers.rating(lamp) == {"average": 1.0, "count": 1}
    problem_of(await client.get(f"{API}/reviews/{first['id']}"), 404, "notFound")
    # Removing the last one leaves the product unrated again.
    await client.delete(f"{API}/reviews/{second['id']}", headers=bearer(second["token"]))
    assert await reviewers.rating(lamp) == {"average": None, "count": 0}


async def test_only_the_author_edits_and_only_author_or_admin_removes(
    reviewers: Reviewers,
) -> None:
    client, shop = reviewers.client, reviewers.shop
    lamp = await shop.product()
    review = await reviewers.reviewed(lamp, 5)
    other_buyer = await reviewers.buyer_who_received(lamp)
    path = f"{API}/reviews/{review['id']}"
    for token in (other_buyer, shop.seller_token):
        problem_of(await client.patch(path, headers=bearer(token), json={"rating": 1}), 403,
                   "forbidden")  # fmt: skip
        problem_of(await client.delete(path, headers=bearer(token)), 403, "forbidden")
    problem_of(await client.patch(path, headers=bearer(await admin_token(client)),
                                  json={"rating": 1}), 403, "forbidden")  # fmt: skip
    problem_of(await client.patch(path, headers=bearer(review["token"]), json={"rating": None}),
               422, "validationError")  # fmt: skip
    missing = f"{API}/reviews/{uuid4()}"
    problem_of(await client.patch(missing, headers=bearer(review["token"]), json={"rating": 1}),
               404, "notFound")  # fmt: skip
    assert await reviewers.rating(lamp) == {"average": 5.0, "count": 1}


async def test_reviews_are_listed_newest_best_or_worst_first_and_paged(
    reviewers: Reviewers,
) -> None:
    client = reviewers.client
    lamp = await reviewers.shop.product(stock=20)
    ratings = [3, 5, 1, 5, 3, 4]
    made = [await reviewers.reviewed(lamp, rating) for rating in ratings]  # oldest first
    path = f"{API}/products/{lamp['id']}/reviews"

    async def walk(sort: str) -> list[str]:
        seen, cursor = [], None
        while True:
            params: dict[str, str | int] = {"sort": sort, "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(path, params=params)).json()
            seen += [review["id"] for review in page["items"]]
            if (cursor := page["nextCursor"]) is None:
                return seen

    newest = [review["id"] for review in reversed(made)]
    assert await walk("-createdAt") == newest
    assert (await client.get(path)).json()["items"][0]["id"] == newest[0]  # the default
    by_rating = sorted(range(len(made)), key=lambda i: (ratings[i], i))  # ties: by age
    assert await walk("-rating") == [made[i]["id"] for i in reversed(by_rating)]
    assert await walk("rating") == [made[i]["id"] for i in by_rating]
    # A cursor is bound to its sort.
    cursor = (await client.get(path, params={"sort": "-rating", "limit": 1})).json()["nextCursor"]
    problem_of(await client.get(path, params={"sort": "rating", "cursor": cursor}), 422,
               "validationError")  # fmt: skip
    problem_of(await client.get(path, params={"sort": "title"}), 422, "validationError")


async def test_products_sort_by_rating_then_count_with_unrated_last(reviewers: Reviewers) -> None:
    shop, client = reviewers.shop, reviewers.client
    category = f"rated-{uuid4().hex[:8]}"
    unrated = await shop.product(category=category, title="Unrated")
    once = await shop.product(category=category, title="Once")
    twice = await shop.product(category=category, title="Twice")
    low = await shop.product(category=category, title="Low")
    await reviewers.reviewed(once, 5)
    for _ in range(2):
        await reviewers.reviewed(twice, 5)
    await reviewers.reviewed(low, 2)
    listed = await client.get(f"{API}/products", params={"category": category, "sort": "-rating"})
    assert [p["title"] for p in listed.json()["items"]] == ["Twice", "Once", "Low", "Unrated"]
    assert unrated["id"] == listed.json()["items"][-1]["id"]


async def test_a_sellers_page_sums_its_products_ratings(reviewers: Reviewers) -> None:
    shop, client = reviewers.shop, reviewers.client
    lamp, desk = await shop.product(), await shop.product(title="Desk")
    await reviewers.reviewed(lamp, 5)
    await reviewers.reviewed(desk, 2)
    await reviewers.reviewed(desk, 4)
    await client.delete(f"{API}/products/{desk['id']}", headers=bearer(shop.seller_token))

    page = await client.get(f"{API}/sellers/{shop.seller['id']}")

    assert page.status_code == 200, page.text
    assert page.json() == {
        "id": shop.seller["id"], "fullName": shop.seller["fullName"],
        "rating": {"average": 3.67, "count": 3},  # archived products' reviews still count
        "productCount": 1, "createdAt": shop.seller["createdAt"],
    }  # fmt: skip
    for not_a_seller in (shop.buyer["id"], str(uuid4())):
        problem_of(await client.get(f"{API}/sellers/{not_a_seller}"), 404, "notFound")
