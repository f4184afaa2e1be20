"""Where a register row is when it gives a postcode or an address instead of coordinates.

Postcodes are located offline from the local index (:mod:`scheduler.io.postcodes`), all of
a file's at once. Addresses are geocoded only through a geocoder the user configured
(:mod:`scheduler.io.geocode`); without one an address is refused, never sent anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models import Location
from scheduler.io.fields import FieldError
from scheduler.io.postcodes import (
    Found,
    PostcodeError,
    PostcodeIndex,
    default_index_path,
    normalise_postcode,
    postcode_key,
    problem_text,
)


class AddressGeocoder(Protocol):
    """What the loaders need of a geocoder: a centroid for an address, or None."""

    def locate(self, address: str) -> tuple[float, float] | None: ...


@dataclass
class Locator:
    """Locates rows by postcode or address. ``index`` may be an index, the path of one, or
    None for the default place; it is opened only when a row gives a postcode."""

    index: PostcodeIndex | Path | None = None
    geocoder: AddressGeocoder | None = None
    _found: dict[str, tuple[Found, float, float, int]] = field(default_factory=dict)
    _index_error: str | None = None

    def _open(self) -> PostcodeIndex | None:
        if isinstance(self.index, PostcodeIndex):
            return self.index
        if self._index_error is not None:
            return None
        try:
            self.index = PostcodeIndex.load(self.index or default_index_path())
        except PostcodeError as exc:
            self._index_error = str(exc)
            return None
        return self.index

    def prepare(self, postcodes: Iterable[str]) -> str | None:
        """Look up every postcode a file gives in one vectorised pass; the reason when no
        index can be opened for them."""
        wanted = sorted({k for p in postcodes if (k := postcode_key(p)) and k not in self._found})
        if not wanted:
            return None
        index = self._open()
        if index is None:
            return f"postcodes given but {self._index_error}"
        result = index.lookup(wanted)
        for i, key in enumerate(wanted):
            self._found[key] = (
                result.found[i],
                float(result.lat[i]),
                float(result.lon[i]),
                int(result.terminated[i]),
            )
        return None

    def postcode(self, field_name: str, text: str) -> Location:
        """The centroid of ``text``'s postcode; a :class:`FieldError` in plain words if it
        is malformed, unknown, terminated or has no grid reference."""
        key = postcode_key(text)
        if key is None:
            raise FieldError(field_name, problem_text(Found.MALFORMED, text))
        if key not in self._found:
            self.prepare([text])
        if key not in self._found:
            raise FieldError(field_name, f"cannot be located: {self._index_error}")
        found, lat, lon, term = self._found[key]
        if found is not Found.OK:
            shown = normalise_postcode(text) or text
            raise FieldError(field_name, problem_text(found, shown, term))
        try:
            return Location(lat=lat, lon=lon)
        except ValueError:
            raise FieldError(field_name, f"{text}: centroid outside the UK") from None

    def address(self, field_name: str, text: str) -> Location:
        """The geocoded address; refused unless the user configured a geocoder. The
        message never repeats the address (it may be logged)."""
        if self.geocoder is None:
            raise FieldError(
                field_name,
                "addresses are not geocoded unless you configure a geocoder (--geocoder URL; "
                "the address is then sent to it); give postcode, or lat and lon",
            )
        point = self.geocoder.locate(text)
        if point is None:
            raise FieldError(field_name, "the geocoder found no match for this address")
        try:
            return Location(lat=point[0], lon=point[1])
        except ValueError:
            raise FieldError(
                field_name, "the geocoder placed this address outside the UK"
            ) from None
