"""Catalog rules: who may sell, who may change a product, what a listing may ask."""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from uuid import UUID, uuid4

from src.domain.catalog.entities import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Product,
    ProductChanges,
    ProductFilter,
    ProductOption,
    ProductStatus,
    Variant,
    VariantSpec,
)
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed

SELLING_ROLES = frozenset({Role.SELLER, Role.ADMIN})
# Categories are listed whole (a small bounded collection): at most this many, the first by
# name, so that the answer stays bounded whatever sellers type.
MAX_LISTED_CATEGORIES = 10_000


def ensure_can_sell(principal: Principal) -> None:
    """Sellers and admins list products; buyers do not."""
    if principal.role not in SELLING_ROLES:
        raise Forbidden("Only sellers and admins can list products")


def ensure_visible(product: Product | None) -> Product:
    """The product if the public may see it; archived and unknown ones are not found."""
    if product is None or product.status is not ProductStatus.ACTIVE:
        raise NotFound("No such product")
    return product


def ensure_can_manage(principal: Principal, product: Product) -> None:
    """A product is changed by its seller or an admin."""
    if principal.role is not Role.ADMIN and principal.user_id != product.seller_id:
        raise Forbidden("Only the product's seller or an admin can change it")


def check_filter(product_filter: ProductFilter) -> None:
    """A price range must not be upside down; `q` holds at most ten words."""
    low, high = product_filter.min_price, product_filter.max_price
    if low is not None and high is not None and low > high:
        raise ValidationFailed(
            "minPrice is greater than maxPrice",
            errors=[FieldError(("query", "minPrice"), "must not be greater than maxPrice")],
        )
    asked = len(_all_words(product_filter.q or ""))
    if asked > MAX_QUERY_WORDS:
        raise ValidationFailed(
            f"q has {asked} words, at most {MAX_QUERY_WORDS} are allowed",
            errors=[FieldError(("query", "q"), f"must hold at most {MAX_QUERY_WORDS} words")],
        )


# ---------------------------------------------------------------- search

