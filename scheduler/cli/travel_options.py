"""The travel options commands share (``--travel``, ``--travel-url``, ``--travel-fallback``
and the older ``--osrm-url``): on top of the policy's ``[travel]`` table, into a policy
and the travel model to plan with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from pydantic import ValidationError

from models import Policy
from models.policy import TravelSettings
from scheduler.core.roads import travel_for
from scheduler.core.travel import TravelModel


def travel_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the travel options to a command (parameters ``travel_provider``,
    ``travel_url``, ``travel_fallback``, ``osrm_url``)."""
    fn = click.option(
        "--osrm-url",
        metavar="URL",
        help="Same as --travel osrm --travel-url URL (kept for older scripts).",
    )(fn)
    fn = click.option(
        "--travel-fallback",
        is_flag=True,
        default=None,
        help="If the routing server fails, plan with the offline estimate (with a "
        "warning) instead of stopping.",
    )(fn)
    fn = click.option(
        "--travel-url",
        metavar="URL",
        help="Routing server you run, e.g. http://127.0.0.1:5000 (offenders' coordinates "
        "are sent to it).",
    )(fn)
    return click.option(
        "--travel",
        "travel_provider",
        type=click.Choice(["offline", "osrm", "valhalla"]),
        help="Travel times: the offline estimate (no network) or a routing server. "
        "Default: the policy's [travel] provider, else offline.",
    )(fn)


def _warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def travel_from_options(
    policy: Policy,
    provider: str | None,
    url: str | None,
    fallback: bool | None,
    osrm_url: str | None = None,
) -> tuple[Policy, TravelModel | None]:
    """The policy with the options' travel settings, and the travel model to pass to the
    planner (None for the offline model, which the planner builds itself)."""
    if osrm_url is not None:
        if provider not in (None, "osrm") or url not in (None, osrm_url):
            raise click.UsageError(
                "--osrm-url is --travel osrm --travel-url; give one or the other"
            )
        provider, url = "osrm", osrm_url
    if url is not None and provider is None and policy.travel.provider == "offline":
        raise click.UsageError("--travel-url needs --travel osrm or --travel valhalla")
    update = {
        k: v
        for k, v in {"provider": provider, "url": url, "allow_fallback": fallback}.items()
        if v is not None
    }
    if update:
        try:
            settings = TravelSettings.model_validate({**policy.travel.model_dump(), **update})
        except ValidationError as exc:
            e = exc.errors()[0]
            hint = "--travel-url" if "url" in e["msg"] else "--travel"
            message = str(e["msg"]).removeprefix("Value error, ")
            raise click.BadParameter(message, param_hint=hint) from None
        policy = policy.model_copy(update={"travel": settings})
    if policy.travel.provider == "offline":
        return policy, None
    return policy, travel_for(policy, on_fallback=_warn)
