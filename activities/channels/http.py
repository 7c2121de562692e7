"""HTTP calls to provider APIs, with one error mapping for all of them.

2xx is success; 4xx (except 408 and 429) is a refusal the provider explained, so it is
permanent; 5xx, 408, 429, time-outs and connection errors are transient and retried by
Temporal. One `httpx.AsyncClient` per event loop keeps connections alive between sends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from activities.channels.base import ProviderError

TRANSIENT_4XX = frozenset({408, 409, 425, 429})


class HttpClient:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._clients: dict[int, httpx.AsyncClient] = {}

    def _client(self) -> httpx.AsyncClient:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(timeout=self.timeout)
            self._clients[loop] = client
        return client

    async def post(
        self,
        provider: str,
        url: str,
        *,
        explain: Callable[[Any], str | None],
        **kwargs: Any,
    ) -> httpx.Response:
        """POST and return a 2xx response; raise ProviderError otherwise.

        `explain` pulls the provider's own error message out of an error body.
        """
        try:
            response = await self._client().post(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProviderError(f"{provider}: timed out after {self.timeout}s", permanent=False) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"{provider}: {type(exc).__name__}: {exc}", permanent=False) from exc
        if response.is_success:
            return response
        detail = _explain(response, explain)
        message = f"{provider} HTTP {response.status_code}: {detail}"
        permanent = 400 <= response.status_code < 500 and response.status_code not in TRANSIENT_4XX
        raise ProviderError(message, permanent=permanent)


def _explain(response: httpx.Response, explain: Callable[[Any], str | None]) -> str:
    try:
        detail = explain(response.json())
    except (json.JSONDecodeError, ValueError, TypeError, AttributeError, KeyError):
        detail = None
    return detail or response.text[:500] or response.reason_phrase
