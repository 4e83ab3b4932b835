"""Carts: anyone keeps one (a guest's is reached by its id alone), buyers check out."""

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from src.application import carts
from src.domain.carts import PricedCart
from src.presentation.rest.carts_schemas import (
    AddCartItemRequest,
    CartResponse,
    ChangeCartItemRequest,
    CheckoutRequest,
    MergeCartRequest,
)
from src.presentation.rest.deps import AsBuyer, MaybeBuyer, MaybePrincipal, location
from src.presentation.rest.orders import read_order
from src.presentation.rest.orders_schemas import OrderResponse
from src.presentation.rest.schemas import problems

router = APIRouter(prefix="/carts", tags=["carts"])


def _cart(priced: PricedCart, *, created: Request | None = None) -> JSONResponse:
    body = CartResponse.of(priced).model_dump(mode="json", by_alias=True)
    if created is None:
        return JSONResponse(body)
    headers = {"Location": location(created, read_cart, cart_id=priced.cart.id)}
    return JSONResponse(body, status_code=status.HTTP_201_CREATED, headers=headers)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CartResponse,
    responses=problems(401, 403, 422)
    | {200: {"description": "The buyer's open cart, which existed already", "model": CartResponse}},
)
async def create_cart(principal: MaybeBuyer, request: Request) -> Response:
    """Start a cart (anyone).

    Without a token, a guest cart, reached by its unguessable id alone (keep it to merge it
    at login). With a buyer's token, the buyer's open cart: made (201), or the one they have
    (200), since a buyer has one open cart. Sellers and admins do not buy → 403.
    """
    priced, made = await carts.create_cart(principal=principal)
    return _cart(priced, created=request if made else None)


@router.get("/current", response_model=CartResponse, responses=problems(401, 403, 422))
async def read_current_cart(principal: AsBuyer) -> Response:
    """Read the buyer's cart (buyers).

    Their open cart, made if there is none: a buyer has one open cart at a time.
    """
    return _cart(await carts.current_cart(principal=principal))


@router.post(
    "/current/merge", response_model=CartResponse, responses=problems(401, 403, 404, 409, 422)
)
async def merge_cart(body: MergeCartRequest, principal: AsBuyer) -> Response:
    """Merge a guest cart into the buyer's (buyers), typically right after logging in.

    Its lines join the buyer's cart (the quantities of one variant add up, capped at 1000);
    the guest cart is then gone (404). Only an open guest cart merges (a buyer's cart → 404);
    the result over 50 lines, or in another currency → 422.
    """
    return _cart(await carts.merge_guest_cart(principal=principal, guest_cart_id=body.cart_id))


@router.get("/{cart_id}", response_model=CartResponse, responses=problems(401, 404, 422))
async def read_cart(cart_id: UUID, principal: MaybePrincipal) -> Response:
    """Read a cart: prices and availability as they are now.

    A guest cart, to whoever has its id; a buyer's, to that buyer only (else 404).
    """
    return _cart(await carts.get_cart(principal=principal, cart_id=cart_id))


@router.post(
    "/{cart_id}/items", response_model=CartResponse, responses=problems(401, 404, 409, 422)
)
async def add_cart_item(
    cart_id: UUID, body: AddCartItemRequest, principal: MaybePrincipal
) -> Response:
    """Add to a cart; the same variant again adds to its line.

    Unknown or archived product, or unknown variant → 422 `productUnavailable`; a product of
    several variants without `variantId`, a line over 1000, a 51st line, another currency →
    422 `validationError`; a checked-out cart → 409 `invalidState`.
    """
    priced = await carts.add_item(
        principal=principal,
        cart_id=cart_id,
        product_id=body.product_id,
        variant_id=body.variant_id,
        quantity=body.quantity,
    )
    return _cart(priced)


@router.patch(
    "/{cart_id}/items/{item_id}",
    response_model=CartResponse,
    responses=problems(401, 404, 409, 422),
)
async def change_cart_item(
    cart_id: UUID, item_id: UUID, body: ChangeCartItemRequest, principal: MaybePrincipal
) -> Response:
    """Change a line's quantity.

    1..1000; an unknown line → 404; a checked-out cart → 409 `invalidState`.
    """
    priced = await carts.change_item(
        principal=principal, cart_id=cart_id, item_id=item_id, quantity=body.quantity
    )
    return _cart(priced)


@router.delete(
    "/{cart_id}/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 409, 422),
)
async def remove_cart_item(cart_id: UUID, item_id: UUID, principal: MaybePrincipal) -> None:
    """Remove a line.

    An unknown line → 404; a checked-out cart → 409 `invalidState`.
    """
    await carts.remove_item(principal=principal, cart_id=cart_id, item_id=item_id)


@router.post(
    "/{cart_id}/checkout",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderResponse,
    responses=problems(401, 403, 404, 409, 422)
    | {200: {"description": "Checked out already: the order it became", "model": OrderResponse}},
)
async def check_out(
    cart_id: UUID, body: CheckoutRequest, principal: AsBuyer, request: Request
) -> Response:
    """Check a cart out into an order (buyers; a guest cart becomes theirs).

    Exactly as `POST /orders` with the cart's lines: all or nothing, 409 `outOfStock`, 422
    `productUnavailable`. `expectedTotal` differing from the total → 409 `priceChanged`, and
    nothing is ordered. A cart checks out once: again (a retry after a lost answer, a second
    tab) → 200 and the same order; concurrent checkouts make one order.
    """
    order, made = await carts.check_out(
        principal=principal,
        cart_id=cart_id,
        shipping_address=body.shipping_address.address(),
        expected_total=body.expected_total,
    )
    content = OrderResponse.of(order).model_dump(mode="json", by_alias=True)
    if not made:
        return JSONResponse(content)
    headers = {"Location": location(request, read_order, order_id=order.id)}
    return JSONResponse(content, status_code=status.HTTP_201_CREATED, headers=headers)
