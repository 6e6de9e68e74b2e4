"""The paste-ready ssh command never carries what would run something on the reader's machine."""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from castra_tail.contract.events import SshTarget
from castra_tail.run.ssh import ssh_of

from conftest import run_cli

SAFE_OPTIONS = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"]


def test_the_command_is_ready_to_paste() -> None:
    target = SshTarget(
        user="root", host="127.0.0.1", port=2222, identity="~/.ssh/id key", options=SAFE_OPTIONS
    )
    ssh = ssh_of(target)
    assert ssh.left_out == ()
    assert ssh.command is not None
    assert shlex.split(ssh.command) == [
        "ssh",
        "-i",
        "~/.ssh/id key",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-p",
        "2222",
        "root@127.0.0.1",
    ]
    assert ssh_of(SshTarget(user="u", host="h", port=22)).command == "ssh -p 22 u@h"
    with_key = ssh_of(SshTarget(user="u", host="h", port=22, identity="~/.ssh/k")).command
    assert with_key is not None and with_key.startswith("ssh -i ~/.ssh/k ")  # the tilde expands


@pytest.mark.parametrize(
    ("option", "why"),
    [
        ("ProxyCommand=nc %h %p", "runs a local command"),
        ("proxycommand nc %h %p", "runs a local command"),
        ("PROXYCOMMAND = nc %h %p", "runs a local command"),
        ("LocalCommand=touch /tmp/x", "runs a local command"),
        ("PermitLocalCommand=yes", "runs a local command"),
        ("KnownHostsCommand=/bin/x %H", "runs a local command"),
        ('Match exec "touch /tmp/x"', "runs a local command"),
        ("PKCS11Provider=/tmp/evil.so", "loads local code"),
        ("Include /tmp/evil.conf", "reads more configuration"),
        ("ProxyJump=evil.example", "connects somewhere else first"),
        ("HostName=evil.example", "changes the host, user or port shown"),
        ("ForwardAgent=yes", "lends the VM this machine"),
        ("RemoteForward 2222 localhost:22", "lends the VM this machine"),
        ("RemoteCommand=rm -rf ~", "changes what runs on the VM"),
        ("-oProxyCommand=nc %h %p", 'starts with "-", which ssh reads as a flag'),
        ("StrictHostKeyChecking=-x", 'its value starts with "-", which ssh reads as a flag'),
        (
            "StrictHostKeyChecking=no -oProxyCommand=touch${IFS}/tmp/pwn",
            'a word of its value starts with "-", which ssh reads as a flag',
        ),
        (
            "StrictHostKeyChecking no -oProxyCommand=x",
            'a word of its value starts with "-", which ssh reads as a flag',
        ),
        ('"ProxyCommand" nc %h %p', "not an option ssh reads as one"),
        ("BrandNewOption=1", "not an option known to be safe"),
        ("StrictHostKeyChecking=no\nProxyCommand nc", "cannot be shown as it is"),
    ],
)
def test_an_unsafe_option_is_left_out_and_says_why(option: str, why: str) -> None:
    target = SshTarget(user="root", host="h", port=22, options=[*SAFE_OPTIONS, option])
    ssh = ssh_of(target)
    assert ssh.command is not None
    assert shlex.split(ssh.command)[1:5] == ["-o", SAFE_OPTIONS[0], "-o", SAFE_OPTIONS[1]]
    assert len(shlex.split(ssh.command)) == 8  # ssh, two options, -p, port, destination
    assert [(part.what, part.why) for part in ssh.left_out] == [(option, why)]


@pytest.mark.parametrize(
    "option",
    ["ServerAliveInterval 30", "connecttimeout=5", "IdentitiesOnly = yes", "LogLevel=ERROR"],
)
def test_options_that_only_tune_the_connection_are_kept(option: str) -> None:
    ssh = ssh_of(SshTarget(user="root", host="h", port=22, options=[option]))
    assert ssh.left_out == () and ssh.command is not None and option in shlex.split(ssh.command)


def test_an_identity_that_looks_like_a_flag_is_left_out() -> None:
    ssh = ssh_of(SshTarget(user="root", host="h", port=22, identity="-oProxyCommand=x"))
    assert ssh.command == "ssh -p 22 root@h"
    assert [part.what for part in ssh.left_out] == ["-i -oProxyCommand=x"]


@pytest.mark.parametrize(("user", "host"), [("-oProxyCommand=touch x", "h"), ("u", "-oPort=1")])
def test_a_destination_that_looks_like_a_flag_gives_no_command(user: str, host: str) -> None:
    ssh = ssh_of(SshTarget(user=user, host=host, port=22))
    assert ssh.command is None
    assert len(ssh.left_out) == 1 and "no command" in ssh.left_out[0].why


