"""GET /api/v1/contribution: the contribution calculator of the public API, and its errors."""

import pytest

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/contribution"


@pytest.fixture(autouse=True)
def _tariff(reference_data):
    """The standard tariff the endpoint reads."""


def get(client, language="en", **params):
    return client.get(URL, params, HTTP_ACCEPT_LANGUAGE=language)


def field_errors(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "invalid_parameters"
    return body["error"]["fields"][field]


# --- Answers ---------------------------------------------------------------------------------


def test_example_b_gives_jkk_jkm_and_total_in_whole_rupiah(client):
    response = get(client, contract_value="750000000")

    assert response.status_code == 200
    assert response.json() == {
        "contract_value": 750_000_000,
        "base_value": 750_000_000,
        "jkk": 1_215_000,
        "jkm": 160_000,
        "total": 1_375_000,
        "tariff": "Tarif iuran JKK-JKM jasa konstruksi (1999-01-01)",
        "slices": [
            {
                "lower": 0,
                "upper": 100_000_000,
                "amount": 100_000_000,
                "jkk_rate": "0.21",
                "jkm_rate": "0.03",
            },
            {
                "lower": 100_000_000,
                "upper": 500_000_000,
                "amount": 400_000_000,
                "jkk_rate": "0.17",
                "jkm_rate": "0.02",
            },
            {
                "lower": 500_000_000,
                "upper": 1_000_000_000,
                "amount": 250_000_000,
                "jkk_rate": "0.13",
                "jkm_rate": "0.02",
            },
        ],
        "registration_due_on": None,
    }


def test_with_the_spk_and_start_dates_it_gives_the_registration_deadline(client):
    body = get(client, contract_value="750000000", spk_date="2026-03-02", start_date="2026-04-01")
    # 14 working days after Monday 2 March 2026: 11 from 3 to 17 March, then Nyepi (19) and
    # the cuti bersama of 18, 20, 23 and 24 March are skipped: 25, 26, 27 March.
    assert body.json()["registration_due_on"] == "2026-03-27"


def test_a_start_before_the_spk_gives_no_deadline_rather_than_an_error(client):
    body = get(client, contract_value="750000000", spk_date="2026-03-02", start_date="2026-03-01")
    assert body.json()["registration_due_on"] is None


def test_example_d_with_ppn_is_computed_on_the_value_before_ppn(client):
    body = get(client, contract_value="832.500.000", includes_ppn="true", ppn_rate="11").json()

    assert (body["contract_value"], body["base_value"], body["total"]) == (
        832_500_000,
        750_000_000,
        1_375_000,
    )


def test_the_ppn_rate_defaults_to_11_percent(client):
    assert get(client, contract_value="832500000", includes_ppn="true").json()["base_value"] == (
        750_000_000
    )


def test_another_ppn_rate_can_be_given(client):
    assert (
        get(client, contract_value="112", includes_ppn="yes", ppn_rate="12").json()["base_value"]
        == 100
    )


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("false", 832_500_000),
        ("0", 832_500_000),
        ("no", 832_500_000),
        ("", 832_500_000),
        ("TRUE", 750_000_000),
        ("1", 750_000_000),
    ],
)
def test_includes_ppn_reads_true_false_yes_no_1_and_0(client, word, base):
    assert get(client, contract_value="832500000", includes_ppn=word).json()["base_value"] == base


@pytest.mark.parametrize(
    "value", ["Rp 12.500.000.000,00", "12,500,000,000", "12500000000", "Rp12.500.000.000"]
)
def test_the_contract_value_may_be_written_the_indonesian_or_the_english_way(client, value):
    body = get(client, contract_value=value).json()

    assert (body["jkk"], body["jkm"], body["total"]) == (12_690_000, 1_360_000, 14_050_000)


def test_a_value_with_sen_is_reported_in_whole_rupiah_rounded_half_up(client):
    body = get(client, contract_value="75.000.000,50").json()

    assert (body["contract_value"], body["base_value"]) == (75_000_001, 75_000_001)


def test_the_spk_date_chooses_the_tariff(client):
    response = get(client, contract_value="75000000", spk_date="2026-03-02")

    assert response.status_code == 200
    assert response.json()["total"] == 180_000


def test_the_calculator_needs_no_login(client):
    assert get(client, contract_value="75000000").status_code == 200


# --- 400s with one error shape --------------------------------------------------------------------


def test_a_missing_contract_value_is_a_400_with_the_error_shape(client):
    response = get(client)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": {
            "code": "invalid_parameters",
            "message": "Invalid parameters: contract_value.",
            "fields": {"contract_value": ["Give the contract value in rupiah."]},
        }
    }


