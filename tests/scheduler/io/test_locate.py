"""Where a register row is when it gives a postcode or an address: postcodes located from
the index (opened only when a row gives one), every failure in plain words; addresses
refused unless a geocoder is configured, and never repeated in a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.postcode_sample import SAMPLE
from models import Location
from scheduler.io.fields import FieldError
from scheduler.io.locate import Locator
from scheduler.io.postcodes import Centroid, PostcodeIndex, build_index

ADDRESS = "12 Acacia Avenue, Croydon"


@pytest.fixture(scope="module")
def index() -> PostcodeIndex:
    return PostcodeIndex.from_centroids(
        [
            Centroid("CR02RY", 51.3762, -0.0982),
            Centroid("CR03QE", 51.3, -0.14, terminated=201906),
            Centroid("CR52AN", float("nan"), float("nan")),
            Centroid("CR99ZZ", 48.8566, 2.3522),  # a broken centroid: Paris
        ]
    )


class FixedGeocoder:
    """Answers every address with the same point, and remembers what it was asked."""

    def __init__(self, point: tuple[float, float] | None):
        self.point = point
        self.asked: list[str] = []

    def locate(self, address: str) -> tuple[float, float] | None:
        self.asked.append(address)
        return self.point


def test_postcode_gives_its_centroid(index: PostcodeIndex) -> None:
    home = Locator(index).postcode("postcode", "cr0 2ry")
    assert (home.lat, home.lon) == pytest.approx((51.3762, -0.0982), abs=1e-5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CR0", "'CR0' is not a UK postcode (expected e.g. 'CR0 2RY'"),
        ("ZZ9 9ZZ", "ZZ9 9ZZ is not in the postcode index; check it, or give lat and lon"),
        ("cr03qe", "CR0 3QE was terminated in 2019-06; confirm the current address"),
        ("CR5 2AN", "CR5 2AN has no grid reference in the postcode directory; give lat and lon"),
        ("CR9 9ZZ", "CR9 9ZZ: centroid outside the UK"),
    ],
    ids=["malformed", "unknown", "terminated", "no grid reference", "outside the UK"],
)
def test_postcode_that_cannot_be_located(index: PostcodeIndex, text: str, message: str) -> None:
    with pytest.raises(FieldError) as info:
        Locator(index).postcode("base_postcode", text)
    assert info.value.field == "base_postcode"
    assert str(info.value).startswith(message)


def test_prepare_looks_up_all_postcodes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.npz"
    build_index([SAMPLE]).save(path)
    locator = Locator(path)  # a path: opened on first use
    assert locator.prepare(["CR5 6JR", "cr5 3bl", "not one"]) is None
    assert isinstance(locator.index, PostcodeIndex)
    path.unlink()  # already looked up: the file is not read again
    assert locator.postcode("postcode", "CR5 6JR").lat == pytest.approx(51.301503, abs=1e-5)


def test_missing_index_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "none.npz"
    locator = Locator(path)
    reason = locator.prepare(["CR0 2RY", "CR5 6JR"])
    assert reason == (
        f"postcodes given but {path}: no postcode index here; build one with "
        "'rota postcodes import ONSPD.csv' (or give lat and lon)"
    )
    with pytest.raises(FieldError) as info:
        locator.postcode("postcode", "CR0 2RY")
    assert str(info.value).startswith("cannot be located: ")


def test_index_is_not_opened_without_postcodes(tmp_path: Path) -> None:
    locator = Locator(tmp_path / "none.npz")
    assert locator.prepare([]) is None
    assert locator.prepare(["not a postcode"]) is None  # malformed: reported per row
    assert locator.index == tmp_path / "none.npz"


def test_address_without_a_geocoder_is_refused_without_repeating_it() -> None:
    with pytest.raises(FieldError) as info:
        Locator().address("address", ADDRESS)
    assert info.value.field == "address"
    assert "--geocoder URL" in str(info.value)
    assert "give postcode, or lat and lon" in str(info.value)
    assert "acacia" not in str(info.value).lower()


def test_address_with_a_geocoder_is_located() -> None:
    geocoder = FixedGeocoder((51.3762, -0.0982))
    assert Locator(geocoder=geocoder).address("address", ADDRESS) == Location(
        lat=51.3762, lon=-0.0982
    )
    assert geocoder.asked == [ADDRESS]


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (None, "the geocoder found no match for this address"),
        ((48.8566, 2.3522), "the geocoder placed this address outside the UK"),
    ],
)
def test_address_the_geocoder_cannot_place(point, message: str) -> None:
    with pytest.raises(FieldError) as info:
        Locator(geocoder=FixedGeocoder(point)).address("address", ADDRESS)
    assert str(info.value) == message
