"""Invoking the relay function (docs/architecture.md §11): one event in, one response payload out,
through the Lambda API (synchronous RequestResponse), the one way in from outside the VPC."""

from __future__ import annotations

import json
import random
import time
from typing import Any, Callable

from automation.errors import OperationFailed

# Answers that mean "not now" rather than "no": throttling, a function whose VPC network is still
# being made (Pending) or brought back (Inactive: Lambda makes a function idle for weeks Inactive,
# and the first invocation starts its return, which can take minutes), EC2 throttling its network
# interfaces (Lambda API reference, Invoke: Errors; Lambda function states).
RETRIED = frozenset({"TooManyRequestsException", "ResourceConflictException", "ResourceNotReadyException",
                     "EC2ThrottledException", "ServiceException"})
# Lambda's synchronous invocation runs at most the function's timeout; the client waits longer.
READ_TIMEOUT = 90


class RelayError(OperationFailed):
    """The relay could not carry the request (the function missing, not allowed, failing, or
    answering in a protocol this side does not speak); exit 1: nothing was exposed."""


class LambdaInvoker:
    """Calls the function ``function_name`` in ``region`` with one event and returns its payload.
    Retries the answers of :data:`RETRIED` for up to ``patience`` seconds; every other failure is a
    :class:`RelayError` that says what to do."""

    def __init__(self, function_name: str, *, region: str, session: Any = None, client: Any = None,
                 patience: float = 180.0, sleep: Callable[[float], None] = time.sleep):
        self.function_name = function_name
        self.region = region
        self._patience = patience
        self._sleep = sleep
        if client is None:
            import boto3
            from botocore.config import Config

            client = (session or boto3.session.Session()).client(
                "lambda", region_name=region,
                # kubectl and helm send requests in parallel (discovery): a connection for each.
                config=Config(read_timeout=READ_TIMEOUT, retries={"mode": "standard", "max_attempts": 3},
                              max_pool_connections=32))
        self._client = client

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + self._patience
        delay = 0.5
        while True:
            try:
                answer = self._client.invoke(FunctionName=self.function_name, InvocationType="RequestResponse",
                                             Payload=json.dumps(event).encode())
                break
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                if code in RETRIED and time.monotonic() + delay < deadline:
                    self._sleep(delay + random.uniform(0, delay / 2))
                    delay = min(delay * 2, 8.0)
                    continue
                raise RelayError(self._explain(code, e)) from None
            except BotoCoreError as e:
                raise RelayError(f"the Lambda API in {self.region} cannot be reached: {e}") from None
        raw = answer["Payload"].read()
        if answer.get("FunctionError"):
            try:
                detail = json.loads(raw)
                what = f"{detail.get('errorType', 'Error')}: {detail.get('errorMessage', '')}"
            except (ValueError, AttributeError):
                what = raw[:500].decode(errors="replace")
            raise RelayError(f"the relay function {self.function_name} failed ({answer['FunctionError']}): {what} "
                             f"(its log group /aws/lambda/{self.function_name} has the details)")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise RelayError(f"the relay function {self.function_name} answered something that is not JSON") from None
        if not isinstance(payload, dict):
            raise RelayError(f"the relay function {self.function_name} answered a JSON {type(payload).__name__}")
        return payload

    def _explain(self, code: str, e: Exception) -> str:
        name = f"the relay function {self.function_name} in {self.region}"
        if code == "ResourceNotFoundException":
            return (f"{name} does not exist: is the stack deployed with privateCluster.apiRelay.enabled: true "
                    "(`private-eks up`)?")
        if code in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException"):
            return f"these credentials may not invoke {name}: they need lambda:InvokeFunction on it ({e})"
        if code in RETRIED:
            return f"{name} stayed unavailable ({code}) for {self._patience:.0f} s: try again later ({e})"
        return f"{name} could not be invoked: {e}"