def test_words_longer_than_any_real_one_are_left_out() -> None:
    long_option = "StrictHostKeyChecking=" + "n" * 2000
    ssh = ssh_of(SshTarget(user="root", host="h", port=22, options=[long_option]))
    assert ssh.command == "ssh -p 22 root@h"
    assert ssh.left_out[0].why == "longer than 1,024 characters"
    assert len(ssh.left_out[0].what) == 60  # quoted back cut short
    ssh = ssh_of(SshTarget(user="root", host="h" * 300, port=22))
    assert ssh.command is None and "longer than 256 characters" in ssh.left_out[0].why


def test_a_hundred_thousand_unsafe_options_are_counted_not_listed() -> None:
    ssh = ssh_of(SshTarget(user="root", host="h", port=22, options=["LocalCommand=x"] * 10**5))
    assert ssh.command == "ssh -p 22 root@h"
    assert len(ssh.left_out) == 21 and str(ssh.left_out[-1]) == "99,980 more (left out as well)"


def plan(vm: str, options: list[str], user: str = "root", port: int = 2222) -> str:
    ssh = {"user": user, "host": "127.0.0.1", "port": port, "options": options}
    event = {"type": "bootstrap.planned", "vm": vm, "mode": "auto", "action": "would_skip",
             "reason": "stamp current", "ssh": ssh}  # fmt: skip
    return json.dumps(event)


END = json.dumps({"type": "summary", "operation": "up", "duration_ms": 9, "exit_code": 0})


def write(tmp_path: Path, *plans: str) -> str:
    path = tmp_path / "plan.ndjson"
    path.write_text("\n".join([*plans, END]) + "\n")
    return str(path)


def test_every_format_says_what_was_left_out_and_why(tmp_path: Path) -> None:
    stream = write(tmp_path, plan("web-0", [*SAFE_OPTIONS, "ProxyCommand=nc %h %p"]))
    text = run_cli([stream, "--color", "never", "--width", "200"]).out
    lines = text.splitlines()
    assert lines[0].split()[1:3] == ["!", "plan"]  # a warning, not a plain plan line
    assert "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" in lines[1]
    assert "ProxyCommand" not in lines[1]
    assert lines[2].strip() == "! ssh left out: ProxyCommand=nc %h %p (runs a local command)"
    summary = [line for line in lines[3:] if "ssh left out" in line]
    assert summary == ["  ! web-0: ssh left out: ProxyCommand=nc %h %p (runs a local command)"]

    vm = json.loads(run_cli([stream, "--format", "json"]).out)["vms"][0]
    assert "ProxyCommand" not in vm["ssh"] and vm["warnings"] == 1
    assert vm["ssh_left_out"] == [{"what": "ProxyCommand=nc %h %p", "why": "runs a local command"}]

    markdown = run_cli([stream, "--format", "markdown"]).out
    assert "- ⚠️ **web-0** ssh left out: ProxyCommand=nc %h %p (runs a local command)" in markdown


def test_left_out_options_are_a_warning_for_fail_on_warn(tmp_path: Path) -> None:
    unsafe = write(tmp_path, plan("web-0", ["LocalCommand=id"]))
    assert run_cli([unsafe, "--summary-only"]).code == 0
    assert run_cli([unsafe, "--summary-only", "--fail-on", "warn"]).code == 1
    safe = write(tmp_path, plan("web-0", SAFE_OPTIONS))
    assert run_cli([safe, "--summary-only", "--fail-on", "warn"]).code == 0


def closed_port() -> int:
    """A local TCP port nothing listens on (ssh is refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh client installed")
def test_pasting_the_command_into_a_shell_runs_nothing_local(tmp_path: Path) -> None:
    port = closed_port()
    markers = [tmp_path / f"ran-{i}" for i in range(4)]
    stream = write(
        tmp_path,
        plan("a", [f"ProxyCommand=touch {markers[0]}"], port=port),
        plan("b", [f"proxycommand touch {markers[1]}"], port=port),
        plan("c", [f"PROXYCOMMAND = touch {markers[2]}"], port=port),
        plan("d", [], user=f"-oProxyCommand=touch {markers[3]} ", port=port),
    )
    out = run_cli([stream, "--color", "never", "--width", "60"]).out
    pasted = [line.strip() for line in out.splitlines() if line.strip().startswith("ssh ")]
    assert len(pasted) >= 3  # under each plan line, and in the connect list
    for command in pasted:
        subprocess.run(
            ["sh", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, timeout=60
        )
    assert [m.name for m in markers if m.exists()] == []
