import json

import pytest

from grok_transport import _errors as e
from grok_transport._errors import error_from_response


def _err(status, body, headers=None, secret=None):
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return error_from_response(status, raw, headers or {}, secret=secret)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            400,
            {"code": "Client specified an invalid argument", "error": "Incorrect API key provided: xa***ey."},
            e.AuthenticationError,
        ),
        (
            400,
            {"code": "invalid-argument", "error": "Incorrect API key provided. You can obtain..."},
            e.AuthenticationError,
        ),
        (
            401,
            {"error": {"message": "Invalid API key", "type": "auth", "code": "invalid_api_key"}},
            e.AuthenticationError,
        ),
        (
            400,
            {
                "code": "x",
                "error": "This model's maximum prompt length is 131072 but the request contains 9 tokens.",
            },
            e.ContextLengthExceededError,
        ),
        (
            402,
            {"error": {"message": "Insufficient credits", "type": "billing", "code": "insufficient_credits"}},
            e.InsufficientCreditsError,
        ),
        (
            403,
            {
                "code": "permission-denied",
                "error": "Your team t has either used all available credits or reached its monthly spending limit.",
            },
            e.InsufficientCreditsError,
        ),
        (
            429,
            {
                "code": "Some resource has been exhausted",
                "error": "Your team t has either used all available credits",
            },
            e.InsufficientCreditsError,
        ),
        (
            429,
            {"code": "Some resource has been exhausted", "error": "The service is temporarily at capacity."},
            e.RateLimitError,
        ),
        (
            403,
            {"code": "x", "error": "The model grok-x does not exist or your team does not have access"},
            e.PermissionDeniedError,
        ),
        (
            404,
            {"code": "Some requested entity was not found", "error": "The model grok-beta was deprecated"},
            e.NotFoundError,
        ),
        (
            410,
            {"error": "Live search is deprecated. Please switch to the Agent Tools API"},
            e.BadRequestError,
        ),
        (
            422,
            "Failed to deserialize the JSON body into the target type: missing field `prompt`",
            e.UnprocessableEntityError,
        ),
        (
            503,
            {"code": "The service is currently unavailable", "error": "Service temporarily unavailable."},
            e.ServerError,
        ),
        (
            200,
            {"code": "The service is currently unavailable", "error": "Timed out waiting for first token"},
            e.ServerError,
        ),
        (500, "", e.ServerError),
    ],
)
def test_status_and_body_map_to_the_typed_error(status, body, kind):
    error = _err(status, body)
    assert type(error) is kind
    assert error.status_code == status
    assert error.message  # never empty, even for an empty body


def test_credit_exhaustion_is_not_retried_but_rate_limits_are():
    assert not _err(429, {"error": "used all available credits"}).retryable
    assert _err(429, {"error": "Rate limit exceeded"}).retryable
    assert _err(503, {"error": "at capacity"}).retryable
    assert not _err(400, {"error": "bad"}).retryable


def test_retry_after_is_read():
    error = _err(429, {"error": {"message": "slow down"}}, {"retry-after": "3"})
    assert isinstance(error, e.RateLimitError) and error.retry_after == 3.0


def test_error_keeps_code_body_and_request_id_but_never_the_key():
    error = _err(
        400,
        {"code": "c", "error": "bad key sk-secret-123 given"},
        {"x-request-id": "req-1"},
        secret="sk-secret-123",
    )
    assert error.code == "c" and error.request_id == "req-1"
    assert "sk-secret-123" not in str(error) and "sk-secret-123" not in repr(error)
    assert "sk-secret-123" not in error.message
    assert "req-1" in str(error)


def test_410_message_is_the_servers():
    error = _err(410, {"error": "Live search is deprecated. Please switch to the Agent Tools API"})
    assert "Agent Tools API" in str(error) and error.code is None
