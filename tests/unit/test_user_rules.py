"""Account rules, without a database."""

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.users import Principal, Role
from src.domain.users.rules import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    can_see_user,
    check_email,
    check_password,
    check_self_service_role,
    ensure_admin,
    normalize_email,
)
from src.infrastructure.errors import Forbidden, ValidationFailed


@given(st.text(min_size=MIN_PASSWORD_LENGTH, max_size=MAX_PASSWORD_LENGTH))
def test_passwords_of_allowed_length_are_accepted(password: str) -> None:
    check_password(password)


@pytest.mark.parametrize("length", [0, 1, MIN_PASSWORD_LENGTH - 1, MAX_PASSWORD_LENGTH + 1])
def test_passwords_too_short_or_too_long_are_refused_naming_the_field(length: int) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_password("x" * length)
    assert raised.value.errors[0].loc == ("body", "password")


@pytest.mark.parametrize("role", [Role.BUYER, Role.SELLER])
def test_buyers_and_sellers_may_register_themselves(role: Role) -> None:
    check_self_service_role(role)


def test_nobody_registers_as_admin() -> None:
    with pytest.raises(ValidationFailed):
        check_self_service_role(Role.ADMIN)


def test_emails_compare_trimmed_and_case_insensitively() -> None:
    assert normalize_email("  Ada@Example.COM ") == normalize_email("ada@example.com")


@pytest.mark.parametrize("role", [Role.BUYER, Role.SELLER])
def test_only_admins_pass_the_admin_check(role: Role) -> None:
    ensure_admin(Principal(user_id=uuid4(), role=Role.ADMIN))
    with pytest.raises(Forbidden):
        ensure_admin(Principal(user_id=uuid4(), role=role))


def test_a_user_sees_their_own_account_and_admins_see_all() -> None:
    me, other = uuid4(), uuid4()
    assert can_see_user(Principal(user_id=me, role=Role.BUYER), me)
    assert not can_see_user(Principal(user_id=me, role=Role.SELLER), other)
    assert can_see_user(Principal(user_id=me, role=Role.ADMIN), other)


def test_emails_are_checked_and_their_domain_lower_cased() -> None:
    assert check_email(" Ada@Example.COM ") == "Ada@example.com"
    with pytest.raises(ValidationFailed):
        check_email("not-an-email")
