"""One French phone number, however it is written, is one number: for the caps and code
limits of appointments, the SMS destination, and the people search."""

import pytest

from relais.core.models import is_mobile
from relais.core.text import phone_digits
from relais.notifications.channels import international


@pytest.mark.parametrize(
    "written",
    [
        "06 11 22 33 44",
        "0611223344",
        "06.11.22.33.44",
        "+33 6 11 22 33 44",
        "+33611223344",
        "0033 6 11 22 33 44",
        "0033611223344",
        "+33 (0)6 11 22 33 44",
        "0033 (0)6 11 22 33 44",
        "33 6 11 22 33 44",
    ],
)
def test_every_spelling_of_one_number_gives_its_national_form(written):
    assert phone_digits(written) == "0611223344"
    assert international(written) == "+33611223344"
    assert is_mobile(written)


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("", ""),
        ("2233", "2233"),  # the end of a number, typed in a search
        ("06 11", "0611"),
        ("01 47 00 00 00", "0147000000"),
        ("+32 2 123 45 67", "3221234567"),  # abroad: kept as typed
    ],
)
def test_other_numbers_and_parts_keep_their_digits(written, digits):
    assert phone_digits(written) == digits


def test_the_search_finds_a_number_written_the_international_way(db):
    from relais.core.models import Person
    from relais.core.selectors import people_matching

    person = Person.objects.create(last_name="Martin", first_name="Lou", phone="0033 (0)6 98 76 54 31")
    assert list(people_matching("0698765431")) == [person]
    assert list(people_matching("06 98 76 54 31")) == [person]
