"""The fuzzer's configuration excuses a 422 for schema-valid input only where the contract
documents a refusal that depends on meaning, not shape."""

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

from tests.fuzz import CONFIG

# Each documents why in tests/schemathesis.toml.
MEANING_BASED_422 = {
    "GET /api/v1/products",  # a signed cursor; minPrice above maxPrice
    "GET /api/v1/products/{product_id}/reviews",  # a signed cursor
    "GET /api/v1/orders",  # a signed cursor
    "GET /api/v1/users",  # a signed cursor
    "GET /api/v1/admin/events",  # a signed cursor
    "GET /api/v1/webhooks",  # a signed cursor
    "GET /api/v1/webhooks/{webhook_id}/deliveries",  # a signed cursor
    "POST /api/v1/webhooks",  # a URL whose host does not resolve, or resolves inside
    "GET /api/v1/sellers/me/ledger",  # a signed cursor
    "GET /api/v1/sellers/me/payouts",  # a signed cursor
    "GET /api/v1/admin/payouts",  # a signed cursor
    "POST /api/v1/sellers/me/payouts",  # a reused Idempotency-Key
    "POST /api/v1/products",  # variants that do not fit the options; a price with variants
    "PATCH /api/v1/products/{product_id}",  # a price or stock for a product with options
    "POST /api/v1/products/{product_id}/variants",  # a variant that does not fit the options
    "POST /api/v1/orders",  # an unknown product, a product twice, a reused Idempotency-Key
    "POST /api/v1/orders/{order_id}/pay",  # a reused Idempotency-Key
    "POST /api/v1/orders/{order_id}/refunds",  # an item not in the order, a reused key
    "POST /api/v1/carts/{cart_id}/items",  # an unknown product, a 51st line, another currency
    "POST /api/v1/carts/current/merge",  # the cart itself, over 50 lines, another currency
    "POST /api/v1/carts/{cart_id}/checkout",  # an empty cart, lines no longer on sale
    "POST /api/v1/auth/register",  # an email on a special-use domain
    "GET /api/v1/analytics/sellers/me/sales",  # from after to, or over 366 days
    "POST /api/v1/products/{product_id}/images",  # a file that does not decode; 40+ megapixels
}


def test_a_422_for_valid_input_is_a_finding_except_where_the_contract_documents_one() -> None:
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    schema = schemathesis.openapi.from_dict(
        app.openapi(), config=SchemathesisConfig.from_path(str(CONFIG))
    )
    accepted = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        checks = schema.config.checks_config_for(operation=operation, phase="fuzzing")
        accepted[operation.label] = set(checks.positive_data_acceptance.expected_statuses)
    assert {label for label, statuses in accepted.items() if "422" in statuses} == MEANING_BASED_422
    assert all({"2xx", "401", "403", "404", "409"} <= statuses for statuses in accepted.values())
