"""HTTP client for a Publica node (standard library only: ``urllib``).

Every error answer becomes a :class:`~publica_client.errors.PublicaError`
with the node's machine-readable ``code``; answers are parsed into the
typed models of :mod:`publica_client.models`.
"""

from __future__ import annotations

import email.utils
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterable

from . import __version__
from .errors import FormatError, NodeUnreachable, PublicaError, ReceiptTimeout
from .keys import Key
from .models import (Accepted, BatchResult, Block, Call, ConsistencyProof, ErrorBody, LogInfo,
                     MoneyAccount, Nonce, PendingTx, Receipt, StateAnswer, Status)
from .tx import SignedTransaction, build_body, sign

WAIT_MS_MAX = 30_000
"""The longest ``wait_ms`` a node accepts."""

ROUTES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "status": ("GET", "/v1/status", ()),
    "submit": ("POST", "/v1/transactions", ()),
    "submit_batch": ("POST", "/v1/transactions/batch", ()),
    "transaction": ("GET", "/v1/transactions/{tx_id}", ("wait_ms",)),
    "block": ("GET", "/v1/blocks/{height}", ()),
    "state": ("GET", "/v1/state", ("key",)),
    "nonce": ("GET", "/v1/accounts/{account}/nonce", ()),
    "log": ("GET", "/v1/log", ()),
    "checkpoint": ("GET", "/checkpoint", ()),
    "consistency": ("GET", "/v1/log/consistency", ("from", "to")),
    "money_account": ("GET", "/v1/money/accounts/{id}", ()),
    "money_history": ("GET", "/v1/money/accounts/{id}/history", ("from", "limit")),
    "money_provenance": ("GET", "/v1/money/accounts/{id}/provenance", ()),
    "money_currency": ("GET", "/v1/money/currencies/{code}", ()),
    "program": ("GET", "/v1/programs/{id}", ()),
    "program_enrolee": ("GET", "/v1/programs/{id}/enrolees/{account}", ()),
    "program_run": ("GET", "/v1/programs/{id}/runs/{period}", ("from", "limit")),
}
"""Every route the client calls: name -> (method, path template, query parameters)."""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Client:
    """A Publica node's HTTP API.

    ``base_url`` is the node's address, e.g. ``http://127.0.0.1:8700``;
    ``timeout`` bounds each request in seconds (long polls get their wait
    on top).
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url {base_url!r}: expected http(s)://host:port")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    # -- plumbing ----------------------------------------------------------

    def _url(self, route: str, params: dict[str, Any], query: dict[str, Any]) -> str:
        _, template, allowed = ROUTES[route]
        path = template.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in params.items()})
        pairs = {k: v for k, v in query.items() if v is not None}
        assert set(pairs) <= set(allowed), (route, pairs)
        return self.base_url + path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")

    def _request(self, route: str, params: dict[str, Any] | None = None, query: dict[str, Any] | None = None,
                 body: Any = None, ok: Iterable[int] = (200,), extra_timeout: float = 0.0,
                 raw: bool = False) -> tuple[int, Any]:
        method = ROUTES[route][0]
        url = self._url(route, params or {}, query or {})
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"accept": "application/json", "user-agent": f"publica-client-python/{__version__}"}
        if data is not None:
            headers["content-type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout + extra_timeout) as resp:
                status, payload, retry = resp.status, resp.read(), resp.headers.get("retry-after")
        except urllib.error.HTTPError as e:
            status, payload, retry = e.code, e.read(), e.headers.get("retry-after")
        except (urllib.error.URLError, socket.timeout, ConnectionError) as e:
            reason = getattr(e, "reason", e)
            raise NodeUnreachable(f"{method} {self.base_url}: {reason}") from None
        if status not in ok:
            raise self._error(status, payload, retry)
        if raw:
            return status, payload.decode("utf-8", errors="replace")
        try:
            return status, json.loads(payload)
        except ValueError:
            raise FormatError(f"{method} {url}: the answer (HTTP {status}) is not JSON") from None

    @staticmethod
    def _error(status: int, payload: bytes, retry: str | None) -> PublicaError:
        try:
            err = ErrorBody.from_json(json.loads(payload))
            code, message = err.code, err.message
        except (ValueError, FormatError):
            code = f"http.{status}"
            message = payload[:200].decode("utf-8", errors="replace").strip() or "no error body"
        return PublicaError(status, code, message, _retry_after(retry))

    # -- transactions -------------------------------------------------------

    def submit(self, tx: SignedTransaction | dict[str, Any]) -> Accepted:
        """Submits one signed transaction; ``202`` gives its id.

        Raises :class:`PublicaError` when it is not admitted (e.g.
        ``tx.bad_signature``, ``tx.nonce_gap``; ``retry_after`` on 429/503).
        """
        envelope = tx.envelope if isinstance(tx, SignedTransaction) else tx
        _, doc = self._request("submit", body=envelope, ok=(202,))
        accepted = Accepted.from_json(doc)
        if isinstance(tx, SignedTransaction) and accepted.tx_id != tx.tx_id:
            raise FormatError(f"the node admitted the transaction as {accepted.tx_id}, "
                              f"but its id is {tx.tx_id}")
        return accepted

    def submit_batch(self, txs: Iterable[SignedTransaction | dict[str, Any]]) -> BatchResult:
        """Submits up to 10,000 transactions at once; one result per item, in order."""
        envelopes = [t.envelope if isinstance(t, SignedTransaction) else t for t in txs]
        _, doc = self._request("submit_batch", body={"transactions": envelopes})
        result = BatchResult.from_json(doc)
        if len(result.results) != len(envelopes):
            raise FormatError(f"batch: {len(envelopes)} transactions sent, {len(result.results)} results")
        return result

    def transaction(self, tx_id: str, wait_ms: int = 0) -> Receipt | PendingTx:
        """The receipt of a committed transaction, or :class:`PendingTx`
        while it waits for a block (the node holds the request up to
        ``wait_ms``, at most 30,000). Unknown ids raise ``tx.not_found``."""
        if not 0 <= wait_ms <= WAIT_MS_MAX:
            raise ValueError(f"wait_ms is 0..{WAIT_MS_MAX}")
        status, doc = self._request("transaction", {"tx_id": tx_id}, {"wait_ms": wait_ms or None},
                                    ok=(200, 202), extra_timeout=wait_ms / 1000)
        return Receipt.from_json(doc) if status == 200 else PendingTx.from_json(doc)

    def wait_for_receipt(self, tx_id: str, timeout: float = 30.0) -> Receipt:
        """Waits until the transaction's block is durable and returns its receipt.

        Long-polls ``GET /v1/transactions/{id}?wait_ms=``; honours
        ``Retry-After`` on 429/503 within ``timeout``; raises
        :class:`ReceiptTimeout` when still pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                answer = self.transaction(tx_id, wait_ms=max(0, min(WAIT_MS_MAX, 10_000, int(left * 1000))))
            except PublicaError as e:
                if e.status in (429, 503) and e.retry_after is not None and e.retry_after < left:
                    time.sleep(e.retry_after)
                    continue
                raise
            if isinstance(answer, Receipt):
                if answer.tx_id != tx_id:
                    raise FormatError(f"asked for the receipt of {tx_id}, got one for {answer.tx_id}")
                return answer
            if time.monotonic() >= deadline:
                raise ReceiptTimeout(tx_id, timeout)

    def prepare(self, key: Key, call: Call, *, nonce: int | None = None, expires_in_blocks: int = 1000,
                account: str | None = None) -> SignedTransaction:
        """Builds and signs a transaction for this node's chain.

        The chain id and height come from ``/v1/status``; the nonce, unless
        given, from ``/v1/accounts/{id}/nonce`` (it counts pending
        transactions). The transaction expires ``expires_in_blocks`` after
        the current height. ``account`` names a rotated account's id.
        """
        status = self.status()
        if nonce is None:
            nonce = self.nonce(account or key.account_id).next_nonce
        body = build_body(status.chain_id, nonce, call, expiry_height=status.height + expires_in_blocks)
        return sign(key, body, account=account)

    def send(self, key: Key, call: Call, *, timeout: float = 30.0, **prepare_args: Any) -> Receipt:
        """Prepares, submits and waits: returns the receipt (check ``receipt.ok``:
        a committed transaction may have failed in its block)."""
        tx = self.prepare(key, call, **prepare_args)
        self.submit(tx)
        return self.wait_for_receipt(tx.tx_id, timeout)

    # -- chain, state, log ----------------------------------------------------

    def status(self) -> Status:
        """The chain's head: chain id, height, hashes, log size."""
        return Status.from_json(self._request("status")[1])

    def block(self, height: int) -> Block:
        """The block at ``height`` (from 1); ``block.not_found`` beyond the head."""
        return Block.from_json(self._request("block", {"height": int(height)})[1])

    def state(self, key: str) -> StateAnswer:
        """A state value (or its absence) with a proof; check it with
        :func:`publica_client.verify_state`."""
        return StateAnswer.from_json(self._request("state", query={"key": key})[1])

    def nonce(self, account: str) -> Nonce:
        """An account's committed and next nonce."""
        return Nonce.from_json(self._request("nonce", {"account": account})[1])

    def log_info(self) -> LogInfo:
        """The log's origin, verifier key and latest checkpoint."""
        return LogInfo.from_json(self._request("log")[1])

    def checkpoint(self) -> str:
        """The latest signed checkpoint (C2SP note text)."""
        return self._request("checkpoint", raw=True)[1]

    def consistency(self, from_size: int, to_size: int) -> ConsistencyProof:
        """A consistency proof between two log sizes (``1 <= from_size <= to_size <= size``)."""
        doc = self._request("consistency", query={"from": int(from_size), "to": int(to_size)})[1]
        proof = ConsistencyProof.from_json(doc)
        if (proof.from_size, proof.to_size) != (from_size, to_size):
            raise FormatError(f"asked for a proof from {from_size} to {to_size}, "
                              f"got one from {proof.from_size} to {proof.to_size}")
        return proof

    def openapi(self) -> dict[str, Any]:
        """The node's OpenAPI 3.1 document."""
        try:
            with urllib.request.urlopen(self.base_url + "/openapi.json", timeout=self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise self._error(e.code, e.read(), e.headers.get("retry-after")) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError) as e:
            raise NodeUnreachable(f"GET {self.base_url}: {getattr(e, 'reason', e)}") from None

    # -- money and programs (docs/money.md, docs/programs.md) ----------------

    def money_account(self, account_id: str) -> MoneyAccount:
        """A money account with the state proof of its record."""
        return MoneyAccount.from_json(self._request("money_account", {"id": account_id})[1])

    def money_history(self, account_id: str, from_: int | None = None, limit: int | None = None) -> dict[str, Any]:
        """A page of an account's history, oldest first (``entries``, ``total``)."""
        return self._request("money_history", {"id": account_id}, {"from": from_, "limit": limit})[1]

    def money_provenance(self, account_id: str) -> dict[str, Any]:
        """An account's balance by appropriation."""
        return self._request("money_provenance", {"id": account_id})[1]

    def money_currency(self, code: str) -> dict[str, Any]:
        """A currency's totals, appropriations and accredited merchants."""
        return self._request("money_currency", {"code": code})[1]

    def program(self, program_id: str) -> dict[str, Any]:
        """A program: definition, versions, enrolled count, budget, payouts per period."""
        return self._request("program", {"id": program_id})[1]

    def program_enrolee(self, program_id: str, account: str) -> dict[str, Any]:
        """An enrolee's enrolment and payouts."""
        return self._request("program_enrolee", {"id": program_id, "account": account})[1]

    def program_run(self, program_id: str, period: str, from_: int | None = None,
                    limit: int | None = None) -> dict[str, Any]:
        """A payment run's reconciliation for a period (``YYYY-MM``), as JSON."""
        return self._request("program_run", {"id": program_id, "period": period},
                             {"from": from_, "limit": limit})[1]
