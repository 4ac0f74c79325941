"""The Lambda invoker (docs/architecture.md §11): RequestResponse with the event as JSON, the
function's errors and the API's refusals as clear RelayErrors, throttling and not-ready retried."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from automation.relay.invoke import LambdaInvoker, RelayError

EVENT = {"v": 1, "method": "GET", "path": "/version", "headers": {}}


def answer(payload: bytes, **extra: object) -> dict[str, object]:
    return {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload)), **extra}


@pytest.fixture
def lam():
    client = boto3.client("lambda", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def invoker(client, sleeps: list[float] | None = None, patience: float = 60.0) -> LambdaInvoker:
    return LambdaInvoker("dev-private-api-relay", region="us-west-2", client=client, patience=patience,
                         sleep=(sleeps if sleeps is not None else []).append)


def test_one_synchronous_invocation_with_the_event_as_json(lam):
    client, stub = lam
    reply = {"v": 1, "status": 200, "headers": {}, "body": ""}
    stub.add_response("invoke", answer(json.dumps(reply).encode()),
                      {"FunctionName": "dev-private-api-relay", "InvocationType": "RequestResponse",
                       "Payload": json.dumps(EVENT).encode()})
    assert invoker(client)(EVENT) == reply


def test_a_function_error_names_the_function_its_error_and_its_log_group(lam):
    client, stub = lam
    stub.add_response("invoke", answer(json.dumps({"errorType": "KeyError", "errorMessage": "'CLUSTER_CA_DATA'"}).encode(),
                                       FunctionError="Unhandled"))
    with pytest.raises(RelayError, match=r"failed \(Unhandled\): KeyError: 'CLUSTER_CA_DATA'.*/aws/lambda/dev-private-api-relay") as e:
        invoker(client)(EVENT)
    assert e.value.exit_code == 1


@pytest.mark.parametrize(("code", "says"), [
    ("ResourceNotFoundException", "privateCluster.apiRelay.enabled: true"),
    ("AccessDeniedException", "lambda:InvokeFunction"),
    ("InvalidRequestContentException", "could not be invoked"),
])
def test_refusals_of_the_lambda_api_say_what_to_do(lam, code, says):
    client, stub = lam
    stub.add_client_error("invoke", service_error_code=code, service_message="no", http_status_code=400)
    with pytest.raises(RelayError, match=says):
        invoker(client)(EVENT)


def test_throttling_and_a_function_not_ready_yet_are_retried_with_backoff(lam):
    """Lambda API reference, Invoke errors: TooManyRequestsException (throttled),
    ResourceConflictException (the function is Pending while its VPC network is made),
    ResourceNotReadyException (Inactive) are worth retrying."""
    client, stub = lam
    for code in ("TooManyRequestsException", "ResourceConflictException", "ResourceNotReadyException"):
        stub.add_client_error("invoke", service_error_code=code, http_status_code=429)
    stub.add_response("invoke", answer(b'{"v": 1, "status": 200, "headers": {}, "body": ""}'))
    sleeps: list[float] = []
    assert invoker(client, sleeps)(EVENT)["status"] == 200
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2]


def test_retries_stop_at_the_patience_with_the_last_reason(lam):
    client, stub = lam
    stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    with pytest.raises(RelayError, match="stayed unavailable"):
        invoker(client, patience=0.0)(EVENT)


def test_an_answer_that_is_not_a_json_object_is_refused(lam):
    client, stub = lam
    stub.add_response("invoke", answer(b"not json"))
    stub.add_response("invoke", answer(b"[1, 2]"))
    with pytest.raises(RelayError, match="not JSON"):
        invoker(client)(EVENT)
    with pytest.raises(RelayError, match="JSON list"):
        invoker(client)(EVENT)
