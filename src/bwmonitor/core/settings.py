"""Settings from command-line options and the environment, resolved once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bwmonitor.core.errors import InvalidInput

ENV_DATA_DIR = "BWMONITOR_DATA_DIR"
ENV_CATALOG = "BWMONITOR_CATALOG"
ENV_LOG_FILE = "BWMONITOR_LOG_FILE"  #: update --log-file
ENV_CBS_URL = "BWMONITOR_CBS_URL"
ENV_CBS_TIMEOUT = "BWMONITOR_CBS_TIMEOUT"  #: read timeout per request, seconds
ENV_CBS_ATTEMPTS = "BWMONITOR_CBS_ATTEMPTS"  #: tries per request, the first included
ENV_CBS_BACKOFF = "BWMONITOR_CBS_BACKOFF"  #: seconds before the first retry, then doubled
ENV_FETCH_DEADLINE = "BWMONITOR_FETCH_DEADLINE"  #: fetch --deadline, update --deadline
ENV_CSV_EXCEL = "BWMONITOR_CSV_EXCEL"  #: --excel of compare, export and update (1 or 0)
ENV_CBS_API = "BWMONITOR_CBS_API"  #: --cbs-api: v3, v4 or auto (fetch/roads.py)
ENV_CBS_V4_URL = "BWMONITOR_CBS_V4_URL"  #: where CBS serves OData v4, up to the catalogue

CBS_API_CHOICES = ("v3", "v4", "auto")
DEFAULT_CBS_API = "auto"
#: the v4 API's root; the path has changed once (the version is in it since January 2023)
DEFAULT_CBS_V4_URL = "https://datasets.cbs.nl/odata/v1/CBS"

# 15 minutes: a normal fetch takes under a minute, and an hourly cron run that meets a
# CBS that never answers still ends well before the next one starts.
DEFAULT_FETCH_DEADLINE = 900.0
MIN_FETCH_DEADLINE = 1.0


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    catalog_path: Path | None  #: None: the catalogue shipped with the package
    cbs_base_url: str | None  #: scheme://host[:port] replacing CBS's hosts, e.g. for tests
    cbs_read_timeout: float = 60.0
    cbs_attempts: int = 4
    cbs_backoff: float = 1.0
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE  #: seconds for the whole fetch
    cbs_api: str = DEFAULT_CBS_API  #: which road to CBS: v3, v4 or auto
    cbs_v4_url: str = DEFAULT_CBS_V4_URL


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("bwmonitor", appauthor=False))


def resolve(
    data_dir: Path | None = None,
    catalog: Path | None = None,
    environ: Mapping[str, str] | None = None,
    fetch_deadline: float | None = None,
    cbs_api: str | None = None,
) -> Settings:
    """Options win over environment variables, which win over defaults."""
    env = os.environ if environ is None else environ
    if data_dir is None:
        data_dir = Path(env[ENV_DATA_DIR]) if env.get(ENV_DATA_DIR) else default_data_dir()
    if catalog is None and env.get(ENV_CATALOG):
        catalog = Path(env[ENV_CATALOG])
    if catalog is None and Path("indicators.toml").is_file():
        catalog = Path("indicators.toml")
    return Settings(
        data_dir=data_dir.expanduser(),
        catalog_path=catalog,
        cbs_base_url=parse_base_url(env.get(ENV_CBS_URL) or None),
        cbs_read_timeout=_number(env, ENV_CBS_TIMEOUT, 60.0, minimum=0.1),
        cbs_attempts=int(_number(env, ENV_CBS_ATTEMPTS, 4, minimum=1)),
        cbs_backoff=_number(env, ENV_CBS_BACKOFF, 1.0, minimum=0.0),
        fetch_deadline=_fetch_deadline(fetch_deadline, env),
        cbs_api=parse_cbs_api(cbs_api or env.get(ENV_CBS_API) or DEFAULT_CBS_API),
        cbs_v4_url=parse_v4_url(env.get(ENV_CBS_V4_URL) or DEFAULT_CBS_V4_URL),
    )


def parse_cbs_api(text: str) -> str:
    """The road setting (v3, v4, auto), or InvalidInput naming the choices."""
    choice = text.strip().lower()
    if choice not in CBS_API_CHOICES:
        raise InvalidInput(
            f"{ENV_CBS_API}={text!r} is not one of {', '.join(CBS_API_CHOICES)}",
            hint="v3 (opendata.cbs.nl), v4 (datasets.cbs.nl) or auto (v3, then v4)",
        )
    return choice


def parse_v4_url(value: str) -> str:
    """Check BWMONITOR_CBS_V4_URL: an http(s) URL with the path up to the catalogue,
    e.g. https://datasets.cbs.nl/odata/v1/CBS."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise InvalidInput(
            f"{ENV_CBS_V4_URL}={value!r} is not a URL like {DEFAULT_CBS_V4_URL}",
            hint="the v4 API's address up to the catalogue; table ids are added to it",
        )
    return value.strip().rstrip("/")


def _fetch_deadline(option: float | None, env: Mapping[str, str]) -> float:
    if option is None:
        return _number(env, ENV_FETCH_DEADLINE, DEFAULT_FETCH_DEADLINE, MIN_FETCH_DEADLINE)
    if option < MIN_FETCH_DEADLINE:
        raise InvalidInput(f"--deadline {option:g} must be a number >= {MIN_FETCH_DEADLINE:g}")
    return option


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InvalidInput(f"{name}={text!r} must be a number >= {minimum:g}")
    return value


def parse_base_url(value: str | None) -> str | None:
    """Check BWMONITOR_CBS_URL: scheme and host only, CBS's paths stay as they are."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"{ENV_CBS_URL}={value!r} is not a base URL",
            hint="give scheme and host, e.g. http://127.0.0.1:8765",
        )
    if parts.path.strip("/"):
        raise InvalidInput(
            f"{ENV_CBS_URL}={value!r} has a path",
            hint="give only scheme and host; CBS's paths (/ODataFeed/odata/...) are kept",
        )
    return f"{parts.scheme}://{parts.netloc}"
