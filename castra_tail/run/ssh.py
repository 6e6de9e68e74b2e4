"""The ready-to-paste ssh command of a planned bootstrap, with only what is safe to paste.

SCHEMA.md: ``ssh [-i IDENTITY] [-o OPTION]… -p PORT USER@HOST``, shell-quoted.
The stream writes it and a person pastes it into a shell, so the stream must
not be able to run anything on that person's machine. The rule, deliberately
an allow-list:

- An option (``Name=value`` or ``Name value``, any case) is kept only when
  ssh_config(5) documents it as changing how ssh connects, authenticates or
  checks the host key, and nothing more (``SAFE``). Every other one is left out
  and named with why: it runs a local command (``ProxyCommand``,
  ``LocalCommand``, ``KnownHostsCommand``, ``Match exec`` …), loads local code,
  sends you somewhere else (``ProxyJump``, ``HostName``), lends the VM this
  machine (agent, ports, display), or is simply not known to be safe.
- A word that starts with ``-`` (an option, its value, an identity) is left
  out: ssh reads such words as flags of its own.
- A user or host that starts with ``-`` gives no command at all: ``-oProxyCommand=…@host``
  would be read as an option by ssh, and there is nothing safe to connect to.
- An option or identity with a character that cannot be shown as it is
  (a control, an invisible character) is left out: what is shown must be what
  is pasted. So is one longer than any real one (``LONGEST_*``); a user or
  host like that gives no command.
"""

from __future__ import annotations

import functools
import re
import shlex
from typing import Final

import msgspec

from castra_tail.contract.events import SshTarget

_WHY: Final = {
    "runs a local command": (
        "ProxyCommand LocalCommand PermitLocalCommand KnownHostsCommand Match XAuthLocation"
    ),
    "loads local code": "PKCS11Provider SecurityKeyProvider SmartcardDevice",
    "reads more configuration": "Include Host",
    "connects somewhere else first": "ProxyJump ProxyUseFdpass",
    "changes the host, user or port shown": "HostName User Port CanonicalizeHostname",
    "lends the VM this machine": (
        "ForwardAgent ForwardX11 ForwardX11Trusted LocalForward RemoteForward DynamicForward"
        " Tunnel TunnelDevice GatewayPorts GSSAPIDelegateCredentials SendEnv AddKeysToAgent"
        " IdentityAgent ControlMaster ControlPath ControlPersist StreamLocalBindUnlink"
    ),
    "changes what runs on the VM": "RemoteCommand SessionType StdinNull ForkAfterAuthentication",
}
#: The reason for each option known to be unsafe, by lower-case name.
UNSAFE: Final = {name.lower(): why for why, names in _WHY.items() for name in names.split()}
_SAFE_NAMES: Final = """
    AddressFamily BatchMode BindAddress BindInterface CASignatureAlgorithms CertificateFile
    ChallengeResponseAuthentication ChannelTimeout CheckHostIP Ciphers ClearAllForwardings
    Compression ConnectionAttempts ConnectTimeout EscapeChar ExitOnForwardFailure
    FingerprintHash GlobalKnownHostsFile GSSAPIAuthentication HashKnownHosts
    HostbasedAcceptedAlgorithms HostbasedAuthentication HostbasedKeyTypes HostKeyAlgorithms
    HostKeyAlias IdentitiesOnly IdentityFile IPQoS KbdInteractiveAuthentication
    KbdInteractiveDevices KexAlgorithms LogLevel LogVerbose MACs NoHostAuthenticationForLocalhost
    NumberOfPasswordPrompts ObscureKeystrokeTiming PasswordAuthentication PreferredAuthentications
    Protocol PubkeyAcceptedAlgorithms PubkeyAcceptedKeyTypes PubkeyAuthentication RekeyLimit
    RequestTTY RequiredRSASize RevokedHostKeys ServerAliveCountMax ServerAliveInterval
    StrictHostKeyChecking TCPKeepAlive UpdateHostKeys UserKnownHostsFile VerifyHostKeyDNS
    VisualHostKey
"""
#: Options that only change how ssh connects, authenticates or checks the host key.
SAFE: Final = frozenset(name.lower() for name in _SAFE_NAMES.split())
#: How ssh reads ``-o``: a keyword, then ``=`` or blanks, then the value.
_OPTION: Final = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(.*)", re.DOTALL)
_SHELL_SAFE: Final = re.compile(r"[\w@%+=:,./~-]+", re.ASCII)
#: Longest piece of a left-out option that is quoted back.
SHOWN: Final = 60
#: Longest user or host (a DNS name has 253 characters), identity path and option kept.
LONGEST_NAME: Final = 256
LONGEST_PATH: Final = 4096
LONGEST_OPTION: Final = 1024
#: Parts left out that are named one by one; past it, they are counted.
MAX_LEFT_OUT: Final = 20
#: Targets longer than this (all their strings) are not remembered.
MAX_CACHED_CHARS: Final = 2048
DASH: Final = 'starts with "-", which ssh reads as a flag'