def test_an_empty_contract_value_is_missing_too(client):
    assert field_errors(get(client, contract_value=""), "contract_value") == [
        "Give the contract value in rupiah."
    ]


@pytest.mark.parametrize("value", ["abc", "12abc", "1e9", "1.000,123"])
def test_a_contract_value_that_is_not_an_amount_is_a_400(client, value):
    assert field_errors(get(client, contract_value=value), "contract_value") == [
        "Enter an amount in rupiah, for example 1.250.000.000."
    ]


def test_a_zero_contract_value_is_a_400(client):
    assert field_errors(get(client, contract_value="0"), "contract_value") == [
        "Ensure this value is greater than or equal to 1."
    ]


@pytest.mark.parametrize("value", ["-5", "-750.000.000", "-Rp750.000.000"])
def test_a_negative_contract_value_is_a_400_that_says_so(client, value):
    assert field_errors(get(client, contract_value=value), "contract_value") == [
        "An amount cannot be negative."
    ]


def test_a_contract_value_of_16_whole_digits_is_the_largest_accepted(client):
    response = get(client, contract_value="9.999.999.999.999.999,99")

    assert response.status_code == 200
    assert response.json()["contract_value"] == 10_000_000_000_000_000


def test_a_contract_value_beyond_16_whole_digits_is_a_400(client):
    errors = field_errors(get(client, contract_value="100.000.000.000.000.000"), "contract_value")

    assert errors == ["Ensure that there are no more than 16 digits before the decimal point."]


def test_includes_ppn_maybe_is_a_400(client):
    assert field_errors(
        get(client, contract_value="1000", includes_ppn="maybe"), "includes_ppn"
    ) == ["Use true or false."]


def test_a_ppn_rate_that_is_not_a_number_is_a_400(client):
    assert field_errors(get(client, contract_value="1000", ppn_rate="abc"), "ppn_rate") == [
        "Enter a number."
    ]


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("150", "Ensure this value is less than or equal to 100."),
        ("-1", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_ppn_rate_outside_0_to_100_is_a_400(client, rate, message):
    assert field_errors(get(client, contract_value="1000", ppn_rate=rate), "ppn_rate") == [message]


def test_a_malformed_spk_date_is_a_400(client):
    assert field_errors(get(client, contract_value="1000", spk_date="02-03-2026"), "spk_date") == [
        "Enter a valid date."
    ]


def test_an_spk_date_before_any_tariff_is_a_400_not_a_server_error(client):
    response = get(client, contract_value="1000", spk_date="1990-01-01")

    assert field_errors(response, "spk_date") == [
        "No contribution tariff is in force on 1990-01-01."
    ]


def test_every_wrong_parameter_is_reported_at_once(client):
    response = get(client, contract_value="abc", includes_ppn="maybe", ppn_rate="150")

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"contract_value", "includes_ppn", "ppn_rate"}
    assert error["message"] == "Invalid parameters: contract_value, includes_ppn, ppn_rate."


# --- Languages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"contract_value": "abc"},
        {"contract_value": "0"},
        {"contract_value": "-5"},
        {"contract_value": "1000", "includes_ppn": "maybe"},
        {"contract_value": "1000", "ppn_rate": "abc"},
        {"contract_value": "1000", "ppn_rate": "150"},
    ],
)
def test_errors_come_in_indonesian_by_default_with_the_same_shape(client, params):
    response = client.get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameters"
    assert isinstance(error["message"], str) and error["message"]
    assert all(
        isinstance(message, str) and message
        for messages in error["fields"].values()
        for message in messages
    )


def test_djangos_own_messages_are_already_indonesian(client):
    indonesian = field_errors(get(client, "id", contract_value="1000", ppn_rate="150"), "ppn_rate")
    english = field_errors(get(client, "en", contract_value="1000", ppn_rate="150"), "ppn_rate")

    assert english == ["Ensure this value is less than or equal to 100."]
    assert indonesian != english
    assert "100" in indonesian[0]


def test_accept_language_en_gives_english_messages(client):
    response = client.get(URL, {"contract_value": "0"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.json()["error"]["fields"]["contract_value"] == [
        "Ensure this value is greater than or equal to 1."
    ]


# --- The OpenAPI schema -------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_calculator_and_its_400(client):
    response = client.get("/api/v1/schema")

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/contribution"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "contract_value",
        "includes_ppn",
        "ppn_rate",
        "spk_date",
    }
    assert {"200", "400"} <= set(operation["responses"])
