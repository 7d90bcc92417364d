from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.composition import build_engine
from bot.config import load_settings, parse_settings
from bot.errors import ConfigError
from tests.conftest import TEST_FLOWS


def with_flows(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with the test flows, the one section that has no default."""
    return {"flows": dict(TEST_FLOWS), **raw}


def problems_of(raw: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(with_flows(raw), env=env or {})
    return caught.value.problems


def test_shipped_config_is_valid() -> None:
    settings = load_settings(Path(__file__).parents[2] / "config.yaml", env={})
    assert settings.store.embedded
    assert list(settings.enabled_connectors()) == ["webchat"]


def test_the_flows_have_no_default_and_their_absence_says_how_to_fix_it() -> None:
    """The framework ships no flows: a config that names none is an error, not the demo."""
    with pytest.raises(ConfigError) as caught:
        parse_settings({"server": {"port": 8080}}, env={})
    [problem] = caught.value.problems
    assert problem.startswith("flows: required but missing.")
    assert "flows: {modules: [my_bot.flows]}" in problem
    with pytest.raises(ConfigError) as caught:
        parse_settings({"flows": {"default": "menu"}}, env={})
    [problem] = caught.value.problems
    assert problem.startswith("flows.modules: required but missing.")
    assert "modules: [my_bot.flows]" in problem


def test_the_default_flow_is_the_first_one_unless_named() -> None:
    assert build_engine(parse_settings(with_flows({}), env={})).default_flow == "menu"
    named = parse_settings({"flows": {**TEST_FLOWS, "default": "shelf"}}, env={})
    assert build_engine(named).default_flow == "shelf"


def test_environment_variables_and_defaults_are_expanded() -> None:
    settings = parse_settings(with_flows(
        {"server": {"port": "${PORT}", "host": "${HOST:-0.0.0.0}"},
         "store": {"url": "${REDIS_URL:-embedded}"}}),
        env={"PORT": "9000"})
    assert settings.server.port == 9000
    assert settings.server.host == "0.0.0.0"
    assert settings.store.embedded


def test_redis_url_from_the_environment_wins_over_the_default() -> None:
    settings = parse_settings(with_flows({}), env={"REDIS_URL": "redis://10.0.0.5:6379/0"})
    assert not settings.store.embedded


def test_a_missing_variable_names_the_key_and_the_fix() -> None:
    [problem] = problems_of({"server": {"host": "${NOPE}"}})
    assert problem.startswith("server.host: environment variable NOPE is not set")
    assert "${NOPE:-value}" in problem


def test_an_unknown_key_names_its_path_and_suggests_the_right_one() -> None:
    [problem] = problems_of({"server": {"prot": 80}})
    assert problem.startswith("server.prot: unknown key.")
    assert "Did you mean 'port'?" in problem


# Proves docs/architecture.md invariant 6.
def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of({"server": {"port": 99999},
                            "flows": {**TEST_FLOWS, "default_locale": 3}, "nonsense": True})
    assert [p.split(":")[0] for p in sorted(problems)] == [
        "flows.default_locale", "nonsense", "server.port"]
    assert any(p.startswith("nonsense: unknown key") for p in problems)


def test_an_unknown_connector_lists_the_known_ones() -> None:
    [problem] = problems_of({"connectors": {"webhat": {"enabled": True}}})
    assert "unknown connector type 'webhat'" in problem
    assert "Did you mean 'webchat'?" in problem


def test_secrets_never_appear_in_errors() -> None:
    secret = "s3cr3t-value-that-must-not-leak"
    problems = problems_of({"store": {"url": f"http://user:{secret}@host"},
                            "connectors": {"webchat": {"secret": secret, "bogus": 1}}})
    assert [p.split(":")[0] for p in problems] == ["store.url", "connectors.webchat.bogus"]
    assert all(secret not in p for p in problems)
    settings = parse_settings(with_flows({"connectors": {"webchat": {"secret": secret}}}),
                              env={})
    assert secret not in repr(settings)
    assert secret not in str(settings.model_dump())


def test_bad_yaml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("server:\n  port: 80\n bad indent: x\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "line 3" in caught.value.problems[0]


def test_check_command_exits_non_zero_with_the_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("flows:\n  modules: [tests.flows_for_tests]\n"
                    "store:\n  url: embedded\n  histroy_limit: 5\n")
    assert main(["check", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert "store.histroy_limit: unknown key. Did you mean 'history_limit'?" in err


def test_check_command_lists_the_flows_and_the_connectors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("flows:\n  modules: [tests.flows_for_tests]\n"
                    "connectors:\n  webchat: {enabled: true}\n")
    assert main(["check", "-c", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: OK"
    assert ("  flows: contact, human, menu, report, satisfaction, shelf, ticket "
            "(default: menu)") in out
    assert "  connectors: webchat" in out


def operator(**account: object) -> dict[str, object]:
    return {"handoff": {"operators": [{"id": "ana", **account}]}}


def test_an_empty_or_weak_operator_token_is_refused_naming_its_key() -> None:
    for token, env in (("${HELPDESK_TOKEN:-}", {}), ("", {}), ("${T}", {"T": " " * 20}),
                       ("aaaaaaaaaaaaaaaaaaaaaaaa", {}), ("short-token", {})):
        [problem] = problems_of(operator(token=token), env=env)
        assert problem.startswith("handoff.operators.0.token: ") and "16" in problem, problem
    [problem] = problems_of(operator(token="short-token"))
    assert "short-token" not in problem, "a secret is never echoed"
    parse_settings(with_flows(operator(token="${T}")), env={"T": "Zq3-Yx8_Wv1.Ut5~Sr9"})


def test_a_plain_password_as_password_hash_is_refused_saying_how_to_hash_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    for not_a_hash in ("hunter2", "scrypt$16384$8$1$not base64$x", "scrypt$0$8$1$AAAA$AAAA"):
        [problem] = problems_of(operator(password_hash=not_a_hash))
        assert problem.startswith("handoff.operators.0.password_hash: ")
        assert "omnicanal hash-password" in problem and not_a_hash not in problem
    path = tmp_path / "config.yaml"
    path.write_text("flows:\n  modules: [tests.flows_for_tests]\n"
                    "handoff:\n  operators:\n    - {id: ana, password_hash: hunter2}\n")
    assert main(["check", "-c", str(path)]) == 2
    assert "handoff.operators.0.password_hash" in capsys.readouterr().err


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    settings = parse_settings(
        with_flows({"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]}}), env={})
    assert settings.server.trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]
    [problem] = problems_of({"server": {"trusted_proxies": ["proxy.local"]}})
    assert problem.startswith("server.trusted_proxies: ") and "'proxy.local'" in problem