class LeftOut(msgspec.Struct, frozen=True, gc=False):
    """A part of the stream's ssh target left out of the command, and why."""

    what: str  # as the stream wrote it, cut to SHOWN characters
    why: str

    def __str__(self) -> str:
        return f"{self.what} ({self.why})"


class Ssh(msgspec.Struct, frozen=True, gc=False):
    """The command to paste (None when nothing safe can be made) and what was left out."""

    command: str | None
    left_out: tuple[LeftOut, ...] = ()


class _Last:
    """The target asked for last, and its command (held: its id cannot be reused)."""

    target: SshTarget | None = None
    ssh: Ssh = Ssh(None)


_last: Final = _Last()


def ssh_of(target: SshTarget) -> Ssh:
    """The ready-to-paste command of ``target``, without what could harm whoever pastes it."""
    if target is _last.target:  # a plan's level asks first, then its record: one event
        return _last.ssh
    ssh = _made(target)
    _last.target, _last.ssh = target, ssh
    return ssh


def _made(target: SshTarget) -> Ssh:
    options = tuple(target.options)
    args = (target.user, target.host, target.port, target.identity, options)
    chars = len(target.user) + len(target.host) + len(target.identity or "")
    if chars + sum(map(len, options)) <= MAX_CACHED_CHARS:
        return _cached(*args)
    return _ssh(*args)  # a cache key would keep its long strings alive


def left_out_text(left_out: tuple[LeftOut, ...]) -> str:
    """``ssh left out: ProxyCommand=nc … (runs a local command); …`` in one line."""
    return "ssh left out: " + "; ".join(str(part) for part in left_out)


def _ssh(user: str, host: str, port: int, identity: str | None, options: tuple[str, ...]) -> Ssh:
    left: list[LeftOut] = []
    for word, name in ((user, "user"), (host, "host")):
        why = _word_problem(word, LONGEST_NAME)
        if why is not None:
            return Ssh(None, (LeftOut(f"{name} {_cut(word)}", f"{why}: no command"),))
    words = ["ssh"]
    if identity:
        why = _word_problem(identity, LONGEST_PATH)
        if why is None:
            words += ["-i", identity]
        else:
            left.append(LeftOut(f"-i {_cut(identity)}", why))
    for option in options:
        why = _option_problem(option)
        if why is None:
            words += ["-o", option]
        else:
            left.append(LeftOut(_cut(option), why))
    if len(left) > MAX_LEFT_OUT:  # each is named; a million of them are counted
        more = len(left) - MAX_LEFT_OUT
        left[MAX_LEFT_OUT:] = [LeftOut(f"{more:,} more", "left out as well")]
    words += ["-p", str(port), f"{user}@{host}"]
    return Ssh(" ".join(_quote(w) for w in words), tuple(left))


#: A fleet's log repeats each VM's target many times.
_cached: Final = functools.lru_cache(maxsize=4096)(_ssh)


def _option_problem(option: str) -> str | None:
    """Why ``option`` must not be pasted, or None when it may."""
    why = _word_problem(option, LONGEST_OPTION)
    if why is not None:
        return why
    match = _OPTION.fullmatch(option)
    if match is None:
        return "not an option ssh reads as one"
    name, value = match[1].lower(), match[2]
    if name in UNSAFE:
        return UNSAFE[name]
    if name not in SAFE:
        return "not an option known to be safe"
    words = value.split()
    if words and words[0].startswith("-"):
        return f"its value {DASH}"
    # "no -oProxyCommand=…": a second option to whoever reads it, refused by ssh.
    return f"a word of its value {DASH}" if any(w.startswith("-") for w in words) else None


def _word_problem(word: str, longest: int) -> str | None:
    if len(word) > longest:
        return f"longer than {longest:,} characters"
    if word.startswith("-"):
        return DASH
    if not word.isprintable():
        return "cannot be shown as it is"
    return None


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _quote(word: str) -> str:
    # shlex.quote would quote "~/.ssh/key" and stop the shell expanding the tilde.
    return word if _SHELL_SAFE.fullmatch(word) else shlex.quote(word)
