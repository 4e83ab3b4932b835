"""HTTP models of the catalog."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue, TypeAdapter

from src.domain.catalog import (
    MAX_LISTED_CATEGORIES,
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductOption,
    ProductSort,
    ProductStatus,
    VariantChanges,
    VariantSpec,
)
from src.domain.catalog.entities import MAX_OPTION_VALUES, MAX_OPTIONS, MAX_VARIANTS
from src.domain.catalog.images import MAX_IMAGES
from src.domain.catalog.rules import MAX_QUERY_LENGTH, MAX_QUERY_WORDS
from src.presentation.rest.images_schemas import IMAGE_EXAMPLE, ImageResponse, MediaLinks
from src.presentation.rest.reviews_schemas import RatingResponse
from src.presentation.rest.schemas import (
    INT64_MAX,
    NO_NUL,
    ApiModel,
    Documented,
    Integer,
    Omitted,
    PageCursor,
    PageLimit,
    PatchModel,
    RequestModel,
    sent_integer,
    sent_text,
    server_default,
    text,
    width,
)

MAX_PRICE: Final = 10**12  # minor units: ten billion in a two-decimal currency
MAX_STOCK: Final = 10**9
MAX_TITLE: Final = 200
MAX_DESCRIPTION: Final = 5000
MAX_CATEGORY: Final = 100
CURRENCY_PATTERN: Final = r"^[A-Z]{3}$"

Title = Annotated[
    str,
    text(MAX_TITLE),
    Field(examples=["Brass desk lamp"]),
]
Description = Annotated[
    str,
    Field(
        max_length=MAX_DESCRIPTION,
        pattern=NO_NUL,
        examples=["A heavy brass lamp with a linen shade."],
    ),
]
Price = Integer[
    Annotated[
        int,
        Field(ge=1, le=MAX_PRICE, description="Minor units (cents)", examples=[4999]),
        width(1, MAX_PRICE),
    ]
]
Currency = Annotated[
    str,
    Field(max_length=3, pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["USD"]),
]
Stock = Integer[Annotated[int, Field(ge=0, le=MAX_STOCK, examples=[12]), width(0, MAX_STOCK)]]
Category = Annotated[
    str,
    text(MAX_CATEGORY),
    Field(examples=["lighting"]),
]
# What a response holds: money as written, currency as checked.
SentPrice = Annotated[int, sent_integer(1, MAX_PRICE)]
SentCurrency = Annotated[str, Documented(minLength=3, maxLength=3, pattern=CURRENCY_PATTERN)]


MAX_OPTION_TEXT: Final = 50
MAX_SKU: Final = 64
OptionText = Annotated[str, text(MAX_OPTION_TEXT)]
Sku = Annotated[
    str,
    text(MAX_SKU),
    Field(description="Unique among the seller's variants", examples=["LAMP-BRASS-L"]),
]
# A variant's choice of options: the option names as the seller wrote them (data: no camelCase).
Chosen = Annotated[
    dict[OptionText, OptionText],
    Field(
        max_length=MAX_OPTIONS,
        description="Option name → value, one for each of the product's options",
        examples=[{"Size": "L"}],
    ),
]


PriceBound = Integer[
    Annotated[
        int, Field(ge=0, le=MAX_PRICE, description="Inclusive, minor units"), width(0, MAX_PRICE)
    ]
]


# The product the API docs show, as listed and as answered.
LAMP: dict[str, JsonValue] = {
    "title": "Brass desk lamp",
    "description": "A heavy brass lamp with a linen shade.",
    "price": 4999,
    "currency": "USD",
    "stock": 12,
    "category": "lighting",
}


LAMP_OPTIONS: list[JsonValue] = [
    {"name": "Size", "values": ["S", "L"]},
    {"name": "Finish", "values": ["Brass", "Black"]},
]
LAMP_VARIANTS: list[JsonValue] = [
    {"sku": "LAMP-S-BRASS", "options": {"Size": "S", "Finish": "Brass"}, "price": 4999, "stock": 5},
    {"sku": "LAMP-L-BRASS", "options": {"Size": "L", "Finish": "Brass"}, "price": 6999, "stock": 7},
]


class ProductOptionModel(RequestModel):
    name: OptionText = Field(description="Unique on the product, ignoring case",
                             examples=["Size"])  # fmt: skip
    values: list[OptionText] = Field(
        min_length=1,
        max_length=MAX_OPTION_VALUES,
        description=f"1 to {MAX_OPTION_VALUES} values, each once (ignoring case)",
        examples=[["S", "M", "L"]],
    )

    def option(self) -> ProductOption:
        return ProductOption(name=self.name, values=tuple(self.values))


class VariantRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LAMP_VARIANTS[1]]})

    sku: Sku
    options: Chosen = Field(default_factory=dict)
    price: Price
    stock: Stock

    def spec(self) -> VariantSpec:
        return VariantSpec(sku=self.sku, options=self.options, price=self.price, stock=self.stock)


class UpdateVariantRequest(PatchModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"price": 5999, "stock": 3}]})

    sku: Sku | Omitted = None
    price: Price | Omitted = None
    stock: Stock | Omitted = None

    def changes(self) -> VariantChanges:
        return VariantChanges(sku=self.sku, price=self.price, stock=self.stock)


class ProductListQuery(ApiModel):
    """What `GET /products` accepts in its query string."""

    q: str | None = Field(
        default=None,
        max_length=MAX_QUERY_LENGTH,
        pattern=NO_NUL,
        description=(
            "Words: a product matches when every word starts a word of its title or"
            " description, ignoring case and accents (`cafe` finds “Café au lait”, `lam`"
            " finds “lamp”, `desk walnut` finds “Walnut desk”). At most 200 characters and"
            f" {MAX_QUERY_WORDS} words (else 422). Blank is the same as no `q`; punctuation"
            " alone holds no word, so it matches no product."
        ),
        examples=["walnut desk"],
    )
    category: str | None = Field(
        default=None, min_length=1, max_length=MAX_CATEGORY, pattern=NO_NUL
    )
    seller_id: UUID | None = None
    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    in_stock: bool = Field(default=False, description="Only products with stock left")
    sort: ProductSort = Field(
        default=ProductSort.NEWEST,
        description=(
            "The order; `-createdAt` by default, `relevance` by default with a `q`."
            " `relevance`: the products whose title holds every word of `q` first, then the"
            " others, each group newest first, then by id (without `q`, every product is in"
            " the first group). Ties are broken by id in the sort's own direction."
        ),
    )
    limit: PageLimit = 20
    cursor: PageCursor = None

    @property
    def chosen_sort(self) -> ProductSort:
        """The sort asked for, else relevance for a search and newest first otherwise."""
        if "sort" in self.model_fields_set or not (self.q and self.q.strip()):
            return self.sort
        return ProductSort.RELEVANCE

    def product_filter(self) -> ProductFilter:
        return ProductFilter(
            q=self.q,
            category=self.category,
            seller_id=self.seller_id,
            min_price=self.min_price,
            max_price=self.max_price,
            in_stock=self.in_stock,
        )


class CreateProductRequest(RequestModel):
    """A product with a price and stock of its own; or with `options` and the `variants` it
    sells (then `price` and `stock` are left out: they come from the variants)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                LAMP,
                {
                    **{key: LAMP[key] for key in ("title", "description", "currency", "category")},
                    "options": LAMP_OPTIONS,
                    "variants": LAMP_VARIANTS,
                },
            ]
        }
    )

    title: Title
    description: Description = server_default("", "Any text, up to 5000 characters.")
    price: Price | Omitted = Field(default=None, description="Required without `variants`")
    currency: Currency = server_default("USD", "ISO 4217 code.")
    stock: Stock | Omitted = Field(default=None, description="Required without `variants`")
    category: Category
    options: list[ProductOptionModel] = Field(
        default_factory=list,
        max_length=MAX_OPTIONS,
        description=f"Up to {MAX_OPTIONS} ways the product comes; then `variants` is required",
    )
    variants: list[VariantRequest] = Field(
        default_factory=list,
        max_length=MAX_VARIANTS,
        description=f"The combinations sold (up to {MAX_VARIANTS}), each choosing a value of "
        "every option, none twice, SKUs unique; without options, at most one, choosing nothing",
    )


