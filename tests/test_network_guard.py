"""Tests stay on this machine: the guard refuses any address beyond loopback before a packet
leaves (10.255.255.1 is unroutable: a real attempt would hang, not fail at once)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import NetworkBlocked, NetworkGuard

AWAY = "10.255.255.1"


def test_a_plain_socket_cannot_leave_loopback(network_guard: NetworkGuard) -> None:
    with pytest.raises(NetworkBlocked), socket.create_connection((AWAY, 80), timeout=30):
        pass
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(("2001:db8::1", 80, 0, 0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkBlocked):
        sock.sendto(b"x", (AWAY, 53))
    assert len(network_guard.refused) == 3
    network_guard.refused.clear()  # expected here; anywhere else it fails the test


async def test_asyncio_and_aiohttp_cannot_leave_loopback(network_guard: NetworkGuard) -> None:
    with pytest.raises(NetworkBlocked):
        await asyncio.wait_for(asyncio.open_connection(AWAY, 80), timeout=30)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):  # aiohttp wraps the refusal
            await session.get(f"http://{AWAY}/", timeout=aiohttp.ClientTimeout(total=30))
        with pytest.raises(aiohttp.ClientError):  # a name is never even looked up
            await session.get("http://example.com/", timeout=aiohttp.ClientTimeout(total=30))
    assert [r.split()[0] for r in network_guard.refused] == ["connect", "connect", "a"]
    network_guard.refused.clear()


async def test_loopback_and_unix_sockets_are_allowed(tmp_path: Path) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    tcp = await asyncio.start_server(echo, "127.0.0.1", 0)
    unix = await asyncio.start_unix_server(echo, str(tmp_path / "echo.sock"))
    port = tcp.sockets[0].getsockname()[1]
    try:
        for opened in (
            asyncio.open_connection("127.0.0.1", port),
            asyncio.open_connection("localhost", port),
            asyncio.open_unix_connection(str(tmp_path / "echo.sock")),
        ):
            reader, writer = await opened
            writer.write(b"hello\n")
            assert await reader.readline() == b"hello\n"
            writer.close()
    finally:
        tcp.close()
        unix.close()


def test_a_refusal_fails_the_test_even_when_swallowed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import network_guard  # noqa: F401")
    pytester.makepyfile(
        """
        import socket

        def test_swallows():
            try:
                socket.create_connection(("10.255.255.1", 80), timeout=30)
            except OSError:
                pass
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*reached beyond loopback*10.255.255.1*"])