# `q` is at most this long and this many words (API.md, "Search").
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
# Indexed words are cut to this length (a word of PostgreSQL's full-text search must stay
# under 2 KiB); no word of a `q` is longer, so a cut word still matches every prefix asked.
MAX_WORD_LENGTH = MAX_QUERY_LENGTH
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text` as search sees them: runs of letters and digits, case-folded,
    with accents removed (`Café` → `cafe`, `Straße` → `strasse`), each once, in order.

    Both databases index these words, and a query is made of them, so SQLite and PostgreSQL
    agree on what a word is, and tests have an oracle in plain Python.
    """
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in _all_words(text)))


def _all_words(text: str) -> list[str]:
    # Folded after decomposing too: compatibility forms may decompose to capitals (ℌ → H).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return _WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)))


def search_title(title: str) -> str:
    """The words of a title, as the search index stores them (space-separated)."""
    return " ".join(words(title))


def search_text(title: str, description: str) -> str:
    """The words of a title and description, as the search index stores them."""
    return " ".join(words(f"{title}\n{description}"))


def query_words(q: str | None) -> tuple[str, ...] | None:
    """The words a listing's `q` asks for; None when it asks for none (no `q`, or only
    spaces). A `q` of punctuation alone asks for words no product has: `()`."""
    if q is None or not q.strip():
        return None
    return tuple(words(q))


def matches_words(wanted: Sequence[str], have: Sequence[str]) -> bool:
    """Whether every wanted word starts one of the words a product has (the search rule);
    asking for no word (a `q` of punctuation alone) finds nothing."""
    return bool(wanted) and all(any(word.startswith(prefix) for word in have) for prefix in wanted)


def title_key(title: str) -> str:
    """What the title sort orders by: the case-folded title."""
    return title.casefold()


# ---------------------------------------------------------------- options and variants


def _names(options: Sequence[ProductOption]) -> list[str]:
    return [option.name for option in options]


def check_options(options: Sequence[ProductOption]) -> None:
    """Up to three options, their names unique (ignoring case), each value once per option."""
    errors = []
    if len(options) > MAX_OPTIONS:
        errors.append(FieldError(("body", "options"), f"at most {MAX_OPTIONS} options"))
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option.name.casefold() in seen:
            errors.append(FieldError(("body", "options", index, "name"), "named twice"))
        seen.add(option.name.casefold())
        if len({value.casefold() for value in option.values}) != len(option.values):
            errors.append(FieldError(("body", "options", index, "values"), "a value twice"))
    if errors:
        raise ValidationFailed("The product's options are not valid", errors=errors)


def variant_errors(
    options: Sequence[ProductOption], chosen: Mapping[str, str], location: tuple[str | int, ...]
) -> list[FieldError]:
    """What is wrong with a variant's choice of options: every option chosen, each from its
    values, nothing else named."""
    values = {option.name: option.values for option in options}
    errors = [
        FieldError((*location, name), "no such option") for name in chosen if name not in values
    ]
    errors += [
        FieldError((*location, name), "a value this option does not have")
        for name, value in chosen.items()
        if name in values and value not in values[name]
    ]
    errors += [
        FieldError((*location, name), "the variant must choose this option")
        for name in _names(options)
        if name not in chosen
    ]
    return errors


def combination(chosen: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    """What tells two variants apart: the values they choose (in any key order)."""
    return frozenset(chosen.items())


def check_variants(options: Sequence[ProductOption], specs: Sequence[VariantSpec]) -> None:
    """A new product's variants: 1 to 100, each a valid choice of its options, no combination
    or SKU twice. Without options there is exactly one, which chooses nothing."""
    if not 1 <= len(specs) <= MAX_VARIANTS:
        raise ValidationFailed(
            f"A product has 1 to {MAX_VARIANTS} variants",
            errors=[FieldError(("body", "variants"), f"must hold 1 to {MAX_VARIANTS} variants")],
        )
    errors: list[FieldError] = []
    combinations: set[frozenset[tuple[str, str]]] = set()
    skus: set[str] = set()
    for index, spec in enumerate(specs):
        location = ("body", "variants", index)
        errors += variant_errors(options, spec.options, (*location, "options"))
        if combination(spec.options) in combinations:
            errors.append(FieldError((*location, "options"), "the same combination twice"))
        combinations.add(combination(spec.options))
        if spec.sku in skus:
            errors.append(FieldError((*location, "sku"), "the same SKU twice"))
        skus.add(spec.sku)
    if errors:
        raise ValidationFailed("The product's variants are not valid", errors=errors)


def check_new_variant(product: Product, spec: VariantSpec) -> None:
    """A variant added to a product: only one with options, choosing a combination it does
    not sell yet, while it has fewer than 100."""
    if not product.options:
        raise Conflict(
            "A product without options has exactly one variant; change that one instead",
            code="invalidState",
        )
    errors = variant_errors(product.options, spec.options, ("body", "options"))
    if not errors and any(
        combination(each.options) == combination(spec.options) for each in product.variants
    ):
        errors.append(FieldError(("body", "options"), "this combination is sold already"))
    if errors:
        raise ValidationFailed("The variant is not valid for this product", errors=errors)
    if len(product.variants) >= MAX_VARIANTS:
        raise Conflict(f"A product has at most {MAX_VARIANTS} variants", code="tooManyVariants")


def ensure_variant(product: Product, variant_id: UUID) -> Variant:
    """The product's variant, or not found."""
    variant = product.variant(variant_id)
    if variant is None:
        raise NotFound("No such variant of this product")
    return variant


def ensure_removable(product: Product) -> None:
    """A product keeps at least one variant."""
    if len(product.variants) <= 1:
        raise Conflict("A product's last variant cannot be removed", code="invalidState")


def check_product_changes(product: Product, changes: ProductChanges) -> None:
    """A product with options takes its price and stock from its variants: they are read-only."""
    if not product.options:
        return
    errors = [
        FieldError(("body", name), "read-only: set it on the product's variants")
        for name in ("price", "stock")
        if getattr(changes, name) is not None
    ]
    if errors:
        raise ValidationFailed("This product's price and stock come from its variants",
                               errors=errors)  # fmt: skip


def summary(variants: Sequence[Variant]) -> tuple[int, int]:
    """A product's own price and stock, from its variants: the lowest price, the total stock."""
    return min(variant.price for variant in variants), sum(variant.stock for variant in variants)


def new_variants(
    product_id: UUID,
    *,
    price: int | None,
    stock: int | None,
    options: Sequence[ProductOption],
    specs: Sequence[VariantSpec],
) -> list[Variant]:
    """A new product's variants: those the seller gave, or, with none given, the one that
    follows the product's own price and stock. Price and stock come from one or the other."""
    if specs:
        sent = [name for name, value in (("price", price), ("stock", stock)) if value is not None]
        if sent:
            raise ValidationFailed(
                "A product with variants takes its price and stock from them",
                errors=[FieldError(("body", name), "not sent with variants") for name in sent],
            )
        # Without options, the one variant's id is the product's own, as for any product.
        if not options and len(specs) == 1:
            return [Variant(id=product_id, **specs[0].model_dump())]
        return [Variant(id=uuid4(), **spec.model_dump()) for spec in specs]
    if price is None or stock is None or options:
        missing = [
            ("body", name) for name, value in (("price", price), ("stock", stock)) if value is None
        ]
        if options:
            missing.append(("body", "variants"))
        raise ValidationFailed(
            "Give the product a price and stock, or its variants",
            errors=[FieldError(location, "required") for location in missing],
        )
    return [Variant(id=product_id, sku=product_id.hex, options={}, price=price, stock=stock)]