class UpdateProductRequest(PatchModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"price": 3999, "stock": 0}]})

    title: Title | Omitted = None
    description: Description | Omitted = None
    price: Price | Omitted = None
    currency: Currency | Omitted = None
    stock: Stock | Omitted = None
    category: Category | Omitted = None

    def changes(self) -> ProductChanges:
        """What changes; `price` and `stock` only on a product without options."""
        return ProductChanges(
            title=self.title,
            description=self.description,
            price=self.price,
            currency=self.currency,
            stock=self.stock,
            category=self.category,
        )


SentOptionText = Annotated[str, sent_text(MAX_OPTION_TEXT)]
SentChosen = Annotated[dict[SentOptionText, SentOptionText], Documented(maxProperties=MAX_OPTIONS)]


class ProductOptionResponse(ApiModel):
    name: Annotated[str, sent_text(MAX_OPTION_TEXT)] = Field(examples=["Size"])
    values: Annotated[
        list[Annotated[str, sent_text(MAX_OPTION_TEXT)]],
        Documented(minItems=1, maxItems=MAX_OPTION_VALUES),
    ] = Field(examples=[["S", "L"]])


class VariantResponse(ApiModel):
    id: UUID
    sku: Annotated[str, sent_text(MAX_SKU)] = Field(examples=["LAMP-L-BRASS"])
    options: SentChosen = Field(
        description="Option name → value; empty for a product without options",
        examples=[{"Size": "L", "Finish": "Brass"}],
    )
    price: SentPrice = Field(description="Minor units", examples=[6999])
    stock: Annotated[int, sent_integer(0, MAX_STOCK)] = Field(examples=[7])


class ProductResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "492af436-1319-5c6f-bebf-63edb2364066",
                    "sellerId": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                    **LAMP,
                    "status": "active",
                    "createdAt": "2026-11-22T17:00:24.934934Z",
                    "updatedAt": "2026-11-22T17:05:00.000000Z",
                    "rating": {"average": 4.33, "count": 3},
                    "options": [],
                    "variants": [
                        {
                            "id": "492af436-1319-5c6f-bebf-63edb2364066",
                            "sku": "492af43613195c6fbebf63edb2364066",
                            "options": {},
                            "price": 4999,
                            "stock": 12,
                        }
                    ],
                    "images": [IMAGE_EXAMPLE],
                }
            ]
        }
    )

    id: UUID
    seller_id: UUID
    title: Annotated[str, sent_text(MAX_TITLE)] = Field(examples=["Brass desk lamp"])
    description: Annotated[str, sent_text(MAX_DESCRIPTION, min_length=0)]
    price: SentPrice = Field(description="Minor units (cents)", examples=[4999])
    currency: SentCurrency = Field(examples=["USD"])
    stock: Annotated[int, sent_integer(0, MAX_STOCK)] = Field(examples=[12])
    category: Annotated[str, sent_text(MAX_CATEGORY)] = Field(examples=["lighting"])
    status: ProductStatus
    created_at: datetime
    updated_at: datetime
    rating: RatingResponse = Field(description="Its reviews' average and count")
    options: Annotated[list[ProductOptionResponse], Documented(maxItems=MAX_OPTIONS)] = Field(
        description="The ways it comes; empty for a product without options"
    )
    variants: Annotated[list[VariantResponse], Documented(minItems=1, maxItems=MAX_VARIANTS)] = (
        Field(
            description="What is sold, in the seller's order: `price` is their lowest price and "
            "`stock` their total. Without options, exactly one, choosing nothing"
        )
    )

    images: Annotated[list[ImageResponse], Documented(maxItems=MAX_IMAGES)] = Field(
        description="Its pictures, in upload order"
    )

    @classmethod
    def of(cls, product: Product, links: MediaLinks) -> "ProductResponse":
        return cls.many((product,), links)[0]

    @classmethod
    def many(cls, products: Sequence[Product], links: MediaLinks) -> list["ProductResponse"]:
        """The responses for products, validated in one call.

        Each product's fields are passed as they are (`vars`): the names match, and pydantic
        turns the status into its string. A page of 20 costs half of validating each alone.
        """
        return _PRODUCT_RESPONSES.validate_python(
            [
                vars(product)
                | {
                    "rating": {"average": rating.average, "count": rating.count},
                    "options": [vars(option) for option in product.options],
                    "variants": [vars(variant) for variant in product.variants],
                    "images": [
                        ImageResponse.fields(image, links(image.key)) for image in product.images
                    ],
                }
                for product in products
                for rating in (product.rating,)
            ]
        )


_PRODUCT_RESPONSES = TypeAdapter(list[ProductResponse])


class CategoryResponse(ApiModel):
    name: Annotated[str, sent_text(MAX_CATEGORY)] = Field(examples=["lighting"])
    product_count: Annotated[int, sent_integer(1, INT64_MAX)] = Field(
        description="Active products, in stock or not", examples=[42]
    )

    @classmethod
    def of(cls, category: CategorySummary) -> "CategoryResponse":
        return cls(name=category.name, product_count=category.product_count)


class CategoriesResponse(ApiModel):
    items: Annotated[list[CategoryResponse], Documented(maxItems=MAX_LISTED_CATEGORIES)] = Field(
        description="Every category with an active product, by name; not paginated, so at "
        f"most the first {MAX_LISTED_CATEGORIES:,}"
    )
