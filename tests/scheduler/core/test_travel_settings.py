"""The policy's ``[travel]`` table: defaults that change nothing, and clear messages for
settings that cannot work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.policy import Policy, TravelSettings


def test_a_policy_without_a_travel_table_dumps_as_before():
    # The audit record and the inputs hash are built from this dump: no new key, so
    # every default plan stays byte-identical.
    assert "travel" not in Policy().model_dump()
    assert '"travel"' not in Policy().model_dump_json()


def test_a_travel_table_round_trips_through_the_dump():
    policy = Policy.model_validate(
        {
            "travel": {
                "provider": "osrm",
                "url": "http://127.0.0.1:5000",
                "allow_fallback": True,
                "speeds": [{"from": "07:00", "to": "10:00", "speed_kmh": 15}],
            }
        }
    )
    assert Policy.model_validate(policy.model_dump()) == policy
    assert policy.model_dump(mode="json")["travel"]["provider"] == "osrm"


@pytest.mark.parametrize(
    ("travel", "message"),
    [
        ({"provider": "osrm"}, "provider 'osrm' needs a url"),
        ({"provider": "valhalla"}, "provider 'valhalla' needs a url"),
        ({"provider": "google"}, "Input should be 'offline', 'osrm' or 'valhalla'"),
        ({"url": "127.0.0.1:5000"}, "url must be http://HOST"),
        ({"url": "http://h:5000/?key=1"}, "must not have a query"),
        ({"max_table_size": 1}, "greater than or equal to 2"),
        ({"timeout_s": 0}, "greater than 0"),
        ({"speeds": [{"from": "10:00", "to": "07:00", "speed_kmh": 20}]}, "must be after"),
        ({"speeds": [{"from": "07:00", "to": "10:00", "speed_kmh": 0.5}]}, "greater than 1"),
        (
            {
                "speeds": [
                    {"from": "07:00", "to": "10:00", "speed_kmh": 15},
                    {"from": "09:30", "to": "11:00", "speed_kmh": 20},
                ]
            },
            "speed bands 07:00-10:00 and 09:30-11:00 overlap",
        ),
        ({"cache_file": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_travel_settings_say_what_is_wrong(travel, message):
    with pytest.raises(ValidationError, match=message):
        TravelSettings.model_validate(travel)
