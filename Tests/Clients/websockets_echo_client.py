"""An echo client on Python websockets (asyncio API), configured as in the reference's client run: it follows
the fuzzing server's endpoint protocol (/getCaseCount, /runCase?case=N&agent=A for every case, /updateReports)
and sends every text and binary message back unchanged until the connection closes.

    python websockets_echo_client.py URL AGENT [--misbehave MODE] [--shutdown] [--ca FILE]

--ca FILE trusts the PEM certificate FILE for a wss:// URL (the host name is not checked).
--shutdown asks the server to stop after the reports (/updateReports?...&shutdownOnComplete=true).

MODE makes a client built to fail, for wsspec's own tests:
  unmasked  - every frame it sends is unmasked (RFC 6455 5.1 forbids it)
  mangle    - echoes every message with its first octet changed
  ignore    - never echoes anything
  stop:N    - ends after case N (before running the rest)
  hang:N    - after case N, waits forever without connecting again
"""
import asyncio
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.frames import Frame


TLS = {}


def options():
    return dict(max_size=None, ping_interval=None, open_timeout=10, close_timeout=5, **TLS)


async def text_of(url):
    async with connect(url, **options()) as ws:
        return await ws.recv()


async def run_case(url, misbehave):
    try:
        async with connect(url, **options()) as ws:
            async for message in ws:
                if misbehave == "ignore":
                    continue
                if misbehave == "mangle" and len(message) > 0:
                    if isinstance(message, str):
                        message = ("x" if message[0] != "x" else "y") + message[1:]
                    else:
                        message = bytes([message[0] ^ 0xFF]) + message[1:]
                await ws.send(message)
    except (WebSocketException, OSError, asyncio.TimeoutError):
        pass


def send_unmasked():
    """Every frame this client writes from now on goes out without a mask."""
    original = Frame.serialize

    def unmasked(self, *, mask, extensions=None):
        return original(self, mask=False, extensions=extensions)

    Frame.serialize = unmasked


async def main():
    url, agent = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    misbehave = rest[rest.index("--misbehave") + 1] if "--misbehave" in rest else ""
    shutdown = "&shutdownOnComplete=true" if "--shutdown" in rest else ""
    if "--ca" in rest:
        context = ssl.create_default_context(cafile=rest[rest.index("--ca") + 1])
        context.check_hostname = False
        TLS["ssl"] = context
    count = int(await text_of(f"{url}/getCaseCount"))
    if misbehave == "unmasked":
        send_unmasked()
    for n in range(1, count + 1):
        await run_case(f"{url}/runCase?case={n}&agent={agent}", misbehave)
        if misbehave == f"stop:{n}":
            return
        if misbehave == f"hang:{n}":
            await asyncio.sleep(3600)
    try:
        async with connect(f"{url}/updateReports?agent={agent}{shutdown}", **options()) as ws:
            await ws.wait_closed()
    except (WebSocketException, OSError):
        pass


asyncio.run(main())
