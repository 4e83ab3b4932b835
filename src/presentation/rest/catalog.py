"""Products (public to browse; sellers and admins list and manage them) and categories."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from src.application import catalog
from src.presentation.rest.catalog_schemas import (
    CategoriesResponse,
    CategoryResponse,
    CreateProductRequest,
    ProductListQuery,
    ProductResponse,
    UpdateProductRequest,
    UpdateVariantRequest,
    VariantRequest,
)
from src.presentation.rest.deps import AsSellerOrAdmin, MediaUrls, location
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems

products = APIRouter(prefix="/products", tags=["catalog"])
categories = APIRouter(prefix="/categories", tags=["catalog"])


@products.get("", responses=problems(422), openapi_extra=query_parameters(ProductListQuery))
async def list_products(
    query: Annotated[ProductListQuery, query_model(ProductListQuery)], links: MediaUrls
) -> PageResponse[ProductResponse]:
    """List active products.

    Filter, sort, and walk the pages with `cursor`.
    """
    page = await catalog.list_products(
        product_filter=query.product_filter(),
        sort=query.chosen_sort,
        limit=query.limit,
        cursor=query.cursor,
    )
    return PageResponse.of(ProductResponse.many(page.items, links), page)


@products.get("/{product_id}", responses=problems(404, 422))
async def read_product(product_id: UUID, links: MediaUrls) -> ProductResponse:
    """Read a product.

    Unknown or archived → 404.
    """
    return ProductResponse.of(await catalog.get_product(product_id=product_id), links)


@products.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 403, 409, 422))
async def create_product(
    body: CreateProductRequest,
    principal: AsSellerOrAdmin,
    request: Request,
    response: Response,
    links: MediaUrls,
) -> ProductResponse:
    """Put a product up for sale (sellers and admins).

    The caller is its seller; it is listed at once. A buyer → 403. With `options`, send the
    `variants` sold instead of `price` and `stock`; a SKU the seller already uses → 409
    `skuTaken`.
    """
    product = await catalog.create_product(
        principal=principal,
        title=body.title,
        description=body.description,
        price=body.price,
        currency=body.currency,
        stock=body.stock,
        category=body.category,
        options=[option.option() for option in body.options],
        variants=[variant.spec() for variant in body.variants],
    )
    response.headers["Location"] = location(request, read_product, product_id=product.id)
    return ProductResponse.of(product, links)


@products.patch("/{product_id}", responses=problems(401, 403, 404, 422))
async def update_product(
    product_id: UUID, body: UpdateProductRequest, principal: AsSellerOrAdmin, links: MediaUrls
) -> ProductResponse:
    """Change a product (its seller or an admin).

    Fields left out stay as they are; orders already placed keep their snapshot. A product
    with options takes `price` and `stock` from its variants: sending them → 422.
    """
    product = await catalog.update_product(
        principal=principal, product_id=product_id, changes=body.changes()
    )
    return ProductResponse.of(product, links)


@products.delete(
    "/{product_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 403, 404, 422)
)
async def archive_product(product_id: UUID, principal: AsSellerOrAdmin) -> None:
    """Archive a product (its seller or an admin).

    It is no longer listed or readable; orders holding it keep their snapshot.
    """
    await catalog.archive_product(principal=principal, product_id=product_id)


@products.post(
    "/{product_id}/variants",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 422),
)
async def add_variant(
    product_id: UUID,
    body: VariantRequest,
    *,
    principal: AsSellerOrAdmin,
    request: Request,
    response: Response,
    links: MediaUrls,
) -> ProductResponse:
    """Sell another combination of a product's options (its seller or an admin).

    Answers the product, the new variant last in `variants`. It must choose a value of every
    option, in a combination not sold yet (else 422). A product without options has exactly
    one variant (409 `invalidState`); at most 100 (409 `tooManyVariants`); a SKU the seller
    already uses → 409 `skuTaken`.
    """
    product = await catalog.add_variant(principal=principal, product_id=product_id,
                                        spec=body.spec())  # fmt: skip
    response.headers["Location"] = location(request, read_product, product_id=product.id)
    return ProductResponse.of(product, links)


@products.patch("/{product_id}/variants/{variant_id}", responses=problems(401, 403, 404, 409, 422))
async def update_variant(
    product_id: UUID,
    variant_id: UUID,
    body: UpdateVariantRequest,
    principal: AsSellerOrAdmin,
    links: MediaUrls,
) -> ProductResponse:
    """Change a variant's SKU, price or stock (its product's seller or an admin).

    Answers the product, whose price and stock follow its variants. A SKU the seller already
    uses → 409 `skuTaken`.
    """
    product = await catalog.update_variant(
        principal=principal, product_id=product_id, variant_id=variant_id, changes=body.changes()
    )
    return ProductResponse.of(product, links)


@products.delete(
    "/{product_id}/variants/{variant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409, 422),
)
async def remove_variant(product_id: UUID, variant_id: UUID, principal: AsSellerOrAdmin) -> None:
    """Stop selling a variant (its product's seller or an admin).

    Orders holding it keep their snapshot. The last variant cannot go → 409 `invalidState`.
    """
    await catalog.remove_variant(principal=principal, product_id=product_id, variant_id=variant_id)


@categories.get("")
async def list_categories() -> CategoriesResponse:
    """List the categories.

    Those with at least one active product, by name, with their product counts.
    """
    items = await catalog.list_categories()
    return CategoriesResponse(items=[CategoryResponse.of(item) for item in items])
