import pytest

from grok_transport import GrokClient, MissingAPIKeyError, resolve_connection
from grok_transport._errors import InvalidParameterError
from grok_transport._providers import fold_system_messages

ENV = {"XAI_API_KEY": "env-key-xai", "GROKINC_API_KEY": "gi-env", "GROKAPI_API_KEY": "env-key-grokapi"}


@pytest.mark.parametrize(
    ("provider", "url", "header", "value"),
    [
        ("xai", "https://api.x.ai/v1", "Authorization", "Bearer env-key-xai"),
        ("grokinc", "https://api.grokinc.org/v1", "X-API-Key", "gi-env"),
        ("grokapi", "https://api.grokapi.io/v1", "Authorization", "Bearer env-key-grokapi"),
    ],
)
def test_each_provider_resolves_its_url_auth_and_key(provider, url, header, value):
    connection = resolve_connection(provider=provider, environ=ENV)
    assert connection.base_url == url
    assert connection.auth_headers() == {header: value}


def test_explicit_arguments_win_over_environment():
    env = {**ENV, "GROK_BASE_URL": "http://env-proxy/v1"}
    connection = resolve_connection(api_key="explicit", base_url="http://mine/v1/", environ=env)
    assert connection.api_key.get_secret_value() == "explicit"
    assert connection.base_url == "http://mine/v1"
    assert connection.provider.name == "custom"


def test_generic_fallbacks_and_host_inference():
    env = {"GROK_API_KEY": "generic", "GROK_BASE_URL": "https://api.grokinc.org/v1"}
    connection = resolve_connection(environ=env)
    assert connection.provider.name == "grokinc"
    assert connection.auth_headers() == {"X-API-Key": "generic"}


def test_custom_proxy_with_x_api_key_style():
    connection = resolve_connection(base_url="http://proxy/v1", api_key="k", auth_style="x-api-key")
    assert connection.auth_headers() == {"X-API-Key": "k"}


def test_missing_key_names_every_variable_tried_before_any_request():
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_connection(provider="grokapi", environ={})
    assert "GROKAPI_API_KEY" in str(info.value) and "GROK_API_KEY" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_provider_is_refused():
    with pytest.raises(InvalidParameterError):
        resolve_connection(provider="openai", api_key="k")


def test_key_never_in_repr():
    client = GrokClient(api_key="xai-very-secret")
    assert "very-secret" not in repr(client)
    assert "very-secret" not in repr(client.connection)
    assert "very-secret" not in str(client.connection.api_key)


def test_fold_system_messages_documented_rule():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "1"}]},
        {"role": "tool", "content": "42", "tool_call_id": "1"},
        {"role": "developer", "content": "no emoji"},
    ]
    folded = fold_system_messages(messages)
    assert [m["role"] for m in folded] == ["user", "assistant", "user"]
    assert folded[0]["content"] == "be brief\n\nno emoji\n\nhi"
    assert "tool_calls" not in folded[1]
    assert folded[2]["content"] == "Tool result: 42"
    assert messages[0]["role"] == "system"  # the caller's list is untouched


def test_fold_without_user_turn_makes_one():
    assert fold_system_messages([{"role": "system", "content": "x"}]) == [{"role": "user", "content": "x"}]


def test_xai_api_base_is_read_as_langchain_xai_reads_it():
    env = {"XAI_API_KEY": "k", "XAI_API_BASE": "http://corp-gateway/v1", "GROK_BASE_URL": "http://generic/v1"}
    assert resolve_connection(provider="xai", environ=env).base_url == "http://corp-gateway/v1"
    assert resolve_connection(provider="xai", base_url="http://explicit/v1", environ=env).base_url == (
        "http://explicit/v1"
    )
